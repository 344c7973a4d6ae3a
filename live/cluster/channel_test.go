package cluster_test

// One channel on three in-process mediator nodes over a real embedded
// NATS server: the game client on one (its home), viewers on all three.
// The e2e suite runs the same with processes and the official SDK; these
// tests pin the mediator's home and edge rules one by one.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/cluster"
	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
)

// testNode is one mediator of the cluster, served on loopback.
type testNode struct {
	id     string
	bus    *cluster.Node
	m      *mediator.Mediator
	server *httptest.Server
	once   sync.Once
}

// testCluster is a NATS server, a database and a streamer's channel.
type testCluster struct {
	tb   testing.TB
	nats *cluster.Server
	db   *persistence.DB
	testkit.Streamer
}

func newTestCluster(tb testing.TB) *testCluster {
	srv, err := cluster.RunServer("127.0.0.1:0", "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Shutdown)
	db := testkit.MustOpenDB(tb)
	return &testCluster{tb: tb, nats: srv, db: db, Streamer: testkit.NewStreamer(tb, db, "", "")}
}

// node starts a mediator joined to the cluster as id.
func (c *testCluster) node(id string) *testNode { return c.nodeWith(id, false) }

// nodeWith starts a node that may be edge-only.
func (c *testCluster) nodeWith(id string, edgeOnly bool) *testNode {
	c.tb.Helper()
	n := &testNode{id: id}
	var h atomic.Pointer[http.Handler]
	n.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) }))
	bus, err := cluster.Join(context.Background(), cluster.Options{URL: c.nats.URL(), NodeID: id, PublicURL: n.server.URL,
		LeaseTTL: time.Second, EdgeOnly: edgeOnly, Logger: testkit.QuietLogger()})
	if err != nil {
		c.tb.Fatal(err)
	}
	n.bus = bus
	n.m = mediator.New(c.db, time.Now, testkit.QuietLogger(), mediator.Options{Bus: bus, EdgeOnly: edgeOnly})
	handler := n.m.Handler()
	h.Store(&handler)
	c.tb.Cleanup(n.stop)
	return n
}

func (n *testNode) stop() { n.once.Do(n.shutdown) }

func (n *testNode) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	n.m.Shutdown(ctx)
	n.server.CloseClientConnections()
	n.server.Close()
	n.bus.Close()
}

func (c *testCluster) gameClient(n *testNode) *testkit.Participant {
	c.tb.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.Token)
	h.Set("X-Interactive-Version", fmt.Sprint(c.Version))
	h.Set("X-Protocol-Version", "2.0")
	g := testkit.MustDial(c.tb, testkit.WSURL(n.server.URL, mediator.GameClientPath, nil), h)
	g.Expect("hello")
	return g
}

// viewer joins the channel on node n as the viewer named name and waits
// for its onReady.
func (c *testCluster) viewer(n *testNode, name string) *testkit.Participant {
	c.tb.Helper()
	_, key := testkit.ViewerKey(c.tb, c.db, name)
	q := url.Values{"channel": {fmt.Sprint(c.User.ChannelID)}, "key": {key}}
	p := testkit.MustDial(c.tb, testkit.WSURL(n.server.URL, mediator.ParticipantPath, q), nil)
	p.Expect("onReady")
	return p
}

