package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// waitGameJoins waits until the game client has seen each viewer's
// current session join (from line index from on), under its name.
func waitGameJoins(t *testing.T, game *clusterGame, from int, viewers ...*clusterViewer) {
	t.Helper()
	for _, v := range viewers {
		_, l := game.wait(fmt.Sprintf("%s's join (session %s)", v.Name, v.Session), from, func(l gameLine) bool {
			return l.Step == "join" && l.SessionID == v.Session
		})
		if l.Username != v.Name {
			t.Fatalf("the game client saw session %s join as %q, want %q", v.Session, l.Username, v.Name)
		}
	}
}

// waitInputs waits until every acknowledged input has reached the game
// client (counting them is checkExactlyOnce's job, at the end).
func waitInputs(t *testing.T, game *clusterGame, viewers ...*clusterViewer) {
	t.Helper()
	for _, v := range viewers {
		for _, value := range v.Acked {
			game.wait(fmt.Sprintf("input %q", value), 0, func(l gameLine) bool { return l.Step == "input" && l.Value == value })
		}
	}
}

// waitClosed waits until a dead node's viewer has lost its socket.
func waitClosed(t *testing.T, v *clusterViewer) {
	t.Helper()
	select {
	case <-v.P.Done():
	case <-time.After(testkit.Timeout):
		t.Fatalf("%s's socket to the killed node %s is still open after %v", v.Name, v.Node, testkit.Timeout)
	}
}

// notReady waits for onReady {isReady:false} after history index from.
func notReady(t *testing.T, v *clusterViewer, from int) {
	t.Helper()
	earlier := map[*testkit.Packet]bool{}
	for _, p := range v.P.History()[:from] {
		earlier[p] = true
	}
	v.P.Seen(fmt.Sprintf("%s told the session is not ready (node %s)", v.Name, v.Node), func(p *testkit.Packet) bool {
		return !earlier[p] && p.Type == "method" && p.Method == "onReady" && isReady(p) == "false"
	})
}

// checkSameBroadcasts waits until every viewer has seen label "status"
// read u<last>, then compares what each received after the latest join
// among them: the same broadcasts, the same seqs, strictly increasing,
// u<first> … u<last> among them in order.
func checkSameBroadcasts(t *testing.T, viewers []*clusterViewer, first, last int) {
	t.Helper()
	end := fmt.Sprintf(`"text":"u%d"`, last)
	var after int32
	for _, v := range viewers {
		v.P.Seen(fmt.Sprintf("%s seeing status u%d", v.Name, last), func(p *testkit.Packet) bool {
			return p.Type == "method" && p.Method == "onControlUpdate" && strings.Contains(string(p.Params), end)
		})
		after = max(after, v.JoinSeq)
	}
	var want []string
	for i, v := range viewers {
		got := v.broadcastsSince(after, end)
		if i == 0 {
			want = got
			checkSeqOrder(t, v, got, first, last)
			continue
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s (node %s) and %s (node %s) received different broadcasts after seq %d:\n%s:\n%s\n%s:\n%s",
				viewers[0].Name, viewers[0].Node, v.Name, v.Node, after,
				viewers[0].Name, strings.Join(want, "\n"), v.Name, strings.Join(got, "\n"))
		}
	}
	t.Logf("%d viewers on %d nodes received the same %d broadcasts after seq %d", len(viewers), nodesOf(viewers), len(want), after)
}

// broadcastsSince is broadcasts(after) up to the first one containing end.
func (v *clusterViewer) broadcastsSince(after int32, end string) []string {
	var out []string
	for _, b := range v.broadcasts(after) {
		out = append(out, b)
		if strings.Contains(b, end) {
			break
		}
	}
	return out
}

// checkSeqOrder checks one viewer's broadcast lines: seqs strictly
// increase and the label updates u<first> … u<last> are there in order.
func checkSeqOrder(t *testing.T, v *clusterViewer, lines []string, first, last int) {
	t.Helper()
	prev := int64(-1)
	next := first
	for _, l := range lines {
		var seq int64
		fmt.Sscanf(l, "%d", &seq)
		if seq <= prev {
			t.Fatalf("%s (node %s): seq %d after %d:\n%s", v.Name, v.Node, seq, prev, strings.Join(lines, "\n"))
		}
		prev = seq
		if next <= last && strings.Contains(l, fmt.Sprintf(`"text":"u%d"`, next)) {
			next++
		}
	}
	if next != last+1 {
		t.Fatalf("%s (node %s) saw the label updates up to u%d in order, want u%d … u%d:\n%s",
			v.Name, v.Node, next-1, first, last, strings.Join(lines, "\n"))
	}
}

