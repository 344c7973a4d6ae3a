package client

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

func TestDialSendsHeadersAndGoesLive(t *testing.T) {
	noLeaks(t)
	f := newFakeServer(t, func(s *session) {
		s.hello()
		s.serve(nil)
	})
	cfg := testConfig(f.addr())
	cfg.Sharecode = "share1"
	cfg.Compression = []string{}
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := c.Status()
	if st.State != Live || st.Host != f.addr() || st.Scheme != "none" {
		t.Errorf("status = %+v", st)
	}
	h := f.headers[0]
	for k, want := range map[string]string{
		"Authorization":           "Bearer tok",
		"X-Interactive-Version":   "42",
		"X-Protocol-Version":      "2.0",
		"X-Interactive-Sharecode": "share1",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); st.State != Stopped || st.Err != nil {
		t.Errorf("after Close: %+v", st)
	}
	if _, ok := <-c.Events(); ok {
		// drain: the channel must end up closed
		for range c.Events() {
		}
	}
	if err := c.Ready(ctxT(t), true); !errors.Is(err, ErrClosed) {
		t.Errorf("call after Close: %v, want ErrClosed", err)
	}
}

func TestHandshakeRefusals(t *testing.T) {
	cases := []struct {
		name   string
		code   int // close code sent before hello
		status int // or an HTTP status instead of upgrading
	}{
		{"auth", wire.CodeAuthFailed, 0},
		{"version", wire.CodeVersionNotFound, 0},
		{"already running", wire.CodeAlreadyRunning, 0},
		{"offline", wire.CodeChannelOffline, 0},
		{"protocol version", 0, http.StatusBadRequest},
		{"bad token plain", 0, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			refuse := newFakeServer(t, func(s *session) {
				s.closeWith(tc.code, "refused")
				s.recv() // wait for the client's close
			})
			if tc.status != 0 {
				refuse.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "nope", tc.status)
				})
			}
			second := newFakeServer(t, func(s *session) { s.hello(); s.serve(nil) })
			_, err := Dial(ctxT(t), testConfig(refuse.addr(), second.addr()))
			var he *HandshakeError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want *HandshakeError", err)
			}
			if he.Code != tc.code || he.HTTPStatus != tc.status || !he.Fatal() {
				t.Errorf("HandshakeError = %+v (fatal %v)", he, he.Fatal())
			}
			if second.count() != 0 {
				t.Errorf("a refusal for good must not try the next host")
			}
		})
	}
}