func TestChannelOnThreeNodes(t *testing.T) {
	c := newTestCluster(t)
	a, b, d := c.node("a"), c.node("b"), c.node("c")
	game := c.gameClient(a)
	game.Call("ready", map[string]any{"isReady": true})

	viewers := []*testkit.Participant{c.viewer(a, "ann"), c.viewer(b, "bob"), c.viewer(d, "cat")}
	ids := map[string]string{} // sessionID → name
	for range viewers {
		j := game.Expect("onParticipantJoin")
		var p struct {
			Participants []struct{ SessionID, Username string }
		}
		json.Unmarshal(j.Params, &p)
		ids[p.Participants[0].SessionID] = p.Participants[0].Username
	}
	if len(ids) != 3 {
		t.Fatalf("the game client saw joins %v", ids)
	}

	// The same broadcasts, in the same seq order, on every node.
	for i := range 5 {
		game.Call("updateControls", map[string]any{"sceneID": "default", "controls": []map[string]any{
			{"controlID": "lbl", "text": fmt.Sprintf("t%d", i)}}})
	}
	var want []string
	for i, v := range viewers {
		var got []string
		last := int32(0)
		for range 5 {
			u := v.Expect("onControlUpdate")
			if u.Seq <= last {
				t.Fatalf("viewer %d: seq %d after %d", i, u.Seq, last)
			}
			last = u.Seq
			got = append(got, fmt.Sprintf("%d %s", u.Seq, u.Params))
		}
		if i == 0 {
			want = got
		} else if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("viewer %d saw\n%v\nviewer 0 saw\n%v", i, got, want)
		}
	}

	// Every press reaches the game client once, with the presser's id, and
	// the reply comes after it did.
	for i, v := range viewers {
		v.Call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
		in := game.Expect("giveInput")
		var p struct{ ParticipantID string }
		json.Unmarshal(in.Params, &p)
		if ids[p.ParticipantID] != []string{"ann", "bob", "cat"}[i] {
			t.Fatalf("press %d came from %q", i, ids[p.ParticipantID])
		}
	}

	// Input the replica refuses never crosses the bus.
	if code := viewers[1].CallErr("giveInput", map[string]any{"controlID": "nope", "event": "mousedown"}); code != 4099 {
		t.Fatalf("unknown control: code %d", code)
	}
	game.Call("updateControls", map[string]any{"sceneID": "default", "controls": []map[string]any{
		{"controlID": "btn", "disabled": true}}})
	for _, v := range viewers {
		v.Expect("onControlUpdate")
	}
	if code := viewers[2].CallErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); code != 4099 {
		t.Fatalf("disabled button: code %d", code)
	}

	// getScenes is answered by each edge from its replica, the same everywhere.
	var scenes []string
	for _, v := range viewers {
		scenes = append(scenes, string(v.Call("getScenes", map[string]any{})))
	}
	if scenes[0] != scenes[1] || scenes[1] != scenes[2] {
		t.Fatalf("getScenes differs between nodes:\n%s", scenes)
	}
	game.None("giveInput")

	// A group moved to another scene: each edge's replica follows, so a
	// move of the old scene's joystick, taken before, is refused there.
	move := map[string]any{"controlID": "stick", "event": "move", "x": 0.5, "y": 0}
	viewers[1].Call("giveInput", move)
	game.Expect("giveInput")
	game.Call("updateGroups", map[string]any{"groups": []map[string]any{{"groupID": "default", "sceneID": "lobby"}}})
	for i, v := range viewers {
		v.Seen("the lobby scene", func(p *testkit.Packet) bool {
			return p.Method == "onSceneCreate" && strings.Contains(string(p.Params), `"sceneID":"lobby"`)
		})
		if code := v.CallErr("giveInput", move); code != 4099 {
			t.Fatalf("viewer %d: a control of the old scene: code %d", i, code)
		}
		if got := string(v.Call("getScenes", map[string]any{})); !strings.Contains(got, `"sceneID":"lobby"`) {
			t.Fatalf("viewer %d: getScenes after the move: %s", i, got)
		}
	}
	game.None("giveInput")

	// The game client leaving ends the session on every node (4016).
	game.Conn.Close()
	for i, v := range viewers {
		<-v.Done()
		if code := v.CloseCode(); code != 4016 {
			t.Fatalf("viewer %d closed with %d", i, code)
		}
	}
}

// sessionOf reads the participant's own sessionID from its onParticipantJoin.
func sessionOf(tb testing.TB, p *testkit.Participant) string {
	tb.Helper()
	return sessionOfJoin(tb, p.Expect("onParticipantJoin"))
}

func readyOf(tb testing.TB, p *testkit.Packet) bool {
	var x struct{ IsReady bool }
	if err := json.Unmarshal(p.Params, &x); err != nil {
		tb.Fatalf("onReady %s", p.Params)
	}
	return x.IsReady
}

