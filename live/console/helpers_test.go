package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

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

// rig is a real mediator on 127.0.0.1 over a real SQLite file, with a
// console manager pointed at it.
type rig struct {
	db      *persistence.DB
	srv     *httptest.Server
	m       *Manager
	owner   studio.User
	version int64
	ch      *Channel
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newRig(t testing.TB, cfg Config) *rig {
	t.Helper()
	ctx := context.Background()
	db, err := persistence.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	owner, err := db.EnsureOwner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	version := importLayout(t, db, owner.ID, testLayout)
	// The console's tests press faster than one viewer may; the
	// per-viewer input rate is the mediator's and tested there.
	med := mediator.New(db, time.Now, quietLogger(), mediator.Options{InputRate: -1})
	srv := httptest.NewServer(med.Handler())
	t.Cleanup(func() {
		med.Shutdown(context.Background())
		srv.Close()
	})
	cfg.DB, cfg.EmbeddedURL, cfg.Logger = db, srv.URL, quietLogger()
	m := New(cfg)
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	return &rig{db: db, srv: srv, m: m, owner: owner, version: version, ch: m.Channel(owner.ChannelID)}
}

func importLayout(t testing.TB, db *persistence.DB, ownerID int64, layout string) int64 {
	t.Helper()
	l, _, err := studio.Import([]byte(layout))
	if err != nil {
		t.Fatal(err)
	}
	id, err := db.ImportLayout(context.Background(), ownerID, l)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (r *rig) goLive(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.ch.GoLive(ctx, r.owner, LiveOptions{VersionID: r.version}); err != nil {
		t.Fatalf("go live: %v", err)
	}
}

// viewer is a participant on a bare WebSocket that records every frame.
type viewer struct {
	conn   *websocket.Conn
	mu     sync.Mutex
	frames []frame
	nextID int
	wmu    sync.Mutex
	// gone is closed when the socket has closed; closeCode is then the
	// server's close code (0 if it sent none).
	gone      chan struct{}
	closeCode int
}

type frame struct {
	Type   string          `json:"type"`
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// join connects a participant as the named user (created if missing).
func (r *rig) join(t testing.TB, srvURL string, channelID int64, username string) *viewer {
	t.Helper()
	ctx := context.Background()
	u, err := r.db.EnsureUser(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := r.db.CreateAccessToken(ctx, persistence.NewToken{UserID: u.ID, Scope: studio.ScopeParticipant, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"channel": {fmt.Sprint(channelID)}, "key": {key}, "x-protocol-version": {"2.0"}}
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srvURL, "http")+"/participant?"+q.Encode(), nil)
	if err != nil {
		t.Fatalf("participant %s: %v", username, err)
	}
	v := &viewer{conn: conn, gone: make(chan struct{})}
	go v.read()
	t.Cleanup(func() { conn.Close() })
	return v
}

func (v *viewer) read() {
	defer close(v.gone)
	for {
		_, data, err := v.conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				v.mu.Lock()
				v.closeCode = ce.Code
				v.mu.Unlock()
			}
			return
		}
		var f frame
		if json.Unmarshal(data, &f) == nil {
			v.mu.Lock()
			v.frames = append(v.frames, f)
			v.mu.Unlock()
		}
	}
}

// send writes a method and returns its id.
func (v *viewer) send(t testing.TB, method, params string) int {
	t.Helper()
	v.wmu.Lock()
	defer v.wmu.Unlock()
	v.nextID++
	msg := fmt.Sprintf(`{"type":"method","id":%d,"method":%q,"params":%s,"discard":false}`, v.nextID, method, params)
	if err := v.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	return v.nextID
}

// waitFrame waits until a frame matches.
func (v *viewer) waitFrame(t testing.TB, what string, ok func(frame) bool) frame {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		v.mu.Lock()
		for _, f := range v.frames {
			if ok(f) {
				v.mu.Unlock()
				return f
			}
		}
		v.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var got []string
	for _, f := range v.frames {
		got = append(got, f.Type+" "+f.Method+" "+string(f.Params)+string(f.Result))
	}
	t.Fatalf("participant never saw %s; got:\n%s", what, strings.Join(got, "\n"))
	return frame{}
}

// reply waits for the reply to id.
func (v *viewer) reply(t testing.TB, id int) frame {
	t.Helper()
	return v.waitFrame(t, fmt.Sprintf("reply %d", id), func(f frame) bool { return f.Type == "reply" && f.ID == id })
}

// collector reads a subscription into a slice.
type collector struct {
	mu     sync.Mutex
	events []Event
	done   chan struct{}
}

func collect(sub *Subscription) *collector {
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ev := range sub.C() {
			c.mu.Lock()
			c.events = append(c.events, ev)
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
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		evs := append([]Event(nil), c.events...)
		c.mu.Unlock()
		for _, ev := range evs {
			if d := decode(t, ev); ok(d) {
				return d
			}
		}
		time.Sleep(5 * time.Millisecond)
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
