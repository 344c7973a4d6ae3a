package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/client"
)

// pageSockets is what chromium saw of a page's WebSockets (DevTools
// network events): every socket's URL, and the hello packets each received.
type pageSockets struct {
	mu     sync.Mutex
	urls   map[network.RequestID]string
	order  []network.RequestID
	hellos map[network.RequestID]int
}

func newPageSockets() *pageSockets {
	return &pageSockets{urls: map[network.RequestID]string{}, hellos: map[network.RequestID]int{}}
}

func (s *pageSockets) listen(ev any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventWebSocketCreated:
		s.urls[e.RequestID] = e.URL
		s.order = append(s.order, e.RequestID)
	case *network.EventWebSocketFrameReceived:
		if e.Response != nil {
			s.hellos[e.RequestID] += bytes.Count(e.Response.PayloadData, []byte(`"method":"hello"`))
		}
	}
}

// sockets is each socket's URL and hellos, in the order they were opened.
func (s *pageSockets) sockets() (urls []string, hellos []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.order {
		urls = append(urls, s.urls[id])
		hellos = append(hellos, s.hellos[id])
	}
	return urls, hellos
}

// TestPlayPageOnAClusterFollowsTheHomeMoving is the viewers' play page in
// chromium on a cluster (docs/scaling.md): node a runs `serve` (it serves
// /play/{channel}), b and c are `mediator` nodes; the Go game client
// opens on c, so c is home. A Go viewer on a makes a the
// busiest node, so /api/v1/interactive/{channel} hands the page b, and the
// page's socket crosses to another node than its own (the play page's CSP
// must allow it). A click reaches the game client once; a control the
// game client adds appears. Then the home
// stops (SIGTERM): the page, still on b, shows "waiting" (onReady false)
// with its controls drawn once; the game client comes back on a, which
// becomes home; b announces the page
// again (a second hello on the same socket, a new session) and the page is
// live with one rendering of each control of the new home's view (the
// added control is gone: the new home loaded the version), and a click reaches the new
// home's game client once, from the new session.
func TestPlayPageOnAClusterFollowsTheHomeMoving(t *testing.T) {
	var ownerToken, viewerToken, versionID string
	c := newTestCluster(t, func(db string) {
		ownerToken = runCLI(t, db, "token")
		viewerToken = runCLI(t, db, "token", "--user", "viewer1")
		versionID = runCLI(t, db, "import", writeTemp(t, "play.json", playLayout))
	})
	a := c.startNodeAs(t, "serve", "a")
	b, home := c.startNode(t, "b"), c.startNode(t, "c")
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

	// The game client opens with c's hosts list: c is home.
	game := dialClusterPlayGame(t, home, ownerToken, versionID)

	// Load on a: then every node's least-loaded pick is b (a node lists
	// itself first and the others by id; ties go to the first).
	viewer := testkit.MustDial(t, participantURL(a, channel, participantKey(t, a, channel, viewerToken)), nil)
	viewer.Seen("the Go viewer on a ready", func(p *testkit.Packet) bool {
		return p.Type == "method" && p.Method == "onReady" && isReady(p) == "true"
	})
	wantSocket := "ws://" + b.Addr + "/participant"
	waitSocketAddress(t, a, channel, viewerToken, wantSocket)

	sockets := newPageSockets()
	browser := newBrowser(t)
	tab := playOpenListening(t, browser, "viewer", fmt.Sprintf("%s/play/%d", a.URL, channel), 1280, 900, false, "", sockets.listen)
	tab.waitWithin(t, testkit.Timeout, "live on node b", `document.querySelector("[data-testid=play-status]").dataset.state === "live"`)
	urls, hellos := sockets.sockets()
	if len(urls) != 1 || !strings.HasPrefix(urls[0], wantSocket) || hellos[0] != 1 {
		t.Fatalf("the page opened sockets %q with hellos %v, want one to %s with one hello", urls, hellos, wantSocket)
	}
	checkOneRendering(t, tab, "live on b")
	tab.shot(t, "1-live-on-b")
	first := clickFireOnce(t, tab, game, "on home c")

	// A control the game client adds on c lives in c's session alone: the
	// next home loads the version afresh, without it.
	game.call(t, "createControls", `{"sceneID": "default", "controls": [{"controlID": "extra", "kind": "button", "text": "Only on c",
		"position": [{"size": "large", "x": 16, "y": 14, "width": 12, "height": 4}, {"size": "medium", "x": 15, "y": 12, "width": 12, "height": 4},
		{"size": "small", "x": 15, "y": 14, "width": 12, "height": 4}]}]}`)
	tab.wait(t, "the control c added", `document.querySelectorAll("[data-testid=control][data-id=extra]").length === 1`)
	checkOneRendering(t, tab, "with the control c added", "extra")
	tab.shot(t, "1b-control-added-on-c")

	// The home stops. The game client knows c alone (its hosts list was
	// c's first entry only), so it cannot come back by itself: the time
	// without a home lasts until the test brings it back. The page keeps
	// its socket to b and waits.
	if !home.terminate(t) {
		t.FailNow()
	}
	tab.waitWithin(t, testkit.Timeout, "waiting while there is no home", `document.querySelector("[data-testid=play-status]").dataset.state === "waiting"`)
	if got := playEval[string](t, tab, `document.querySelector("[data-testid=play-status]").textContent`); !strings.Contains(got, "Waiting for the streamer") {
		t.Errorf("status while there is no home: %q", got)
	}
	checkOneRendering(t, tab, "while there is no home", "extra")
	tab.shot(t, "2-no-home")

	// The game client comes back on a (its hosts list there starts with
	// a), which takes the lease; b announces the page again on the same
	// socket.
	game.c.Close()
	game = dialClusterPlayGame(t, a, ownerToken, versionID)
	tab.waitWithin(t, testkit.Timeout, "live again on the new home", `document.querySelector("[data-testid=play-status]").dataset.state === "live"`)
	urls, hellos = sockets.sockets()
	if len(urls) != 1 || hellos[0] != 2 {
		t.Fatalf("after the home moved the page has sockets %q with hellos %v, want its one socket to b with a second hello", urls, hellos)
	}
	checkOneRendering(t, tab, "live again")
	tab.shot(t, "3-live-on-new-home")
	second := clickFireOnce(t, tab, game, "on home a")
	if second == first {
		t.Errorf("the page's input on the new home came from its old session %s", first)
	}
}

