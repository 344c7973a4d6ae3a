package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// TestClusterBusOutage stops the NATS server under a running channel (the
// game client on node a, a viewer on a and one on b) and starts it again
// on its port and store, well within the home's lease: while the bus is
// down every viewer is told the session is not ready and its input is
// refused with 4099, not left pressing into a void; once it is back they
// are ready again (the same session, or a fresh join) and input reaches
// the game client, each acknowledged one once, the refused ones never.
func TestClusterBusOutage(t *testing.T) {
	// A lease far longer than the outage: the home keeps the channel.
	r := startClusterRig(t, 6*time.Second, 2, "a", "b")
	game := r.game
	v1, v2 := r.newViewer("viewer1", "a"), r.newViewer("viewer2", "b")
	all := []*clusterViewer{v1, v2}
	waitGameJoins(t, game, 0, all...)
	giveRound(all...)
	waitInputs(t, game, all...)

	marks := map[*clusterViewer]int{}
	for _, v := range all {
		marks[v] = len(v.P.History())
	}
	gameMark := game.mark()
	r.c.stopNATS(t)
	stopped := time.Now()
	var refused []string
	for _, v := range all {
		notReady(t, v, marks[v])
		id, value := v.give()
		if reply := v.P.Reply(id); reply.Error == nil || reply.Error.Code != 4099 {
			t.Fatalf("%s on node %s gave input while the bus was down: answered %s, want error 4099", v.Name, v.Node, reply.Raw)
		}
		refused = append(refused, value)
	}
	r.c.startNATS(t)
	t.Logf("NATS was down %v", time.Since(stopped).Round(time.Millisecond))

	for _, v := range all {
		readyAgain(t, game, v, marks[v], gameMark)
	}
	if closed := game.linesSince(gameMark, "closed"); len(closed) > 0 {
		t.Logf("the game client's socket closed during the outage (%s) and it reconnected", closed[0].Raw)
	}
	giveRound(all...)
	waitInputs(t, game, all...)

	// Broadcasts flow again, and both nodes answer getScenes alike.
	game.update(1, 3)
	game.wait("the updates done", gameMark, func(l gameLine) bool { return l.Step == "updated" })
	for _, v := range all {
		v.P.Seen(v.Name+" seeing status u3", func(p *testkit.Packet) bool {
			return p.Type == "method" && p.Method == "onControlUpdate" && strings.Contains(string(p.Params), `"text":"u3"`)
		})
	}
	checkSameScenes(t, "u3", v1, v2)
	checkExactlyOnce(t, game.exit(), all, refused)
	checkSessionEnded(t, all...)
}

// readyAgain waits, after a viewer's history index from, for an onReady
// {isReady:true} following its onReady false. A fresh hello among them
// is a new join (a new session, which the game client must see join);
// without one, the viewer resumed its session.
func readyAgain(t *testing.T, game *clusterGame, v *clusterViewer, from, gameFrom int) {
	t.Helper()
	earlier := map[*testkit.Packet]bool{}
	for _, p := range v.P.History()[:from] {
		earlier[p] = true
	}
	sawFalse := false
	v.P.Seen(fmt.Sprintf("%s ready again on node %s", v.Name, v.Node), func(p *testkit.Packet) bool {
		if earlier[p] || p.Type != "method" || p.Method != "onReady" {
			return false
		}
		if isReady(p) == "false" {
			sawFalse = true
			return false
		}
		return sawFalse
	})
	for _, p := range v.P.History()[from:] {
		if p.Type == "method" && p.Method == "hello" {
			old := v.Session
			v.joined(from)
			t.Logf("%s joined again after the outage (session %s, was %s)", v.Name, v.Session, old)
			waitGameJoins(t, game, gameFrom, v)
			return
		}
	}
	t.Logf("%s resumed its session %s after the outage", v.Name, v.Session)
}
