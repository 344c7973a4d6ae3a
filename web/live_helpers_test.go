package web

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/console"
	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

const liveTestLayout = `{"format":"mixstudio/1","name":"live web","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"b","kind":"button","text":"B","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]},
  {"controlID":"j","kind":"joystick","position":[{"size":"large","width":8,"height":8,"x":10,"y":0}]}]},
 {"sceneID":"second","controls":[]}],"groups":[]}`

// liveRig is the whole server (studio pages, mediator and console) on a
// real 127.0.0.1 socket, as `mixstudio serve` wires it.
type liveRig struct {
	db      *persistence.DB
	srv     *httptest.Server
	owner   studio.User
	version int64
	token   string // the owner's robot token
	console *console.Manager
}

// The server runs in NewHTTPServer's http.Server, as in production;
// configure may change it (shorter timeouts) before it starts.
func newLiveRig(t testing.TB, cc console.Config, configure ...func(*http.Server)) *liveRig {
	t.Helper()
	return newLiveRigWith(t, cc, mediator.Options{}, configure...)
}

// loadMediator lifts the mediator's per-viewer limits: a load test's
// thousand participants share one address and press on a schedule.
var loadMediator = mediator.Options{InputRate: -1, SocketsPerAddress: -1}

// newLiveRigWith is newLiveRig with the mediator's options.
func newLiveRigWith(t testing.TB, cc console.Config, mo mediator.Options, configure ...func(*http.Server)) *liveRig {
	t.Helper()
	db := testkit.MustOpenDB(t)
	st := testkit.NewStreamer(t, db, "", liveTestLayout) // the studio's owner
	owner, version, token := st.User, st.Version, st.Token
	srv := httptest.NewUnstartedServer(nil)
	logger := testkit.QuietLogger()
	m := mediator.New(db, time.Now, logger, mo)
	cc.DB, cc.EmbeddedURL, cc.Logger = db, "http://"+srv.Listener.Addr().String(), logger
	cc.Mediator = m // as app.go wires it
	cm := console.New(cc)
	s := New(Config{Logger: logger, Mediator: m, Console: cm}, db)
	srv.Config = NewHTTPServer(s.Handler(), nil)
	for _, f := range configure {
		f(srv.Config)
	}
	srv.Start()
	t.Cleanup(func() {
		s.Shutdown(context.Background())
		srv.CloseClientConnections()
		srv.Close()
	})
	return &liveRig{db: db, srv: srv, owner: owner, version: version, token: token, console: cm}
}

func (r *liveRig) base() string {
	return fmt.Sprintf("%s/studio/versions/%d/live", r.srv.URL, r.version)
}

// post submits a console form as the page's fetch does (same-origin).
func (r *liveRig) post(t testing.TB, action string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base()+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&b)
	return resp.StatusCode, b.String()
}

// sseEvent is one parsed server-sent event.
type sseEvent struct {
	ID, Event, Data string
}

// sseStream reads a response's events into a channel.
type sseStream struct {
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
}

// openSSE opens an event stream; lastID "" sends no Last-Event-ID.
func openSSE(t testing.TB, u, bearer, lastID string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &sseStream{resp: resp, events: make(chan sseEvent, 100000), cancel: cancel}
	t.Cleanup(s.close)
	if resp.StatusCode != http.StatusOK {
		return s
	}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Data != "" || ev.Event != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data += line[6:]
			}
		}
	}()
	return s
}

func (s *sseStream) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next waits for the next event matching ok (others are skipped).
func (s *sseStream) next(t testing.TB, what string, ok func(sseEvent) bool) sseEvent {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, open := <-s.events:
			if !open {
				t.Fatalf("stream ended before %s", what)
			}
			if ok(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s within 5s", what)
		}
	}
}

func isInput(ev sseEvent) bool { return strings.Contains(ev.Data, `"type":"input"`) }

// liveViewer is a participant on the owner's channel (the kit's).
type liveViewer struct{ *testkit.Participant }

// join connects a participant as username (created if missing).
func (r *liveRig) join(t testing.TB, username string) *liveViewer {
	t.Helper()
	_, key := testkit.ViewerKey(t, r.db, username)
	q := url.Values{"channel": {fmt.Sprint(r.owner.ChannelID)}, "key": {key}, "x-protocol-version": {"2.0"}}
	return &liveViewer{testkit.MustDial(t, testkit.WSURL(r.srv.URL, "/participant", q), nil)}
}

// press sends a mousedown on control without waiting for its reply.
func (v *liveViewer) press(t testing.TB, control string) {
	t.Helper()
	v.Send("giveInput", map[string]any{"controlID": control, "event": "mousedown", "button": 0})
}