// dialClusterPlayGame opens a Go game client on node s, with the first
// entry of s's hosts list (s itself) alone, and makes it ready.
func dialClusterPlayGame(t *testing.T, s *server, token, versionID string) *playGame {
	t.Helper()
	hosts := hostsOf(s)
	if len(hosts) == 0 || !strings.Contains(hosts[0], s.Addr) {
		t.Fatalf("node %s lists hosts %q, want itself first", s.Addr, hosts)
	}
	game := dialPlayGame(t, client.Config{Hosts: hosts[:1], Token: token, VersionID: versionID, Compression: []string{}})
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	if err := game.c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	return game
}

// waitSocketAddress waits until node s hands viewers of channel a socket
// address starting with want (loads travel with heartbeats).
func waitSocketAddress(t *testing.T, s *server, channel int64, token, want string) {
	t.Helper()
	deadline := time.Now().Add(testkit.Timeout)
	for {
		var join struct {
			SocketAddress string `json:"socketAddress"`
		}
		getJSON(t, fmt.Sprintf("%s/api/v1/interactive/%d", s.URL, channel), token, &join)
		if strings.HasPrefix(join.SocketAddress, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s hands viewers %q, want %s…", s.Addr, join.SocketAddress, want)
		}
		// A heartbeat carries a node's load; nothing tells the test.
		time.Sleep(50 * time.Millisecond)
	}
}

// checkOneRendering fails unless each of the layout's controls, and the
// more given, is drawn once and nothing else is: a second hello must
// replace the view, not add to it or keep the old home's leftovers.
func checkOneRendering(t *testing.T, tab *playTab, when string, more ...string) {
	t.Helper()
	ids := playEval[[]string](t, tab, `[...document.querySelectorAll("[data-testid=control]")].map(e => e.dataset.id)`)
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
	}
	want := append([]string{"fire", "aim", "buy", "hello", "chat", "wide-only"}, more...)
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("%s: control %s drawn %d times (controls %q)", when, id, seen[id], ids)
		}
	}
	if len(ids) != len(want) {
		t.Errorf("%s: %d controls drawn, want %d: %q", when, len(ids), len(want), ids)
	}
}

// clickFireOnce clicks the fire button, then presses its key F: the page
// sends both on one socket, in order, so once the keyup is at the game
// client any duplicate of the click is too. Each event must arrive once,
// from one participant, whose id it returns.
func clickFireOnce(t *testing.T, tab *playTab, game *playGame, where string) string {
	t.Helper()
	mark := game.mark()
	x, y := tab.center(t, "fire")
	tab.mouseClick(t, x, y)
	tab.do(t, chromedp.KeyEvent("f"))
	in := game.waitInputs(t, mark, "the click and the key "+where, func(in []client.GiveInput) bool {
		return len(playEvents(in, "fire", "keyup")) > 0
	})
	var who string
	for _, ev := range []string{"mousedown", "mouseup", "keydown", "keyup"} {
		got := playEvents(in, "fire", ev)
		if len(got) != 1 {
			t.Fatalf("%s: the game client got %d fire %s, want 1: %s", where, len(got), ev, playDescribe(in))
		}
		if who == "" {
			who = got[0].ParticipantID
		} else if got[0].ParticipantID != who {
			t.Errorf("%s: fire %s from %s, the rest from %s", where, ev, got[0].ParticipantID, who)
		}
	}
	if len(in) != 4 {
		t.Errorf("%s: the game client got %s, want the click and the key alone", where, playDescribe(in))
	}
	return who
}
