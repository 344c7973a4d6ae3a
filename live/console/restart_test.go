package console

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
)

// restartRig is what a server process holds: a mediator on a port and a
// console manager, over a database that outlives it.
type restartRig struct {
	med *mediator.Mediator
	srv *httptest.Server
	m   *Manager
}

func startProcess(t testing.TB, db *persistence.DB) *restartRig {
	t.Helper()
	med := mediator.New(db, time.Now, quietLogger(), mediator.Options{})
	srv := httptest.NewServer(med.Handler())
	m := New(Config{DB: db, EmbeddedURL: srv.URL, Mediator: med, Logger: quietLogger()})
	p := &restartRig{med: med, srv: srv, m: m}
	t.Cleanup(p.stop)
	return p
}

// stop shuts down in the order the server does (web.Server.Shutdown).
func (p *restartRig) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.m.BeginShutdown()
	p.med.Shutdown(ctx)
	p.m.Shutdown(ctx)
	p.srv.Close()
}

// A show that was live when the server stopped comes back by itself on
// the next start: same version, the scene the group was switched to, the
// live-only control changes (a discarded one stays discarded); its viewers
// were told 1012 (reconnect), not 4016 (the session ended); the console
// said "server restarting", and after an explicit Stop nothing resumes.
func TestLiveShowResumesAfterARestart(t *testing.T) {
	r := newRig(t, Config{})
	r.m.Shutdown(context.Background()) // the rig's own process is not used
	first := startProcess(t, r.db)
	ch := first.m.Channel(r.owner.ChannelID)
	sub, _ := ch.Subscribe(0, false)
	events := collect(sub)
	ctx := context.Background()
	if err := ch.GoLive(ctx, r.owner, LiveOptions{VersionID: r.version}); err != nil {
		t.Fatal(err)
	}
	if err := ch.SwitchScene(ctx, "red", "second"); err != nil {
		t.Fatal(err)
	}
	text, disabled := "Changed live", true
	if _, err := ch.UpdateControl(ctx, ControlChange{SceneID: "default", ControlID: "b", Text: &text}); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.UpdateControl(ctx, ControlChange{SceneID: "default", ControlID: "paid", Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if err := ch.DiscardChange(ctx, "default", "paid"); err != nil {
		t.Fatal(err)
	}
	v := r.join(t, first.srv.URL, r.owner.ChannelID, "watcher")
	v.waitFrame(t, "onReady", func(f frame) bool { return f.Method == "onReady" })

	first.stop()
	closed := v.CloseCode()
	if closed != 1012 {
		t.Fatalf("the viewer's socket closed with %d at shutdown, want 1012 (reconnect)", closed)
	}
	events.wait(t, "stopped: server restarting", hasType(TypeState, `"reason":"server restarting"`))

	second := startProcess(t, r.db)
	ch2 := second.m.Channel(r.owner.ChannelID)
	resumed, _ := ch2.Subscribe(0, false)
	second.m.Resume(ctx)
	// Resume returns once the client dialled; "live" comes with its event.
	collect(resumed).wait(t, "live again", hasType(TypeState, `"state":"live"`))
	if st := ch2.Status(); st.State != StateLive || st.VersionID != r.version {
		t.Fatalf("after the restart the console is %+v, want live on version %d", st, r.version)
	}
	if got := ch2.LiveChanges(); len(got) != 1 || got[0].Control != "b" {
		t.Fatalf("live-only changes after the restart: %+v, want b's text only (paid's was discarded)", got)
	}
	v2 := r.join(t, second.srv.URL, r.owner.ChannelID, "watcher")
	f := v2.waitFrame(t, "the default scene", func(f frame) bool { return f.Method == "onSceneCreate" })
	if !strings.Contains(string(f.Params), `"text":"Changed live"`) {
		t.Fatalf("b's live text did not survive the restart: %s", f.Params)
	}
	if strings.Contains(string(f.Params), `"disabled":true`) {
		t.Fatalf("the discarded change came back: %s", f.Params)
	}
	// The red group still shows the scene it was switched to.
	red := r.join(t, second.srv.URL, r.owner.ChannelID, "redviewer")
	red.waitFrame(t, "onReady", func(f frame) bool { return f.Method == "onReady" })
	sid := waitParticipant(t, ch2, "redviewer")
	if err := ch2.MoveParticipant(ctx, sid, "red"); err != nil {
		t.Fatal(err)
	}
	red.waitFrame(t, "scene second for the red group", func(f frame) bool {
		return f.Method == "onSceneCreate" && strings.Contains(string(f.Params), `"sceneID":"second"`)
	})

	// Stop by the streamer: the reason says so, and nothing resumes.
	sub2, _ := ch2.Subscribe(0, false)
	ev2 := collect(sub2)
	ch2.Stop(ctx)
	ev2.wait(t, "stopped by the streamer", hasType(TypeState, `"reason":"stopped by the streamer"`))
	ev2.wait(t, "nobody is left on the console", hasType(TypeParticipants, `"count":0`))
	second.stop()
	third := startProcess(t, r.db)
	third.m.Resume(ctx)
	if st := third.m.Channel(r.owner.ChannelID).Status(); st.State != StateStopped {
		t.Fatalf("a show the streamer stopped came back after a restart: %+v", st)
	}
}

// A page that reconnects after a restart with its old Last-Event-ID is
// told to reset: the new run's ids all come after the old run's.
func TestEventIDsOfANewRunComeAfterTheOldRun(t *testing.T) {
	r := newRig(t, Config{})
	ch := r.m.Channel(r.owner.ChannelID)
	for range 5 {
		ch.feed.publish(TypeNotice, time.Now(), nil)
	}
	sub, _ := ch.Subscribe(0, false)
	defer sub.Cancel()
	old := ch.feed.publish(TypeNotice, time.Now(), nil).ID
	later := New(Config{DB: r.db, Logger: quietLogger(), Now: func() time.Time { return time.Now().Add(time.Millisecond) }})
	ch2 := later.Channel(r.owner.ChannelID)
	for range 20 {
		ch2.feed.publish(TypeNotice, time.Now(), nil)
	}
	if _, res := ch2.Subscribe(old, true); !res.Reset {
		t.Fatalf("id %d of the old run resumed in the new one (head %d) instead of resetting", old, res.Head)
	}
}
