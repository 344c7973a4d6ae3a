package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/live/wire"
)

// restartable plays a server whose every session starts from a fresh world
// (as after a restart); kill ends the current session with a close code.
type restartable struct {
	*fakeServer
	mu     sync.Mutex
	worlds []*fakeWorld
	kill   chan int
}

func newRestartable(t *testing.T) *restartable {
	r := &restartable{kill: make(chan int, 1)}
	r.fakeServer = newFakeServer(t, func(s *session) {
		w := newFakeWorld()
		r.mu.Lock()
		r.worlds = append(r.worlds, w)
		r.mu.Unlock()
		s.hello()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.serve(w.handlers())
		}()
		select {
		case code := <-r.kill:
			if code == 0 {
				s.ws.UnderlyingConn().Close() // the network goes away
			} else {
				s.closeWith(code, "bye")
			}
		case <-done:
		}
		<-done
	})
	return r
}

func (r *restartable) world(i int) *fakeWorld {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.worlds[i]
}

// pushDesign makes the changes a live console makes: scenes, controls in
// the default scene, groups, world, throttles, ready.
func pushDesign(t *testing.T, c *Client) {
	t.Helper()
	ctx := ctxT(t)
	button := Control{ControlID: "go", Kind: "button", Props: Props{"text": json.RawMessage(`"Go"`), "cost": json.RawMessage(`0`)}}
	if _, err := c.CreateScenes(ctx, []Scene{{SceneID: "lobby", Controls: []Control{button}, Props: Props{"theme": json.RawMessage(`"dark"`)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateControls(ctx, "default", []Control{{ControlID: "stick", Kind: "joystick", Props: Props{"sampleRate": json.RawMessage(`50`)}}, {ControlID: "tmp", Kind: "label"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateControls(ctx, 0, "lobby", []Control{{ControlID: "go", Props: Props{"disabled": json.RawMessage(`true`), "cost": json.RawMessage(`null`)}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteControls(ctx, "default", []string{"tmp"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateScenes(ctx, 0, []Scene{{SceneID: "default", Props: Props{"note": json.RawMessage(`"hi"`)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroups(ctx, []Group{{GroupID: "red", SceneID: "lobby"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateGroups(ctx, 0, []Group{{GroupID: "default", SceneID: "lobby"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateWorld(ctx, 0, json.RawMessage(`{"round":3}`)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBandwidthThrottle(ctx, map[string]*ThrottleRule{"giveInput": {Capacity: 1000, DrainRate: 100}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
}

func TestReconnectAfterRestartRestoresState(t *testing.T) {
	noLeaks(t)
	srv := newRestartable(t)
	c, err := Dial(ctxT(t), testConfig(srv.addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Status().Session != 1 {
		t.Errorf("first session numbered %d", c.Status().Session)
	}
	pushDesign(t, c)
	before := srv.world(0).dump()
	for _, want := range []string{`"sceneID":"lobby"`, `"disabled":true`, `"ready":true`, `"groupID":"red"`, `"round":3`} {
		if !strings.Contains(before, want) {
			t.Fatalf("push did not reach the server: %s lacks %s", before, want)
		}
	}

	srv.kill <- wire.CodeRestart
	waitFor(t, c, "reconnecting", func(s Status) bool { return s.State == Reconnecting })
	st := c.Status()
	if st.Code != wire.CodeRestart || st.Attempt != 1 || st.RetryIn <= 0 {
		t.Errorf("reconnecting status = %+v", st)
	}
	st = waitFor(t, c, "live again", func(s Status) bool { return s.State == Live })
	if st.Session != 2 {
		t.Errorf("session after reconnect %d, want 2", st.Session)
	}
	after := srv.world(1).dump()
	if after != before {
		t.Errorf("state not restored:\nbefore %s\nafter  %s", before, after)
	}
	if s := c.Stats(); s.Reconnects != 1 || s.RestoreErrors != 0 {
		t.Errorf("stats %+v", s)
	}
	// Calls work on the new session, with compression negotiated again.
	if st := c.Status(); st.Scheme != "lz4" {
		t.Errorf("scheme after reconnect %q", st.Scheme)
	}
	if _, err := c.GetScenes(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestReconnectAfterNetworkLoss(t *testing.T) {
	noLeaks(t)
	srv := newRestartable(t)
	c, err := Dial(ctxT(t), testConfig(srv.addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Ready(ctxT(t), true); err != nil {
		t.Fatal(err)
	}
	srv.kill <- 0
	waitFor(t, c, "reconnecting", func(s Status) bool { return s.State == Reconnecting })
	if st := c.Status(); st.Code != 0 || st.Err == nil {
		t.Errorf("status after network loss %+v", st)
	}
	waitFor(t, c, "live again", func(s Status) bool { return s.State == Live })
	if !strings.Contains(srv.world(1).dump(), `"ready":true`) {
		t.Error("ready not restored")
	}
}

// A server that stops answering (no pongs, no frames) counts as lost.
func TestReconnectWhenServerGoesSilent(t *testing.T) {
	noLeaks(t)
	var n int
	var mu sync.Mutex
	silence := make(chan struct{})
	f := newFakeServer(t, func(s *session) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		s.hello()
		if first {
			// Answer setup, then stop reading: pings go unanswered.
			for range 2 {
				ps, _, err := s.recv()
				if err != nil {
					return
				}
				if ps[0].Method == "setCompression" {
					res := wire.Reply(ps[0].ID, json.RawMessage(`{"scheme":"none"}`))
					s.send(res)
				} else {
					s.send(wire.Reply(ps[0].ID, json.RawMessage(`{"time":1}`)))
				}
			}
			<-silence // silent, socket open, until the test ends
			return
		}
		s.serve(nil)
	})
	t.Cleanup(func() { close(silence) }) // runs before the server closes
	cfg := testConfig(f.addr())
	cfg.PingInterval = 100 * time.Millisecond
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Only the ping deadline can notice: the socket stays open.
	waitFor(t, c, "reconnecting", func(s Status) bool { return s.State == Reconnecting })
	waitFor(t, c, "live again", func(s Status) bool { return s.State == Live })
}

func TestNoReconnectAfterFinalCodes(t *testing.T) {
	for _, code := range []int{wire.CodeAuthFailed, wire.CodeVersionNotFound, wire.CodeAlreadyRunning, wire.CodeTerminated} {
		t.Run(wire.CodeMessage(code), func(t *testing.T) {
			noLeaks(t)
			srv := newRestartable(t)
			c, err := Dial(ctxT(t), testConfig(srv.addr()))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			srv.kill <- code
			select {
			case <-c.Done():
			case <-time.After(5 * time.Second):
				t.Fatalf("not stopped: %v", c.Status())
			}
			st := c.Status()
			var ce *CloseError
			if st.State != Stopped || st.Code != code || !errors.As(st.Err, &ce) || ce.Code != code {
				t.Errorf("status = %+v", st)
			}
			if srv.count() != 1 {
				t.Errorf("reconnected %d times", srv.count()-1)
			}
			if err := c.Ready(ctxT(t), true); !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "closed by server") {
				t.Errorf("call after stop: %v", err)
			}
			// The state change reached the event stream, which then closed.
			var last Event
			for e := range c.Events() {
				last = e
			}
			if last.Status == nil || last.Status.State != Stopped {
				t.Errorf("last event %+v", last)
			}
		})
	}
}

// Reconnection keeps trying with growing delays while hosts refuse, and
// reaches a second host when the first is gone for good.
func TestReconnectBacksOffAndFallsBack(t *testing.T) {
	noLeaks(t)
	first := newRestartable(t)
	var mu sync.Mutex
	refusals := 0
	second := newFakeServer(t, func(s *session) {
		mu.Lock()
		refusals++
		refuse := refusals <= 3
		mu.Unlock()
		if refuse {
			s.closeWith(wire.CodeInternal, "warming up")
			s.recv()
			return
		}
		w := newFakeWorld()
		s.hello()
		s.serve(w.handlers())
	})
	cfg := testConfig(first.addr(), second.addr())
	cfg.Jitter = func() float64 { return 1 } // the top of each range
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st := c.Status(); st.Host != first.addr() {
		t.Fatalf("first connection to %s", st.Host)
	}
	var delays []time.Duration
	go func() {
		// The first host goes away for good (its listener closes).
		first.kill <- wire.CodeRestart
	}()
	for e := range c.Events() {
		if e.Status == nil {
			continue
		}
		if e.Status.State == Reconnecting {
			delays = append(delays, e.Status.RetryIn)
			if len(delays) == 1 {
				first.srv.Close()
			}
		}
		if e.Status.State == Live && len(delays) > 0 {
			break
		}
	}
	if st := c.Status(); st.Host != second.addr() {
		t.Errorf("reconnected to %s", st.Host)
	}
	// Attempt 1: first refuses (gone) and second refuses; 2 and 3 the same
	// (second refuses 3 times); attempt 4 reaches second... with jitter 1
	// each delay is min*2^n capped at max.
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	if len(delays) < len(want) {
		t.Fatalf("delays %v", delays)
	}
	for i, d := range want {
		if delays[i] != d {
			t.Errorf("delay %d = %s, want %s (all %v)", i, delays[i], d, delays)
		}
	}
	for _, d := range delays {
		if d > cfg.MaxBackoff {
			t.Errorf("delay %s above max", d)
		}
	}
}

func TestCallWaitsThroughReconnect(t *testing.T) {
	noLeaks(t)
	srv := newRestartable(t)
	cfg := testConfig(srv.addr())
	cfg.MinBackoff, cfg.MaxBackoff = 200*time.Millisecond, 200*time.Millisecond
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.kill <- wire.CodeRestart
	waitFor(t, c, "reconnecting", func(s Status) bool { return s.State == Reconnecting })
	// Made during the backoff, the call goes out once the session is back.
	if _, err := c.CreateScenes(ctxT(t), []Scene{{SceneID: "late"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(srv.world(1).dump(), `"late"`) {
		t.Error("call did not reach the new session")
	}
}

func TestCloseDuringBackoff(t *testing.T) {
	noLeaks(t)
	srv := newRestartable(t)
	cfg := testConfig(srv.addr())
	cfg.MinBackoff, cfg.MaxBackoff = time.Hour, time.Hour
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.kill <- wire.CodeRestart
	waitFor(t, c, "reconnecting", func(s Status) bool { return s.State == Reconnecting })
	start := time.Now()
	c.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %s", d)
	}
	if st := c.Status(); st.State != Stopped || st.Err != nil {
		t.Errorf("status %+v", st)
	}
}

// Pending calls fail promptly with ErrConnectionLost when the socket drops.
func TestPendingCallFailsOnDrop(t *testing.T) {
	noLeaks(t)
	f := newFakeServer(t, func(s *session) {
		s.hello()
		s.serve(map[string]handler{"capture": func(s *session, p wire.Packet) (any, *wire.Error, bool) {
			s.closeWith(wire.CodeRestart, "restart")
			return nil, nil, true
		}})
	})
	c, err := Dial(ctxT(t), testConfig(f.addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Capture(ctxT(t), "tx-1")
	var ce *CloseError
	if !errors.Is(err, ErrConnectionLost) || !errors.As(err, &ce) || ce.Code != wire.CodeRestart {
		t.Errorf("err = %v", err)
	}
}

// After a network loss the server may still hold our old session and
// answer 4021 for a while: within the grace period that is retried.
func TestReconnectRetriesStaleSessionRefusal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grace time.Duration
		live  bool
	}{{"within grace", time.Minute, true}, {"grace over", time.Nanosecond, false}} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			var mu sync.Mutex
			n := 0
			lose := make(chan struct{})
			f := newFakeServer(t, func(s *session) {
				mu.Lock()
				n++
				k := n
				mu.Unlock()
				switch {
				case k == 1:
					s.hello()
					go func() { <-lose; s.ws.UnderlyingConn().Close() }()
					s.serve(nil)
				case k <= 3:
					s.closeWith(wire.CodeAlreadyRunning, "A different interactive session is already running for the channel.")
					s.recv()
				default:
					s.hello()
					s.serve(nil)
				}
			})
			cfg := testConfig(f.addr())
			cfg.StaleSessionGrace = tc.grace
			c, err := Dial(ctxT(t), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			close(lose)
			if tc.live {
				waitFor(t, c, "live after stale refusals", func(s Status) bool { return s.State == Live && c.Stats().Reconnects == 1 })
				if f.count() != 4 {
					t.Errorf("connections %d, want 4", f.count())
				}
				return
			}
			st := waitFor(t, c, "stopped", func(s Status) bool { return s.State == Stopped })
			if st.Code != wire.CodeAlreadyRunning {
				t.Errorf("status %+v", st)
			}
		})
	}
}

// A call that finds the connection already dead (before the supervisor
// has noticed) never left, so it is sent on the next connection instead
// of failing.
func TestCallOnDeadConnectionIsSentAfterReconnect(t *testing.T) {
	noLeaks(t)
	srv := newRestartable(t)
	c, err := Dial(ctxT(t), testConfig(srv.addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.mu.Lock()
	cn := c.cur
	c.mu.Unlock()
	for range 3 {
		cn.end(errors.New("cut by the test"))
		if _, err := c.CreateScenes(ctxT(t), []Scene{{SceneID: "s" + strings.Repeat("x", int(c.Stats().Reconnects))}}); err != nil {
			t.Fatalf("call across a dead connection: %v", err)
		}
		c.mu.Lock()
		cn = c.cur
		c.mu.Unlock()
	}
	if n := c.Stats().Reconnects; n != 3 {
		t.Errorf("reconnects %d", n)
	}
}

// Hosts come from discovery on every reconnect, so a server taken out of
// rotation is replaced by the one the list now names.
func TestReconnectAsksDiscoveryAgain(t *testing.T) {
	noLeaks(t)
	a := newRestartable(t)
	b := newRestartable(t)
	var mu sync.Mutex
	current := a.addr()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		json.NewEncoder(w).Encode([]map[string]string{{"address": current}})
	}))
	t.Cleanup(api.Close)
	cfg := testConfig()
	cfg.DiscoveryURL = api.URL
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mu.Lock()
	current = b.addr()
	mu.Unlock()
	a.kill <- wire.CodeRestart
	waitFor(t, c, "live on b", func(s Status) bool { return s.State == Live && s.Host == b.addr() })
	if a.count() != 1 {
		t.Errorf("a was dialed %d times; discovery no longer lists it", a.count())
	}
}
