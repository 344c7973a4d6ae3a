package mediator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// clock is the kit's settable time source.
type clock = testkit.Clock

// env is a mediator served on 127.0.0.1 with a real database.
type env struct {
	t     testing.TB
	m     *Mediator
	srv   *httptest.Server
	store *persistence.DB
	clock *clock
	// streamer owns the channel and version (its imported testLayout).
	streamer      studio.User
	streamerToken string
	version       int64
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	st := testkit.MustOpenDB(t)
	clk := testkit.ClockAt(time.UnixMilli(1_700_000_000_000))
	m := New(st, clk.Now, testkit.QuietLogger(), opts)
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		m.Shutdown(sctx)
		srv.Close()
	})
	e := &env{t: t, m: m, srv: srv, store: st, clock: clk}
	e.streamer, e.streamerToken = e.user("streamer")
	e.version = e.importLayout(e.streamer.ID, testLayout())
	return e
}

// user creates a user and an access token for it.
func (e *env) user(name string) (studio.User, string) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.store.CreateAccessToken(ctx, persistence.NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	if err != nil {
		e.t.Fatal(err)
	}
	return u, tok
}

// importLayout saves l as a new project of owner and returns its version.
func (e *env) importLayout(owner int64, l studio.Layout) int64 {
	e.t.Helper()
	v, err := e.store.ImportLayout(context.Background(), owner, l)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// testLayout has a default scene with a button, a joystick, a textbox, a
// label and a custom control, and a "lobby" scene.
func testLayout() studio.Layout {
	var l studio.Layout
	if err := json.Unmarshal([]byte(`{"format":"mixstudio/1","name":"t","scenes":[
		{"sceneID":"default","controls":[
			{"controlID":"btn","kind":"button","text":"Go","position":[]},
			{"controlID":"stick","kind":"joystick","sampleRate":50,"position":[]},
			{"controlID":"box","kind":"textbox","position":[]},
			{"controlID":"lbl","kind":"label","text":"hi","position":[]}
		]},
		{"sceneID":"lobby","controls":[{"controlID":"wait","kind":"button","text":"Wait","position":[]}]}
	],"groups":[{"groupID":"default","sceneID":"default"}]}`), &l); err != nil {
		panic(err)
	}
	return l
}

func (e *env) wsURL(path string, q url.Values) string {
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// tclient is a test WebSocket client that keeps what it has read. Unlike
// the kit's Participant it reads only when a test asks (take, expect...):
// the mediator's tests play peers that do not read (slow consumers) and
// count the server's own goroutines and stacks, which a reader goroutine
// per client would blur.
type tclient struct {
	t       testing.TB
	ws      *websocket.Conn
	nextID  uint32
	pending []*msg
	enc     *wire.Encoder
	dec     *wire.Decoder
	frames  [][]byte // raw frames as received (decoded)
	batches int
	// binaryFrames counts compressed frames received.
	binaryFrames int
	closed       *websocket.CloseError
	arrival      []*msg // a participant's packets before onReady
}

type msg struct {
	ID     uint32          `json:"id"`
	Type   string          `json:"type"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Path    string `json:"path"`
	} `json:"error"`
	Discard bool  `json:"discard"`
	Seq     int32 `json:"seq"`
	raw     []byte
}

func (e *env) dial(path string, q url.Values, h http.Header) (*tclient, *http.Response, error) {
	ws, resp, err := websocket.DefaultDialer.Dial(e.wsURL(path, q), h)
	if err != nil {
		return nil, resp, err
	}
	c := &tclient{t: e.t, ws: ws, nextID: 1, dec: wire.NewDecoder(wire.None)}
	e.t.Cleanup(func() { ws.Close() })
	return c, resp, nil
}

// game connects the streamer's game client and reads its hello.
func (e *env) game(extra ...string) *tclient {
	e.t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+e.streamerToken)
	h.Set("X-Interactive-Version", fmt.Sprint(e.version))
	h.Set("X-Protocol-Version", "2.0")
	c, _, err := e.dial(GameClientPath, q, h)
	if err != nil {
		e.t.Fatal(err)
	}
	c.expect("hello")
	return c
}

// readingGame connects the streamer's game client as the kit's
// participant: its reader runs all the time, answering pings.
func (e *env) readingGame() *testkit.Participant {
	e.t.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+e.streamerToken)
	h.Set("X-Interactive-Version", fmt.Sprint(e.version))
	h.Set("X-Protocol-Version", "2.0")
	g := testkit.MustDial(e.t, e.wsURL(GameClientPath, nil), h)
	g.Expect("hello")
	return g
}

// participant joins the streamer's channel with key (empty: anonymous)
// and reads its arrival packets up to onReady.
func (e *env) participant(key string, extra ...string) *tclient {
	e.t.Helper()
	q := url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}, "x-protocol-version": {"2.0"}}
	if key != "" {
		q.Set("key", key)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	c, _, err := e.dial(ParticipantPath, q, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	c.expect("onReady")
	c.arrival, c.pending = c.pending, nil
	return c
}

func (c *tclient) readFrame(timeout time.Duration) error {
	c.ws.SetReadDeadline(time.Now().Add(timeout))
	mt, data, err := c.ws.ReadMessage()
	if err != nil {
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			c.closed = ce
		}
		return err
	}
	if mt == websocket.BinaryMessage {
		c.binaryFrames++
	}
	plain, werr := c.dec.Decode(data, mt == websocket.BinaryMessage)
	if werr != nil {
		c.t.Fatalf("client decode: %v", werr)
	}
	plain = bytes.Clone(plain)
	c.frames = append(c.frames, plain)
	if plain[0] == '[' {
		c.batches++
		var list []json.RawMessage
		if err := json.Unmarshal(plain, &list); err != nil {
			c.t.Fatalf("bad batch %s: %v", plain, err)
		}
		for _, raw := range list {
			c.add(raw)
		}
		return nil
	}
	c.add(plain)
	return nil
}

func (c *tclient) add(raw []byte) {
	m := &msg{raw: raw}
	if err := json.Unmarshal(raw, m); err != nil {
		c.t.Fatalf("bad packet %s: %v", raw, err)
	}
	c.pending = append(c.pending, m)
}

// take removes and returns the first pending packet matching f, reading
// more frames until one arrives.
func (c *tclient) take(what string, f func(*msg) bool) *msg {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for i, m := range c.pending {
			if f(m) {
				c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
				return m
			}
		}
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("timed out waiting for %s; have %d pending", what, len(c.pending))
		}
		if err := c.readFrame(left); err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// expect returns the next method packet named method.
func (c *tclient) expect(method string) *msg {
	c.t.Helper()
	return c.take(method, func(m *msg) bool { return m.Type == "method" && m.Method == method })
}

// none checks that no method named method has arrived by the time a
// getTime round trip completes (a read timeout would break the socket).
// Anything the server queued for c before the getTime reply is in.
func (c *tclient) none(method string) {
	c.t.Helper()
	c.call("getTime", nil)
	for _, m := range c.pending {
		if m.Type == "method" && m.Method == method {
			c.t.Fatalf("unexpected %s: %s", method, m.raw)
		}
	}
}

// send writes one method packet and returns its id.
func (c *tclient) send(method string, params any) uint32 {
	c.t.Helper()
	id := c.nextID
	c.nextID++
	p, _ := json.Marshal(params)
	raw := fmt.Sprintf(`{"type":"method","id":%d,"method":%q,"params":%s,"seq":0}`, id, method, p)
	c.write([]byte(raw))
	return id
}

func (c *tclient) write(raw []byte) {
	c.t.Helper()
	mt := websocket.TextMessage
	if c.enc != nil {
		var err error
		raw, err = c.enc.Encode(nil, raw)
		if err != nil {
			c.t.Fatal(err)
		}
		mt = websocket.BinaryMessage
	}
	if err := c.ws.WriteMessage(mt, raw); err != nil {
		c.t.Fatal(err)
	}
}

// reply waits for the reply to id.
func (c *tclient) reply(id uint32) *msg {
	c.t.Helper()
	return c.take(fmt.Sprintf("reply %d", id), func(m *msg) bool { return m.Type == "reply" && m.ID == id })
}

// call sends a method and returns its reply's result, failing on error.
func (c *tclient) call(method string, params any) json.RawMessage {
	c.t.Helper()
	r := c.reply(c.send(method, params))
	if r.Error != nil {
		c.t.Fatalf("%s: error %d %s (%s)", method, r.Error.Code, r.Error.Message, r.Error.Path)
	}
	return r.Result
}

// callErr sends a method and returns its error code (0 for success).
func (c *tclient) callErr(method string, params any) int {
	c.t.Helper()
	r := c.reply(c.send(method, params))
	if r.Error == nil {
		return 0
	}
	return r.Error.Code
}

// closeCode reads until the socket closes and returns the close code.
func (c *tclient) closeCode() int {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := c.readFrame(time.Until(deadline)); err != nil {
			if c.closed != nil {
				return c.closed.Code
			}
			return -1
		}
	}
	c.t.Fatal("socket did not close")
	return 0
}

func decodeJSON[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

type participantJSON struct {
	SessionID   string `json:"sessionID"`
	UserID      int64  `json:"userID"`
	Username    string `json:"username"`
	Level       int    `json:"level"`
	LastInputAt int64  `json:"lastInputAt"`
	ConnectedAt int64  `json:"connectedAt"`
	Disabled    bool   `json:"disabled"`
	GroupID     string `json:"groupID"`
	Anonymous   bool   `json:"anonymous"`
}

type participantsParamsJSON struct {
	Participants []participantJSON `json:"participants"`
	Total        int               `json:"total"`
	HasMore      bool              `json:"hasMore"`
}
