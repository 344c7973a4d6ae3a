package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// clusterLayout: a label the game client rewrites (its broadcasts are
// what every viewer must see in one order) and a textbox whose change
// values make every input unique.
const clusterLayout = `{"format":"mixstudio/1","name":"cluster e2e","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"status","kind":"label","text":"start","position":[{"size":"large","width":20,"height":4,"x":0,"y":0},{"size":"medium","width":20,"height":4,"x":0,"y":0},{"size":"small","width":20,"height":4,"x":0,"y":0}]},
  {"controlID":"say","kind":"textbox","placeholder":"say","position":[{"size":"large","width":20,"height":4,"x":0,"y":5},{"size":"medium","width":20,"height":4,"x":0,"y":5},{"size":"small","width":20,"height":4,"x":0,"y":5}]}]}],
 "groups":[]}`

// TestClusterOneChannelOnThreeNodes is issue 17's end-to-end test: one
// channel on three `mixstudio mediator` processes joined by an embedded
// NATS server, the official Node SDK as the game client (it opens with
// node a's hosts list, so a becomes the channel's home), Go viewers on
// every node and the SDK's participant on b. It checks, in order:
//  1. one seq order and one state: while viewers type, the game client
//     rewrites a label 20 times; every viewer sees the same broadcasts
//     with the same seqs, strictly increasing, and getScenes answers
//     the same on every node;
//  2. every acknowledged input reaches the game client exactly once,
//     attributed to the viewer's session;
//  3. kill -9 of edge c: its viewers dial b with their keys, the game
//     client sees their old sessions leave and the new ones join, input
//     flows; c restarts and serves a viewer again;
//  4. kill -9 of home a: the SDK reconnects to another node once a's
//     lease expires; viewers on b and c keep their sockets, are told the
//     session is not ready (input refused meanwhile), then get a fresh
//     join and give input again; the seq order and state checks hold on
//     the new home.
//
// At the end every input is counted at the game client: acknowledged
// ones once, refused ones never, ones cut off by a dying node at most
// once; and the game client leaves, which ends the session (4016) for
// the viewers on every node.
func TestClusterOneChannelOnThreeNodes(t *testing.T) {
	dir := interopDir(t)
	var ownerToken, versionID string
	tokens := map[string]string{}
	c := newTestCluster(t, func(db string) {
		ownerToken = runCLI(t, db, "token")
		versionID = runCLI(t, db, "import", writeTemp(t, "cluster.json", clusterLayout))
		for i := 1; i <= 8; i++ {
			name := fmt.Sprintf("viewer%d", i)
			tokens[name] = runCLI(t, db, "token", "--user", name)
		}
	})
	a := c.startNode(t, "a")
	c.startNode(t, "b")
	c.startNode(t, "c")
	for _, id := range []string{"a", "b", "c"} {
		c.waitHosts(t, id, 3)
	}
	var me struct {
		Channel struct {
			ID int64 `json:"id"`
		} `json:"channel"`
	}
	getJSON(t, a.URL+"/api/v1/users/current", ownerToken, &me)
	channel := me.Channel.ID

	// The game client, through a's hosts list, lands on a: a is home.
	game := startClusterGame(t, dir, a, ownerToken, versionID)
	_, hosts := game.wait("hosts", 0, func(l gameLine) bool { return l.Step == "hosts" })
	if len(hosts.Hosts) != 3 || !strings.Contains(hosts.Hosts[0], a.Addr) {
		t.Fatalf("the SDK got hosts %q from node a, want the 3 nodes with a (%s) first", hosts.Hosts, a.Addr)
	}
	_, ready := game.wait("ready", 0, func(l gameLine) bool { return l.Step == "ready" })
	if !strings.Contains(ready.URL, a.Addr) {
		t.Fatalf("the game client opened on %s, want node a (%s), the first of its hosts", ready.URL, a.Addr)
	}

	newViewer := func(name, node string) *clusterViewer {
		t.Helper()
		v := &clusterViewer{t: t, Name: name, Token: tokens[name]}
		v.Key = participantKey(t, c.Nodes[node], channel, v.Token)
		v.dial(c, node, channel)
		return v
	}
	v1 := newViewer("viewer1", "a")
	v2, v3 := newViewer("viewer2", "b"), newViewer("viewer3", "b")
	v4, v5, v6 := newViewer("viewer4", "c"), newViewer("viewer5", "c"), newViewer("viewer6", "c")
	all := []*clusterViewer{v1, v2, v3, v4, v5, v6}
	waitGameJoins(t, game, 0, all...)
	// viewer8 is the official SDK's participant, on b throughout.
	v8 := &clusterViewer{t: t, Name: "viewer8", Token: tokens["viewer8"], Node: "b"}
	v8.Key = participantKey(t, c.Nodes["b"], channel, v8.Token)
	game.sdkViewer(v8, c.Nodes["b"], channel)
	waitGameJoins(t, game, 0, v8)

	// 1 and 2: updates and input at once, from every node.
	const updates = 20
	game.update(1, updates)
	for round := 0; round < 5; round++ {
		giveRound(all...)
	}
	game.wait("the updates done", 0, func(l gameLine) bool { return l.Step == "updated" })
	for i := 0; i < 3; i++ {
		game.sdkGive(v8)
	}
	checkSameBroadcasts(t, all, 1, updates)
	checkSameScenes(t, fmt.Sprintf("u%d", updates), v1, v2, v4)
	waitInputs(t, game, append(all, v8)...)

	// 3: edge c dies. Its viewers had inputs acknowledged; each also has
	// one in flight as it dies.
	onC := []*clusterViewer{v4, v5, v6}
	for _, v := range onC {
		_, value := v.give()
		v.Unsure = append(v.Unsure, value)
	}
	c.Nodes["c"].kill9(t)
	for _, v := range onC {
		waitClosed(t, v)
	}
	c.waitHosts(t, "b", 2) // c is no longer a live node
	for _, v := range onC {
		old := v.Session
		v.dial(c, "b", channel)
		if v.Session == old {
			t.Fatalf("%s joined node b with its old sessionID %s", v.Name, old)
		}
		game.wait(v.Name+"'s old session leaving", 0, func(l gameLine) bool { return l.Step == "leave" && l.SessionID == old })
	}
	waitGameJoins(t, game, 0, onC...)
	giveRound(all...)
	game.sdkGive(v8)
	waitInputs(t, game, append(all, v8)...)

	// c comes back (a supervisor restarts it) and serves a new viewer.
	c.Nodes["c"].relaunch(t)
	c.waitHosts(t, "c", 3)
	v7 := newViewer("viewer7", "c")
	all = append(all, v7)
	waitGameJoins(t, game, 0, v7)
	giveRound(all...)
	waitInputs(t, game, all...)

	// 4: the home dies. The viewers on b and c stay; viewer1 was on a.
	stay := []*clusterViewer{v2, v3, v4, v5, v6, v7}
	marks := map[*clusterViewer]int{}
	for _, v := range stay {
		marks[v] = len(v.P.History())
	}
	gameMark := game.mark()
	a.kill9(t)
	killed := time.Now()
	var refused []string
	for _, v := range stay {
		notReady(t, v, marks[v])
		// Input now has no game client to reach: refused, not swallowed.
		id, value := v.give()
		r := v.P.Reply(id)
		switch {
		case r.Error == nil:
			// The new home was up before the answer: then it counts.
			v.Acked = append(v.Acked, value)
		case r.Error.Code == 4099:
			refused = append(refused, value)
		default:
			t.Fatalf("%s's input while the home is down: error %d %s, want 4099", v.Name, r.Error.Code, r.Error.Message)
		}
	}
	game.wait("the game client's socket closing", gameMark, func(l gameLine) bool { return l.Step == "closed" })
	_, back := game.wait("the game client ready again", gameMark, func(l gameLine) bool { return l.Step == "ready" })
	t.Logf("home a killed: the game client is ready on %s %v later", back.URL, time.Since(killed).Round(time.Millisecond))
	// The SDK tries its hosts in turn: b, the second, must take it (it
	// waits for a's lease to expire rather than turn the SDK away).
	if !strings.Contains(back.URL, c.Nodes["b"].Addr) {
		t.Fatalf("the game client is ready again on %s, want node b (%s), the next of its hosts", back.URL, c.Nodes["b"].Addr)
	}
	for _, v := range stay {
		old := v.Session
		select {
		case <-v.P.Done():
			t.Fatalf("%s lost its socket to node %s when the home died: %v", v.Name, v.Node, v.P.CloseError())
		default:
		}
		v.joined(marks[v])
		if v.Session == old {
			t.Fatalf("%s was announced to the new home with its old sessionID %s", v.Name, old)
		}
	}
	waitGameJoins(t, game, gameMark, stay...)
	// The SDK's participant went through the same: not ready, then a new
	// session on the new home.
	game.wait("the SDK participant told not ready", gameMark, func(l gameLine) bool {
		return l.Step == "viewer-onReady" && l.IsReady != nil && !*l.IsReady
	})
	old8 := v8.Session
	_, l8 := game.wait("the SDK participant ready on the new home", gameMark, func(l gameLine) bool {
		return l.Step == "viewer-onReady" && l.IsReady != nil && *l.IsReady && l.SessionID != old8
	})
	v8.Session = l8.SessionID
	waitGameJoins(t, game, gameMark, v8)
	waitClosed(t, v1)
	v1.dial(c, "c", channel)
	waitGameJoins(t, game, gameMark, v1)
	giveRound(all...)
	game.sdkGive(v8)
	waitInputs(t, game, append(all, v8)...)

	// The new home keeps one order and one state too.
	game.update(updates+1, 5)
	game.wait("the updates on the new home done", gameMark, func(l gameLine) bool { return l.Step == "updated" })
	checkSameBroadcasts(t, all, updates+1, updates+5)
	checkSameScenes(t, fmt.Sprintf("u%d", updates+5), v2, v7)

	checkExactlyOnce(t, game.exit(), append(all, v8), refused)
	// The game client left: the session ended for every viewer, on every
	// node, as on one node.
	deadline := time.Now().Add(testkit.Timeout)
	for _, v := range all {
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
	t.Logf("%d acknowledged inputs reached the game client once each; %d refused while the home was down", acked, len(refused))
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
