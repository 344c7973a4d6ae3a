package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
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
//  4. kill -9 of home a: the SDK reconnects to b, the next of its hosts,
//     which takes the channel once a's lease expires; viewers on b and c keep their sockets, are told the
//     session is not ready (input refused meanwhile), then get a fresh
//     join and give input again; the seq order and state checks hold on
//     the new home.
//
// At the end every input is counted at the game client: acknowledged
// ones once, refused ones never, ones cut off by a dying node at most
// once; and the game client leaves, which ends the session (4016) for
// the viewers on every node.
func TestClusterOneChannelOnThreeNodes(t *testing.T) {
	r := startClusterRig(t, clusterLeaseTTL, 8, "a", "b", "c")
	c, a, game, newViewer := r.c, r.c.Nodes["a"], r.game, r.newViewer
	channel := r.channel
	v1 := newViewer("viewer1", "a")
	v2, v3 := newViewer("viewer2", "b"), newViewer("viewer3", "b")
	v4, v5, v6 := newViewer("viewer4", "c"), newViewer("viewer5", "c"), newViewer("viewer6", "c")
	all := []*clusterViewer{v1, v2, v3, v4, v5, v6}
	waitGameJoins(t, game, 0, all...)
	// viewer8 is the official SDK's participant, on b throughout.
	v8 := &clusterViewer{t: t, Name: "viewer8", Token: r.tokens["viewer8"], Node: "b"}
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
		reply := v.P.Reply(id)
		switch {
		case reply.Error == nil:
			// The new home was up before the answer: then it counts.
			v.Acked = append(v.Acked, value)
		case reply.Error.Code == 4099:
			refused = append(refused, value)
		default:
			t.Fatalf("%s's input while the home is down: error %d %s, want 4099", v.Name, reply.Error.Code, reply.Error.Message)
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
	checkSessionEnded(t, all...)
}