func TestHomeStopsAndTheChannelMovesWithItsViewers(t *testing.T) {
	c := newTestCluster(t)
	a, b, d := c.node("a"), c.node("b"), c.node("c")
	game := c.gameClient(a)
	game.Call("ready", map[string]any{"isReady": true})
	viewers := []*testkit.Participant{c.viewer(b, "bob"), c.viewer(d, "cat")}
	for range viewers {
		game.Expect("onParticipantJoin")
	}
	for _, v := range viewers {
		v.Drain() // what the first session showed
	}

	a.stop() // a deploy: the home's sockets close with 1012
	<-game.Done()
	if code := game.CloseCode(); code != 1012 {
		t.Fatalf("game client closed with %d", code)
	}
	for _, v := range viewers {
		if r := v.Expect("onReady"); readyOf(t, r) {
			t.Fatalf("viewer told ready after the home stopped: %s", r.Raw)
		}
		if code := v.CallErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); code != 4099 {
			t.Fatalf("input without a home: code %d", code)
		}
	}

	// The game client comes back on the next node of its hosts list.
	game = c.gameClient(b)
	game.Call("ready", map[string]any{"isReady": true})
	joined := map[string]bool{}
	for range viewers {
		joined[sessionOfJoin(t, game.Expect("onParticipantJoin"))] = true
	}
	for i, v := range viewers {
		v.Expect("hello")
		if id := sessionOf(t, v); !joined[id] {
			t.Fatalf("viewer %d announced as %s; the game client saw %v", i, id, joined)
		}
		for !readyOf(t, v.Expect("onReady")) {
		}
		v.Call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
		game.Expect("giveInput")
	}
	game.None("giveInput")
}

func TestViewersOfAStoppedEdgeComeBackThroughAnother(t *testing.T) {
	c := newTestCluster(t)
	a, b, d := c.node("a"), c.node("b"), c.node("c")
	game := c.gameClient(a)
	game.Call("ready", map[string]any{"isReady": true})
	v := c.viewer(d, "cat")
	first := sessionOf(t, v)
	game.Expect("onParticipantJoin")
	v.Call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	game.Expect("giveInput")

	d.stop()
	<-v.Done()
	if left := sessionOfJoin(t, game.Expect("onParticipantLeave")); left != first {
		t.Fatalf("left %s, want %s", left, first)
	}
	v = c.viewer(b, "cat")
	game.Expect("onParticipantJoin")
	v.Call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	game.Expect("giveInput")
	game.None("giveInput")
}