// checkSameScenes has one viewer per node call getScenes: the nodes must
// answer the same, with label "status" reading text.
func checkSameScenes(t *testing.T, text string, viewers ...*clusterViewer) {
	t.Helper()
	var want string
	for i, v := range viewers {
		got := canonicalJSON(v.P.Call("getScenes", nil))
		if !strings.Contains(got, fmt.Sprintf(`"text":%q`, text)) {
			t.Fatalf("getScenes on node %s does not show status %q: %s", v.Node, text, got)
		}
		if i == 0 {
			want = got
		} else if got != want {
			t.Fatalf("getScenes differs between node %s and node %s:\n%s\n%s", viewers[0].Node, v.Node, want, got)
		}
	}
}

// checkExactlyOnce counts the inputs the game client received: each
// acknowledged value once, under the name of the viewer who gave it;
// each refused value never; each value cut off by a dying node at most
// once; nothing else.
func checkExactlyOnce(t *testing.T, lines []gameLine, viewers []*clusterViewer, refused []string) {
	t.Helper()
	who := map[string]string{} // sessionID → username, from the joins
	got := map[string]int{}
	from := map[string]string{} // value → username it came under
	for _, l := range lines {
		switch l.Step {
		case "join":
			who[l.SessionID] = l.Username
		case "input":
			got[l.Value]++
			from[l.Value] = who[l.ParticipantID]
		}
	}
	known := map[string]bool{}
	acked := 0
	for _, v := range viewers {
		for _, value := range v.Acked {
			known[value] = true
			acked++
			if got[value] != 1 {
				t.Errorf("acknowledged input %q reached the game client %d times, want once", value, got[value])
			}
			if from[value] != v.Name {
				t.Errorf("input %q reached the game client from %q, want %s", value, from[value], v.Name)
			}
		}
		for _, value := range v.Unsure {
			known[value] = true
			if got[value] > 1 {
				t.Errorf("input %q (in flight when its node died) reached the game client %d times, want at most once", value, got[value])
			}
		}
	}
	for _, value := range refused {
		known[value] = true
		if got[value] != 0 {
			t.Errorf("input %q was refused (4099) yet reached the game client %d times", value, got[value])
		}
	}
	for value, n := range got {
		if !known[value] {
			t.Errorf("the game client received input %q (%d times) that no viewer gave", value, n)
		}
	}
	t.Logf("%d acknowledged inputs reached the game client once each; %d refused ones never", acked, len(refused))
}

// checkSessionEnded checks, once the game client has left, that every
// viewer's socket closes with 4016 (the session ended), whichever node
// holds it, as on one node.
func checkSessionEnded(t *testing.T, viewers ...*clusterViewer) {
	t.Helper()
	deadline := time.Now().Add(testkit.Timeout)
	for _, v := range viewers {
		select {
		case <-v.P.Done():
		case <-time.After(time.Until(deadline)):
			t.Errorf("%s on node %s: socket still open %v after the game client left, want it closed with 4016 (session ended); its last packets:\n%s",
				v.Name, v.Node, testkit.Timeout, packetsText(lastPackets(v.P.History(), 4)))
			continue
		}
		if ce := v.P.CloseError(); ce == nil || ce.Code != 4016 {
			t.Errorf("%s on node %s: socket closed with %v after the game client left, want 4016 (session ended)", v.Name, v.Node, ce)
		}
	}
}

func lastPackets(ps []*testkit.Packet, n int) []*testkit.Packet {
	return ps[max(0, len(ps)-n):]
}

func nodesOf(viewers []*clusterViewer) int {
	nodes := map[string]bool{}
	for _, v := range viewers {
		nodes[v.Node] = true
	}
	return len(nodes)
}
