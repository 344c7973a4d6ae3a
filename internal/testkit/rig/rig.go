// Package rig runs the real mediator for a test: a database file, a
// streamer with a token and an imported layout, and the mediator served on
// 127.0.0.1:0 — the "database + user + token + layout + mediator" every
// live package needs. It is testkit's one piece that imports the mediator
// (the mediator's own tests build theirs from testkit's parts).
package rig

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
)

// Options shape a rig; the zero value is the studio's owner streaming
// testkit.Layout on a mediator with default options and the wall clock.
type Options struct {
	Streamer string // the channel owner's name; "" is the studio's owner
	Layout   string // layout JSON; "" is testkit.Layout
	Mediator mediator.Options
	// Clock, when set, is the mediator's time source.
	Clock *testkit.Clock
}

// Rig is a running mediator with a channel ready to go live.
type Rig struct {
	testkit.Streamer
	DB     *persistence.DB
	Server *httptest.Server
	opts   Options
	now    func() time.Time
	cur    atomic.Pointer[mediator.Mediator]
}

// Start brings a rig up; it stops when tb ends.
func Start(tb testing.TB, opts Options) *Rig {
	tb.Helper()
	db := testkit.MustOpenDB(tb)
	r := &Rig{DB: db, opts: opts, now: time.Now}
	if opts.Clock != nil {
		r.now = opts.Clock.Now
	}
	r.Streamer = testkit.NewStreamer(tb, db, opts.Streamer, opts.Layout)
	r.cur.Store(r.newMediator())
	// The handler looks the mediator up per request so Restart can swap it.
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.cur.Load().Handler().ServeHTTP(w, req)
	}))
	tb.Cleanup(func() {
		shutdown(r.cur.Load())
		r.Server.CloseClientConnections()
		r.Server.Close()
	})
	return r
}

func (r *Rig) newMediator() *mediator.Mediator {
	return mediator.New(r.DB, r.now, testkit.QuietLogger(), r.opts.Mediator)
}

func shutdown(m *mediator.Mediator) {
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	m.Shutdown(ctx)
}

// Mediator is the mediator serving now.
func (r *Rig) Mediator() *mediator.Mediator { return r.cur.Load() }

// Restart swaps in a fresh mediator on the same address and database,
// then shuts the old one down (its sockets close with 1012), as a deploy
// does.
func (r *Rig) Restart() {
	shutdown(r.cur.Swap(r.newMediator()))
}

// URL is the mediator's ws:// URL for path with query q.
func (r *Rig) URL(path string, q url.Values) string {
	return testkit.WSURL(r.Server.URL, path, q)
}

// GameClient connects the streamer's game client to its version and
// reads its hello. extra are query pairs (e.g. "compression", "lz4").
func (r *Rig) GameClient(tb testing.TB, extra ...string) *testkit.Participant {
	tb.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+r.Token)
	h.Set("X-Interactive-Version", fmt.Sprint(r.Version))
	h.Set("X-Protocol-Version", "2.0")
	g := testkit.MustDial(tb, r.URL(mediator.GameClientPath, q), h)
	g.Expect("hello")
	return g
}

// Participant joins the streamer's channel as the viewer named name
// (anonymous when "") and waits for its onReady. The game client must be
// ready.
func (r *Rig) Participant(tb testing.TB, name string, extra ...string) *testkit.Participant {
	tb.Helper()
	p := r.Join(tb, name, extra...)
	p.Expect("onReady")
	return p
}

// Join connects a participant like Participant but waits for nothing.
func (r *Rig) Join(tb testing.TB, name string, extra ...string) *testkit.Participant {
	tb.Helper()
	q := url.Values{"channel": {fmt.Sprint(r.User.ChannelID)}, "x-protocol-version": {"2.0"}}
	if name != "" {
		_, key := testkit.ViewerKey(tb, r.DB, name)
		q.Set("key", key)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return testkit.MustDial(tb, r.URL(mediator.ParticipantPath, q), nil)
}