func TestHostsListEveryLiveNodeThisOneFirst(t *testing.T) {
	c := newTestCluster(t)
	a, b, d := c.node("a"), c.node("b"), c.node("c")
	want := []string{a.server.URL, b.server.URL, d.server.URL}
	deadline := time.Now().Add(testkit.Timeout)
	for {
		res, err := http.Get(a.server.URL + mediator.HostsPath)
		if err != nil {
			t.Fatal(err)
		}
		var hosts []struct{ Address string }
		json.NewDecoder(res.Body).Decode(&hosts)
		res.Body.Close()
		got := map[string]bool{}
		for _, h := range hosts {
			got[h.Address] = true
		}
		all := len(hosts) == 3 && hosts[0].Address == testkit.WSURL(want[0], mediator.GameClientPath, nil)
		for _, u := range want {
			all = all && got[testkit.WSURL(u, mediator.GameClientPath, nil)]
		}
		if all {
			return
		}
		if time.Now().After(deadline) { // nodes appear as their heartbeats arrive
			t.Fatalf("hosts %v, want %v with a first", hosts, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestViewersAreToldNotReadyWhileTheBusIsDown(t *testing.T) {
	c := newTestCluster(t)
	a, b := c.node("a"), c.node("b")
	game := c.gameClient(a)
	game.Call("ready", map[string]any{"isReady": true})
	v := c.viewer(b, "bob")
	game.Expect("onParticipantJoin")
	v.Drain()

	c.nats.Shutdown()
	if r := v.Expect("onReady"); readyOf(t, r) {
		t.Fatalf("told ready with the bus down: %s", r.Raw)
	}
	// Refused at the edge, with a reason, rather than sent into the void.
	if code := v.CallErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); code != 4099 {
		t.Fatalf("input with the bus down: code %d", code)
	}
}

func TestAnEdgeThatMissedAMessageAnnouncesItsViewersAgain(t *testing.T) {
	c := newTestCluster(t)
	a, b := c.node("a"), c.node("b")
	game := c.gameClient(a)
	game.Call("ready", map[string]any{"isReady": true})
	v := c.viewer(b, "bob")
	first := sessionOfJoin(t, game.Expect("onParticipantJoin"))
	v.Drain() // what the first join showed

	// Read the home's header (node, epoch, number) off the bus...
	nc, err := nats.Connect(c.nats.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	out := fmt.Sprintf("mix.%d.out", c.User.ChannelID)
	sub, err := nc.SubscribeSync(out)
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	game.Call("updateControls", map[string]any{"sceneID": "default", "controls": []map[string]any{{"controlID": "lbl", "text": "x"}}})
	msg, err := sub.NextMsg(testkit.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	r := msg.Data[1:]
	nodeLen, k := binary.Uvarint(r)
	node, r := string(r[k:k+int(nodeLen)]), r[k+int(nodeLen):]
	epoch, k := binary.Uvarint(r)
	n, _ := binary.Uvarint(r[k:])

	// ...and publish, as that home, a frame numbered past a gap.
	bogus := []byte{2}
	bogus = binary.AppendUvarint(bogus, uint64(len(node)))
	bogus = append(bogus, node...)
	bogus = binary.AppendUvarint(bogus, epoch)
	bogus = binary.AppendUvarint(bogus, n+5)
	bogus = binary.AppendUvarint(bogus, 1)
	bogus = binary.AppendUvarint(bogus, 1)
	bogus = append(bogus, 'b')
	bogus = binary.AppendUvarint(bogus, 0)
	bogus = append(bogus, `{"type":"method","method":"bogus","params":{},"discard":true,"seq":1}`...)
	if err := nc.Publish(out, bogus); err != nil {
		t.Fatal(err)
	}

	// The edge does not guess: the home hears its viewer leave and join
	// again, and the viewer gets the whole view afresh.
	left := game.Expect("onParticipantLeave")
	if id := sessionOfJoin(t, left); id != first {
		t.Fatalf("left %s, want %s", id, first)
	}
	again := sessionOfJoin(t, game.Expect("onParticipantJoin"))
	v.Expect("hello")
	if id := sessionOf(t, v); id != again {
		t.Fatalf("the viewer joined again as %s, the game client saw %s", id, again)
	}
	// Ready comes after the join, as on any join: input before it is
	// refused, rightly, since the viewer has not been told it is ready.
	for !readyOf(t, v.Expect("onReady")) {
	}
	for _, p := range v.History() {
		if p.Method == "bogus" {
			t.Fatal("the frame after the gap reached the viewer")
		}
	}
	v.Call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	game.Expect("giveInput")
}

// sessionOfJoin is the one participant of an onParticipantJoin (or Leave).
func sessionOfJoin(tb testing.TB, p *testkit.Packet) string {
	tb.Helper()
	var x struct{ Participants []struct{ SessionID string } }
	if err := json.Unmarshal(p.Params, &x); err != nil || len(x.Participants) != 1 {
		tb.Fatalf("%s %s", p.Method, p.Params)
	}
	return x.Participants[0].SessionID
}

func TestAViewerReachingANodeCutOffFromTheBusIsToldToComeBack(t *testing.T) {
	c := newTestCluster(t)
	b := c.node("b")
	down := make(chan struct{})
	var once sync.Once
	b.bus.OnConnection(func(up bool) {
		if !up {
			once.Do(func() { close(down) })
		}
	})
	c.nats.Shutdown()
	select {
	case <-down:
	case <-time.After(testkit.Timeout):
		t.Fatal("node b never saw the bus go down")
	}
	q := url.Values{"channel": {fmt.Sprint(c.User.ChannelID)}}
	v := testkit.MustDial(t, testkit.WSURL(b.server.URL, mediator.ParticipantPath, q), nil)
	<-v.Done()
	if code := v.CloseCode(); code != 1012 {
		t.Fatalf("closed with %d, want 1012 (reconnect)", code)
	}
}

func TestViewersAreHandedTheLeastLoadedNode(t *testing.T) {
	c := newTestCluster(t)
	a, b := c.node("a"), c.node("b")
	game := c.gameClient(a)
	game.Call("ready", map[string]any{"isReady": true})
	c.viewer(a, "ann")
	c.viewer(a, "amy")
	deadline := time.Now().Add(testkit.Timeout)
	for {
		// Loads travel with the heartbeats: poll until b has heard a's.
		loads := map[string]int{}
		for _, n := range b.bus.Nodes() {
			loads[n.ID] = n.Participants
		}
		if loads["a"] == 2 && len(loads) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("loads %v", loads)
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantB := "ws" + strings.TrimPrefix(b.server.URL, "http")
	if got := b.m.ViewerSocket(); got != wantB {
		t.Fatalf("viewer socket %q, want b's %q", got, wantB)
	}
	if got := b.m.NodeSockets(); len(got) != 2 || !slices.Contains(got, wantB) {
		t.Fatalf("node sockets %v", got)
	}
}
