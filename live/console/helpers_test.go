package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
	kitrig "github.com/mixstudio/mixstudio/internal/testkit/rig"
	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// testLayout has buttons (one costing sparks), a joystick, a second scene
// and a group.
const testLayout = `{"format":"mixstudio/1","name":"console test","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"b","kind":"button","text":"B","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]},
  {"controlID":"paid","kind":"button","text":"Paid","cost":5,"position":[{"size":"large","width":4,"height":4,"x":5,"y":0}]},
  {"controlID":"j","kind":"joystick","position":[{"size":"large","width":8,"height":8,"x":10,"y":0}]}]},
 {"sceneID":"second","controls":[
  {"controlID":"b2","kind":"button","text":"Two","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]}]}],
 "groups":[{"groupID":"red","sceneID":"default"}]}`

// rig is a real mediator on 127.0.0.1 over a real SQLite file (the
// kit's rig, the studio's owner streaming testLayout), with a console
// manager pointed at it.
type rig struct {
	db      *persistence.DB
	srv     *httptest.Server
	m       *Manager
	owner   studio.User
	version int64
	ch      *Channel
}

func quietLogger() *slog.Logger { return testkit.QuietLogger() }

func newRig(t testing.TB, cfg Config) *rig {
	t.Helper()
	// The console's tests press faster than one viewer may; the
	// per-viewer input rate is the mediator's and tested there.
	live := kitrig.Start(t, kitrig.Options{Layout: testLayout, Mediator: mediator.Options{InputRate: -1}})
	cfg.DB, cfg.EmbeddedURL, cfg.Logger = live.DB, live.Server.URL, quietLogger()
	m := New(cfg)
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	return &rig{db: live.DB, srv: live.Server, m: m, owner: live.User, version: live.Version, ch: m.Channel(live.User.ChannelID)}
}

func importLayout(t testing.TB, db *persistence.DB, ownerID int64, layout string) int64 {
	t.Helper()
	return testkit.ImportLayout(t, db, ownerID, layout)
}

func (r *rig) goLive(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	if err := r.ch.GoLive(ctx, r.owner, LiveOptions{VersionID: r.version}); err != nil {
		t.Fatalf("go live: %v", err)
	}
}

// viewer is a participant (the kit's) that keeps every packet.
type viewer struct{ *testkit.Participant }

// frame is one packet a viewer received.
type frame = testkit.Packet

// join connects a participant as the named user (created if missing).
func (r *rig) join(t testing.TB, srvURL string, channelID int64, username string) *viewer {
	t.Helper()
	_, key := testkit.ViewerKey(t, r.db, username)
	q := url.Values{"channel": {fmt.Sprint(channelID)}, "key": {key}, "x-protocol-version": {"2.0"}}
	return &viewer{testkit.MustDial(t, testkit.WSURL(srvURL, "/participant", q), nil)}
}

// send writes a method and returns its id.
func (v *viewer) send(t testing.TB, method, params string) int {
	t.Helper()
	return int(v.Send(method, json.RawMessage(params)))
}

// waitFrame waits until a frame (any received so far) matches.
func (v *viewer) waitFrame(t testing.TB, what string, ok func(frame) bool) frame {
	t.Helper()
	return *v.Seen(what, func(p *testkit.Packet) bool { return ok(*p) })
}

// reply waits for the reply to id.
func (v *viewer) reply(t testing.TB, id int) frame {
	t.Helper()
	return v.waitFrame(t, fmt.Sprintf("reply %d", id), func(f frame) bool { return f.Type == "reply" && f.ID == uint32(id) })
}

// collector reads a subscription into a slice.
type collector struct {
	mu      sync.Mutex
	events  []Event
	arrived chan struct{} // closed and replaced on every event
	done    chan struct{}
}

func collect(sub *Subscription) *collector {
	c := &collector{done: make(chan struct{}), arrived: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ev := range sub.C() {
			c.mu.Lock()
			c.events = append(c.events, ev)
			close(c.arrived)
			c.arrived = make(chan struct{})
			c.mu.Unlock()
		}
	}()
	return c
}

// decoded is an event's JSON.
type decoded struct {
	ID   uint64          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func decode(t testing.TB, ev Event) decoded {
	t.Helper()
	var d decoded
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		t.Fatalf("event %s: %v", ev.Data, err)
	}
	return d
}

// wait waits until some collected event matches.
func (c *collector) wait(t testing.TB, what string, ok func(decoded) bool) decoded {
	t.Helper()
	timeout := time.After(testkit.Timeout)
	ended := false
	for {
		c.mu.Lock()
		evs, arrived := append([]Event(nil), c.events...), c.arrived
		c.mu.Unlock()
		for _, ev := range evs {
			if d := decode(t, ev); ok(d) {
				return d
			}
		}
		select {
		case <-arrived:
			continue
		case <-c.done:
			if !ended { // look once more at what came before the end
				ended = true
				continue
			}
		case <-timeout:
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		var got []string
		for _, ev := range c.events {
			got = append(got, string(ev.Data))
		}
		t.Fatalf("console never published %s; got:\n%s", what, strings.Join(got, "\n"))
		return decoded{}
	}
}

// until waits until done reports true, looking again after each event
// (done may read c's events under c.mu).
func (c *collector) until(t testing.TB, what string, done func() bool) {
	t.Helper()
	timeout := time.After(testkit.Timeout)
	for {
		c.mu.Lock()
		arrived := c.arrived
		c.mu.Unlock()
		if done() {
			return
		}
		select {
		case <-arrived:
		case <-timeout:
			t.Fatalf("no %s within %v", what, testkit.Timeout)
		}
	}
}

func hasType(typ string, sub string) func(decoded) bool {
	return func(d decoded) bool { return d.Type == typ && strings.Contains(string(d.Data), sub) }
}

// proxy forwards TCP to a target and can cut every connection at once,
// as a network failure would.
type proxy struct {
	addr  string
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String()}
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