func TestHostFallback(t *testing.T) {
	noLeaks(t)
	// 2: accepts, then drops with 1012 before hello.
	drops := newFakeServer(t, func(s *session) {
		s.closeWith(wire.CodeRestart, "restarting")
		s.recv()
	})
	// 3: a 503 from a proxy in front of a host being taken out.
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(unavailable.Close)
	good := newFakeServer(t, func(s *session) { s.hello(); s.serve(nil) })
	// 1: nothing listens (connection refused). Made last so that no other
	// server of this test can reuse the port.
	refused := freeAddr(t)

	c, err := Dial(ctxT(t), testConfig(refused, drops.addr(), "ws"+unavailable.URL[4:]+"/gameClient", good.addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st := c.Status(); st.Host != good.addr() {
		t.Errorf("connected to %s, want the fourth host", st.Host)
	}
	if drops.count() != 1 || good.count() != 1 {
		t.Errorf("connections: drops %d good %d", drops.count(), good.count())
	}
}

func TestAllHostsFailing(t *testing.T) {
	noLeaks(t)
	drops := newFakeServer(t, func(s *session) { s.closeWith(wire.CodeInternal, "boom"); s.recv() })
	_, err := Dial(ctxT(t), testConfig(drops.addr(), drops.addr()))
	if err == nil {
		t.Fatal("Dial succeeded")
	}
	var he *HandshakeError
	if !errors.As(err, &he) || he.Code != wire.CodeInternal || he.Fatal() {
		t.Errorf("err = %v, want a non-fatal 1011 HandshakeError inside", err)
	}
	if drops.count() != 2 {
		t.Errorf("tried %d times, want both hosts", drops.count())
	}
}

func TestNoHelloTimesOut(t *testing.T) {
	noLeaks(t)
	silent := newFakeServer(t, func(s *session) { s.recv() })
	cfg := testConfig(silent.addr())
	cfg.ConnectTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := Dial(ctxT(t), cfg)
	if err == nil {
		t.Fatal("Dial succeeded without hello")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestDiscovery(t *testing.T) {
	noLeaks(t)
	good := newFakeServer(t, func(s *session) { s.hello(); s.serve(nil) })
	var dead string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/interactive/hosts" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode([]map[string]string{{"address": dead}, {"address": good.addr()}})
	}))
	t.Cleanup(api.Close)
	dead = freeAddr(t)
	cfg := testConfig()
	cfg.DiscoveryURL = api.URL + "/"
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st := c.Status(); st.Host != good.addr() {
		t.Errorf("host = %s", st.Host)
	}

	hosts, err := DiscoverHosts(ctxT(t), http.DefaultClient, api.URL)
	if err != nil || len(hosts) != 2 || hosts[1] != good.addr() {
		t.Errorf("DiscoverHosts = %v, %v", hosts, err)
	}
}

func TestDiscoveryErrors(t *testing.T) {
	cases := map[string]http.HandlerFunc{
		"status":  func(w http.ResponseWriter, r *http.Request) { http.Error(w, "x", 500) },
		"garbage": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
		"empty":   func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) },
		"huge": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("["))
			for range 20000 {
				w.Write([]byte(`{"address":"ws://x"},`))
			}
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			api := httptest.NewServer(h)
			defer api.Close()
			if hosts, err := DiscoverHosts(ctxT(t), http.DefaultClient, api.URL); err == nil {
				t.Errorf("no error; hosts %v", hosts)
			}
		})
	}
	if _, err := Dial(ctxT(t), Config{}); err == nil {
		t.Error("Dial with neither hosts nor discovery URL succeeded")
	}
}

// The server may also refuse after the upgrade by closing without a code
// the client knows: it is a failure of that host, not for good.
func TestDropWithoutCloseFrameFallsBack(t *testing.T) {
	noLeaks(t)
	rude := newFakeServer(t, func(s *session) { s.ws.UnderlyingConn().Close() })
	good := newFakeServer(t, func(s *session) { s.hello(); s.serve(nil) })
	c, err := Dial(ctxT(t), testConfig(rude.addr(), good.addr()))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	_ = websocket.CloseAbnormalClosure
}

// freeAddr is a game-client address where nothing listens: connecting to
// it is refused. Take it after starting the test's servers, or one of them
// may get the port.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "ws://" + l.Addr().String() + "/gameClient"
	l.Close()
	return addr
}

func TestBatchesOptInAndHTTPAddresses(t *testing.T) {
	noLeaks(t)
	f := newFakeServer(t, func(s *session) {
		s.hello()
		s.ws.WriteMessage(websocket.TextMessage, []byte(`[
			{"id":1,"type":"method","method":"onReady","params":{"isReady":true},"discard":true,"seq":2},
			{"id":2,"type":"method","method":"giveInput","params":{"participantID":"a","input":{"controlID":"b","event":"mousedown"}},"discard":true,"seq":3},
			{"id":3,"type":"method","method":"giveInput","params":{"participantID":"c","input":{"controlID":"b","event":"mouseup"}},"discard":false,"seq":4}
		]`))
		s.serve(nil)
	})
	cfg := testConfig("http" + strings.TrimPrefix(f.addr(), "ws") + "?x=1")
	cfg.AcceptBatches = true
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	nextEvent(t, c, "onReady")
	a, _ := nextEvent(t, c, "giveInput").Input()
	b, _ := nextEvent(t, c, "giveInput").Input()
	if a.ParticipantID != "a" || b.ParticipantID != "c" {
		t.Errorf("batch order: %s %s", a.ParticipantID, b.ParticipantID)
	}
	f.mu.Lock()
	u := f.urls[0]
	f.mu.Unlock()
	if u != "/gameClient?batch=1&x=1" {
		t.Errorf("dialed %s", u)
	}
	if _, err := socketURL("ftp://x", false); err == nil {
		t.Error("ftp address accepted")
	}
}
