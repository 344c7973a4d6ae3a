package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// clusterViewer is one signed-in viewer of the cluster test: a user with a
// token, the participant key it got once, and its socket to one node.
type clusterViewer struct {
	t       *testing.T
	Name    string // user name
	Token   string
	Key     string
	Node    string // the node it is connected to now
	P       *testkit.Participant
	Session string // sessionID of its current join
	// JoinSeq is the seq its join's onReady carried: every broadcast
	// after its join has a greater one.
	JoinSeq int32
	// JoinIdx is that onReady's index in P.History(): what came before
	// belongs to an earlier join (an earlier home's seqs).
	JoinIdx int

	given int      // inputs given so far: values are Name#1, Name#2 …
	Acked []string // values whose giveInput was answered without error
	// Unsure are values whose answer never came (the socket died first):
	// each may reach the game client once, or not at all.
	Unsure []string
}

// dial connects v to node id and waits for its whole join (see joined).
func (v *clusterViewer) dial(c *testCluster, id string, channel int64) {
	v.t.Helper()
	v.Node = id
	v.P = testkit.MustDial(v.t, participantURL(c.Nodes[id], channel, v.Key), nil)
	v.joined(0)
}

// joined checks v's packets from index from on for a whole join, in the
// order one node sends it: hello, onSceneCreate, onGroupCreate,
// onParticipantJoin (its own, with a sessionID), onReady {isReady:true}.
// It waits for the onReady and records the session and the seq.
func (v *clusterViewer) joined(from int) {
	v.t.Helper()
	earlier := map[*testkit.Packet]bool{}
	for _, p := range v.P.History()[:from] {
		earlier[p] = true
	}
	ready := v.P.Seen(fmt.Sprintf("%s's onReady true on node %s", v.Name, v.Node), func(p *testkit.Packet) bool {
		return !earlier[p] && p.Type == "method" && p.Method == "onReady" && isReady(p) == "true"
	})
	hist := v.P.History()[from:]
	want := []string{"hello", "onSceneCreate", "onGroupCreate", "onParticipantJoin", "onReady"}
	next := 0
	for i, p := range hist {
		if next < len(want) && p.Type == "method" && p.Method == want[next] {
			if p.Method == "onParticipantJoin" {
				v.Session = sessionOf(v.t, p)
			}
			next++
		}
		if p == ready {
			v.JoinIdx = from + i
			break
		}
	}
	if next != len(want) {
		v.t.Fatalf("%s on node %s: join packets out of order, want %s in that order; got:\n%s",
			v.Name, v.Node, strings.Join(want, ", "), packetsText(hist))
	}
	v.JoinSeq = ready.Seq
}

// give sends a textbox change with the next unique value and returns the
// packet id and the value (await it with ack).
func (v *clusterViewer) give() (uint32, string) {
	v.t.Helper()
	v.given++
	value := fmt.Sprintf("%s#%d", v.Name, v.given)
	return v.P.Send("giveInput", map[string]any{"controlID": "say", "event": "change", "value": value}), value
}

// ack waits for the answer to input id: it must be no error.
func (v *clusterViewer) ack(id uint32, value string) {
	v.t.Helper()
	r := v.P.Reply(id)
	if r.Error != nil {
		v.t.Fatalf("%s on node %s: giveInput %q refused: %d %s", v.Name, v.Node, value, r.Error.Code, r.Error.Message)
	}
	v.Acked = append(v.Acked, value)
}

// giveRound has every viewer give one input at once, then awaits every
// answer: inputs from several nodes are in flight together.
func giveRound(viewers ...*clusterViewer) {
	ids := make([]uint32, len(viewers))
	values := make([]string, len(viewers))
	for i, v := range viewers {
		ids[i], values[i] = v.give()
	}
	for i, v := range viewers {
		v.ack(ids[i], values[i])
	}
}

// broadcasts is what v received since its join with a seq above after: every method packet
// with a greater seq except those about v alone (its own join and
// participant updates), as "seq method params" lines with params
// re-encoded (key order aside, the same JSON).
func (v *clusterViewer) broadcasts(after int32) []string {
	var out []string
	for _, p := range v.P.History()[v.JoinIdx+1:] {
		if p.Type != "method" || p.Seq <= after {
			continue
		}
		switch p.Method {
		case "hello", "onParticipantJoin", "onParticipantUpdate":
			continue
		}
		out = append(out, fmt.Sprintf("%d %s %s", p.Seq, p.Method, canonicalJSON(p.Params)))
	}
	return out
}

func isReady(p *testkit.Packet) string {
	var r struct {
		IsReady *bool `json:"isReady"`
	}
	if json.Unmarshal(p.Params, &r) != nil || r.IsReady == nil {
		return "?"
	}
	return fmt.Sprint(*r.IsReady)
}

func sessionOf(t *testing.T, p *testkit.Packet) string {
	t.Helper()
	var j struct {
		Participants []struct {
			SessionID string `json:"sessionID"`
		} `json:"participants"`
	}
	if err := json.Unmarshal(p.Params, &j); err != nil || len(j.Participants) != 1 || j.Participants[0].SessionID == "" {
		t.Fatalf("onParticipantJoin without one sessionID: %s", p.Raw)
	}
	return j.Participants[0].SessionID
}

// canonicalJSON re-encodes raw with sorted keys.
func canonicalJSON(raw json.RawMessage) string {
	var v any
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func packetsText(ps []*testkit.Packet) string {
	var b strings.Builder
	for _, p := range ps {
		b.Write(p.Raw)
		b.WriteByte('\n')
	}
	return b.String()
}
