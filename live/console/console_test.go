package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// Going live on the embedded mediator readies the session: a participant
// gets the version's scenes, its group and onReady, and the console
// reports live.
func TestGoLiveReadiesTheVersionOnTheEmbeddedMediator(t *testing.T) {
	r := newRig(t, Config{})
	sub, _ := r.ch.Subscribe(0, false)
	col := collect(sub)
	r.goLive(t)
	// The client's state events reach the status on the channel's own
	// goroutine: live follows GoLive closely, not necessarily before it returns.
	col.wait(t, "a live state", hasType(TypeState, `"state":"live"`))
	if st := r.ch.Status(); st.State != StateLive || st.VersionID != r.version {
		t.Fatalf("status %+v, want live on version %d", st, r.version)
	}
	v := r.join(t, r.srv.URL, r.owner.ChannelID, "viewer1")
	v.waitFrame(t, "onReady true", func(f frame) bool { return f.Method == "onReady" && strings.Contains(string(f.Params), "true") })
	v.waitFrame(t, "the default scene's controls", func(f frame) bool {
		return strings.Contains(string(f.Params), `"controlID":"paid"`)
	})
	col.wait(t, "viewer1's join", hasType(TypeParticipants, `"username":"viewer1"`))
	if err := r.ch.GoLive(context.Background(), r.owner, LiveOptions{VersionID: r.version}); !errors.Is(err, ErrAlreadyLive) {
		t.Fatalf("second go live: %v, want ErrAlreadyLive", err)
	}
}

// Against a remote mediator whose version lacks a scene and a group, going
// live pushes them (createScenes/createGroups) before ready.
func TestGoLivePushesTheLayoutToARemoteMediator(t *testing.T) {
	r := newRig(t, Config{})
	remote := newRig(t, Config{})
	// The remote's version has only the default scene with one button.
	bare := importLayout(t, remote.db, remote.owner.ID, `{"scenes":[{"sceneID":"default","controls":[
		{"controlID":"old","kind":"button","text":"Old","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]}]}]}`)
	token, _, err := remote.db.CreateAccessToken(context.Background(), persistence.NewToken{UserID: remote.owner.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = r.ch.GoLive(ctx, r.owner, LiveOptions{VersionID: r.version, RemoteURL: remote.srv.URL, RemoteToken: token, RemoteVersion: fmt.Sprint(bare)})
	if err != nil {
		t.Fatalf("go live remotely: %v", err)
	}
	v := remote.join(t, remote.srv.URL, remote.owner.ChannelID, "viewer1")
	v.waitFrame(t, "onReady", func(f frame) bool { return f.Method == "onReady" && strings.Contains(string(f.Params), "true") })
	// The participant sees the pushed controls of its scene and not the
	// remote's own button, which the layout does not have.
	v.waitFrame(t, "the pushed button", func(f frame) bool { return strings.Contains(string(f.Params), `"controlID":"paid"`) })
	for _, f := range v.History() {
		if strings.Contains(string(f.Params), `"controlID":"old"`) && f.Method != "onControlDelete" {
			// It may have been shown before the push; it must be deleted.
			v.waitFrame(t, "the old button deleted", func(f frame) bool { return f.Method == "onControlDelete" && strings.Contains(string(f.Params), "old") })
			break
		}
	}
	// What the session holds on the remote server now, asked over the
	// console's own connection.
	s, err := r.ch.current()
	if err != nil {
		t.Fatal(err)
	}
	scenes, err := s.c.GetScenes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sc := range scenes {
		ids = append(ids, sc.SceneID)
		for _, c := range sc.Controls {
			ids = append(ids, sc.SceneID+"/"+c.ControlID)
		}
	}
	if got := strings.Join(ids, " "); got != "default default/b default/paid default/j second second/b2" {
		t.Fatalf("remote scenes %q", got)
	}
	groups, err := s.c.GetGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[1].GroupID != "red" {
		t.Fatalf("remote groups %+v", groups)
	}
	r.ch.Stop(context.Background())
	if st := r.ch.Status(); st.State != StateStopped || st.Remote != remote.srv.URL {
		t.Fatalf("after stop: %+v", st)
	}
}

// A refused go-live (wrong token on a remote mediator) says why and code.
func TestGoLiveRefusalIsReportedWithItsCode(t *testing.T) {
	r := newRig(t, Config{})
	err := r.ch.GoLive(context.Background(), r.owner, LiveOptions{VersionID: r.version, RemoteURL: r.srv.URL, RemoteToken: "wrong"})
	if err == nil {
		t.Fatal("go live with a wrong token worked")
	}
	st := r.ch.Status()
	if st.State != StateStopped || st.Reason == "" || (st.Code != 4019 && !strings.Contains(st.Reason, "401")) {
		t.Fatalf("status %+v, want stopped with the refusal", st)
	}
	other := r.m.Channel(r.owner.ChannelID + 1)
	if err := other.GoLive(context.Background(), r.owner, LiveOptions{VersionID: r.version}); studio.ErrorCode(err) != studio.EFORBIDDEN {
		t.Fatalf("go live on another channel: %v, want forbidden", err)
	}
}

// Every input reaches subscribers with the participant's name, counters
// and the joystick trail; a scene switch and a participant move reach the
// participant.
func TestInputsAreRelayedAndScenesSwitched(t *testing.T) {
	r := newRig(t, Config{})
	r.goLive(t)
	sub, _ := r.ch.Subscribe(0, false)
	col := collect(sub)
	v := r.join(t, r.srv.URL, r.owner.ChannelID, "viewer1")
	col.wait(t, "the join", hasType(TypeParticipants, "viewer1"))
	for i := 0; i < 3; i++ {
		v.send(t, "giveInput", `{"controlID":"b","event":"mousedown","button":0}`)
	}
	v.send(t, "giveInput", `{"controlID":"j","event":"move","x":0.5,"y":-0.25}`)
	col.wait(t, "the joystick move", hasType(TypeInput, `"x":0.5`))
	in := col.wait(t, "a press by viewer1", hasType(TypeInput, `"username":"viewer1","control":"b","event":"mousedown"`))
	if in.ID == 0 {
		t.Fatal("event without an id")
	}
	st := r.ch.Stats()
	if st.Inputs["b"]["mousedown"] != 3 || st.Inputs["j"]["move"] != 1 || st.Total != 4 || st.Participants != 1 {
		t.Fatalf("stats %+v", st)
	}
	if p := st.Joysticks["j"]; len(p) != 1 || p[0] != (Point{0.5, -0.25}) {
		t.Fatalf("joystick trail %v", p)
	}
	var sum uint64
	for _, n := range st.PerSecond {
		sum += n
	}
	if sum != 4 || len(st.PerSecond) != RateWindow {
		t.Fatalf("per second %v", st.PerSecond)
	}

	ctx := context.Background()
	if err := r.ch.SwitchScene(ctx, "default", "second"); err != nil {
		t.Fatal(err)
	}
	v.waitFrame(t, "default group on scene second", func(f frame) bool {
		return f.Method == "onGroupUpdate" && strings.Contains(string(f.Params), `"sceneID":"second"`)
	})
	var re *ReplyError
	if err := r.ch.SwitchScene(ctx, "default", "nope"); !errors.As(err, &re) || re.Code != 4010 {
		t.Fatalf("switch to an unknown scene: %v, want 4010", err)
	}
	ps := r.ch.Participants(10)
	if len(ps) != 1 {
		t.Fatalf("participants %+v", ps)
	}
	if err := r.ch.MoveParticipant(ctx, ps[0].SessionID, "red"); err != nil {
		t.Fatal(err)
	}
	v.waitFrame(t, "moved to red", func(f frame) bool {
		return f.Method == "onParticipantUpdate" && strings.Contains(string(f.Params), `"groupID":"red"`)
	})
	col.wait(t, "the move reported", hasType(TypeParticipants, `"groupID":"red"`))
}

// A live control change reaches the participant at once (a disabled
// button refuses the next press with 4099), a cooldown is a server
// timestamp, and save-back writes the draft with revision checks.
func TestControlChangesAreLiveAndSavedBack(t *testing.T) {
	r := newRig(t, Config{})
	r.goLive(t)
	v := r.join(t, r.srv.URL, r.owner.ChannelID, "viewer1")
	v.waitFrame(t, "onReady", func(f frame) bool { return f.Method == "onReady" })
	ctx := context.Background()
	sc, err := r.db.FindScene(ctx, r.version, "default")
	if err != nil {
		t.Fatal(err)
	}
	rev := sc.Control("b").Revision

	res, err := r.ch.UpdateControl(ctx, ControlChange{SceneID: "default", ControlID: "b", Disabled: studio.Ptr(true),
		Text: studio.Ptr("Off"), Priority: 3, SaveBack: true, Revision: rev})
	if err != nil || !res.Saved || res.Revision != rev+1 {
		t.Fatalf("update: %+v %v", res, err)
	}
	v.waitFrame(t, "b disabled", func(f frame) bool {
		return f.Method == "onControlUpdate" && strings.Contains(string(f.Params), `"disabled":true`)
	})
	id := v.send(t, "giveInput", `{"controlID":"b","event":"mousedown","button":0}`)
	if f := v.reply(t, id); f.Error == nil || f.Error.Code != 4099 {
		t.Fatalf("press on a disabled button: %+v, want 4099", f.Error)
	}
	saved, _ := r.db.FindScene(ctx, r.version, "default")
	if c := saved.Control("b"); c.Disabled == nil || !*c.Disabled || *c.Text != "Off" {
		t.Fatalf("saved control %+v", c)
	}

	// The same old revision again: the live change stands, the save is refused.
	res, err = r.ch.UpdateControl(ctx, ControlChange{SceneID: "default", ControlID: "b", Disabled: studio.Ptr(false), SaveBack: true, Revision: rev})
	if err != nil || res.Saved || studio.ErrorCode(res.SaveError) != studio.ECONFLICT {
		t.Fatalf("stale save: %+v %v, want a conflict", res, err)
	}
	v.waitFrame(t, "b enabled again", func(f frame) bool {
		return f.Method == "onControlUpdate" && strings.Contains(string(f.Params), `"disabled":false`)
	})

	// Cooldown: the timestamp is the server's clock plus N seconds.
	before := time.Now()
	if _, err := r.ch.UpdateControl(ctx, ControlChange{SceneID: "default", ControlID: "b", CooldownSeconds: studio.Ptr(int64(30))}); err != nil {
		t.Fatal(err)
	}
	f := v.waitFrame(t, "a cooldown", func(f frame) bool {
		return f.Method == "onControlUpdate" && strings.Contains(string(f.Params), `"cooldown"`)
	})
	var p struct {
		Controls []struct {
			Cooldown int64 `json:"cooldown"`
		} `json:"controls"`
	}
	json.Unmarshal(f.Params, &p)
	if len(p.Controls) != 1 || p.Controls[0].Cooldown < before.Add(29*time.Second).UnixMilli() || p.Controls[0].Cooldown > time.Now().Add(31*time.Second).UnixMilli() {
		t.Fatalf("cooldown %s, want about now+30s", f.Params)
	}
	if _, err := r.ch.UpdateControl(ctx, ControlChange{SceneID: "default", ControlID: "nope", Disabled: studio.Ptr(true)}); err == nil {
		t.Fatal("unknown control accepted")
	}

	// A published version is never written.
	if err := r.db.PublishVersion(ctx, r.version); err != nil {
		t.Fatal(err)
	}
	res, err = r.ch.UpdateControl(ctx, ControlChange{SceneID: "default", ControlID: "b", Text: studio.Ptr("Pub"), SaveBack: true, Revision: rev + 1})
	if err != nil || res.Saved || !strings.Contains(studio.ErrorMessage(res.SaveError), "published") {
		t.Fatalf("save into a published version: %+v %v", res, err)
	}
}

// Spark transactions: auto-capture per button (ok), capturing again
// (4006), and a balance spent before the capture (4007).
func TestCaptureResults(t *testing.T) {
	r := newRig(t, Config{})
	r.goLive(t)
	ctx := context.Background()
	sub, _ := r.ch.Subscribe(0, false)
	col := collect(sub)
	viewerUser, err := r.db.EnsureUser(ctx, "payer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.db.CreditSparks(ctx, viewerUser.ID, 12, "test"); err != nil {
		t.Fatal(err)
	}
	v := r.join(t, r.srv.URL, r.owner.ChannelID, "payer")
	col.wait(t, "the join", hasType(TypeParticipants, "payer"))

	r.ch.SetAutoCapture("paid", true)
	v.send(t, "giveInput", `{"controlID":"paid","event":"mousedown","button":0}`)
	in := col.wait(t, "a paid press", hasType(TypeInput, `"transactionID"`))
	var d inputData
	json.Unmarshal(in.Data, &d)
	col.wait(t, "the auto capture", hasType(TypeCapture, `"result":"ok"`))
	if bal, _ := r.db.SparksBalance(ctx, viewerUser.ID); bal != 7 {
		t.Fatalf("balance %d after one capture of 5, want 7", bal)
	}
	res, err := r.ch.Capture(ctx, d.TransactionID)
	if err != nil || res.Result != "error" || res.Code != 4006 {
		t.Fatalf("capture twice: %+v %v, want 4006", res, err)
	}

	r.ch.SetAutoCapture("paid", false)
	v.send(t, "giveInput", `{"controlID":"paid","event":"mousedown","button":0}`)
	second := col.wait(t, "a second paid press", func(e decoded) bool {
		return e.Type == TypeInput && strings.Contains(string(e.Data), "transactionID") && !strings.Contains(string(e.Data), d.TransactionID)
	})
	var d2 inputData
	json.Unmarshal(second.Data, &d2)
	if _, err := r.db.DebitSparks(ctx, viewerUser.ID, 5, "spent elsewhere", "test"); err != nil {
		t.Fatal(err)
	}
	res, err = r.ch.Capture(ctx, d2.TransactionID)
	if err != nil || res.Code != 4007 {
		t.Fatalf("capture with the balance spent: %+v %v, want 4007", res, err)
	}
	col.wait(t, "the 4007 in the feed", hasType(TypeCapture, `"code":4007`))
}

// Broadcasts reach the scope; a bad scope is the server's 4024, readable.
func TestBroadcast(t *testing.T) {
	r := newRig(t, Config{})
	r.goLive(t)
	v := r.join(t, r.srv.URL, r.owner.ChannelID, "viewer1")
	v.waitFrame(t, "onReady", func(f frame) bool { return f.Method == "onReady" })
	ctx := context.Background()
	if err := r.ch.Broadcast(ctx, []string{"everyone"}, json.RawMessage(`{"text":"hi all"}`)); err != nil {
		t.Fatal(err)
	}
	v.waitFrame(t, "the broadcast", func(f frame) bool { return f.Method == "event" && strings.Contains(string(f.Params), "hi all") })
	var re *ReplyError
	err := r.ch.Broadcast(ctx, []string{"planet:mars"}, json.RawMessage(`{}`))
	if !errors.As(err, &re) || re.Code != 4024 || !strings.Contains(err.Error(), "4024") {
		t.Fatalf("bad scope: %v, want a readable 4024", err)
	}
	if err := r.ch.Broadcast(ctx, []string{"everyone"}, json.RawMessage(`[1]`)); studio.ErrorCode(err) != studio.EINVALID {
		t.Fatalf("array data: %v, want invalid", err)
	}
}

// Resumption: after an id, exactly the later events; an id that left the
// ring, or one from the future, resets.
func TestResumptionAfterLastEventID(t *testing.T) {
	f := newFeed(8, 16)
	now := time.Now()
	for i := 0; i < 5; i++ {
		f.publish(TypeNotice, now, i)
	}
	s, res := f.subscribe(3, true)
	if res.Reset || len(res.Backlog) != 2 || res.Backlog[0].ID != 4 || res.Backlog[1].ID != 5 {
		t.Fatalf("resume after 3: %+v", res)
	}
	f.publish(TypeNotice, now, 5)
	if ev := <-s.C(); ev.ID != 6 {
		t.Fatalf("live event %d, want 6", ev.ID)
	}
	s.Cancel()
	s.Cancel()
	for i := 0; i < 10; i++ {
		f.publish(TypeNotice, now, i)
	}
	// The ring holds 9..16 now.
	if _, res := f.subscribe(8, true); res.Reset || len(res.Backlog) != 8 || res.Backlog[0].ID != 9 {
		t.Fatalf("resume at the ring's edge: reset=%v %d events", res.Reset, len(res.Backlog))
	}
	if _, res := f.subscribe(7, true); !res.Reset || res.Head != 16 || res.Backlog != nil {
		t.Fatalf("resume after a lost event: %+v, want reset", res)
	}
	if _, res := f.subscribe(99, true); !res.Reset {
		t.Fatal("an id from another run did not reset")
	}
	if _, res := f.subscribe(16, true); res.Reset || len(res.Backlog) != 0 {
		t.Fatalf("resume at the head: %+v", res)
	}
}

// A subscriber that does not read is dropped; the others and the game
// client's loop carry on with every event.
func TestSlowSubscriberIsDroppedWithoutStallingOthers(t *testing.T) {
	r := newRig(t, Config{SubscriberQueue: 64})
	r.goLive(t)
	slow, _ := r.ch.Subscribe(0, false)
	fast, _ := r.ch.Subscribe(0, false)
	col := collect(fast)
	// Five viewers: one alone would pass its input rate's burst
	// (limits.InputPerSecond) long before 300 presses.
	var vs []*viewer
	for i := range 5 {
		vs = append(vs, r.join(t, r.srv.URL, r.owner.ChannelID, fmt.Sprintf("viewer%d", i+1)))
	}
	const presses, batch = 300, 20
	inputs := func() int {
		col.mu.Lock()
		defer col.mu.Unlock()
		n := 0
		for _, ev := range col.events {
			if ev.Type == TypeInput {
				n++
			}
		}
		return n
	}
	// Paced in batches the reader keeps up with: only the subscriber
	// that never reads can fall 64 events behind.
	for sent := 0; sent < presses; sent += batch {
		for i := 0; i < batch; i++ {
			vs[i%len(vs)].send(t, "giveInput", `{"controlID":"b","event":"mousedown","button":0}`)
		}
		col.until(t, fmt.Sprintf("%d inputs", sent+batch), func() bool { return inputs() >= sent+batch })
	}
	if got := r.ch.Stats().Total; got != presses {
		t.Fatalf("the console counted %d presses, want %d", got, presses)
	}
	if !slow.Dropped() {
		t.Fatal("the slow subscriber was not dropped")
	}
	n := 0
	for range slow.C() { // closed: what was queued, then the end
		n++
	}
	if n > 64 {
		t.Fatalf("slow subscriber got %d events past its queue of 64", n)
	}
	if fast.Dropped() {
		t.Fatal("the reading subscriber was dropped")
	}
}

// Stop ends the session for participants, revokes the console's token
// and leaves no goroutine behind.
func TestStopLeavesNoGoroutines(t *testing.T) {
	r := newRig(t, Config{StatsInterval: 10 * time.Millisecond})
	// A first go-live starts what the mediator keeps for its lifetime
	// (its pinger); the count is taken after it.
	r.goLive(t)
	r.ch.Stop(context.Background())
	time.Sleep(50 * time.Millisecond)
	before := runtime.NumGoroutine()
	r.goLive(t)
	v := r.join(t, r.srv.URL, r.owner.ChannelID, "viewer1")
	v.reply(t, v.send(t, "giveInput", `{"controlID":"b","event":"mousedown","button":0}`))
	r.ch.Stop(context.Background())
	v.Conn.Close()
	if st := r.ch.Status(); st.State != StateStopped || st.Reason != "stopped by the streamer" {
		t.Fatalf("status after stop %+v", st)
	}
	toks, err := r.db.ListTokens(context.Background(), r.owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if tok.Label == "live console" {
			t.Fatalf("the console's token is still live: %+v", tok)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The mediator's own goroutines for the closed sockets end too.
		now := runtime.NumGoroutine()
		if now <= before {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after stop, %d before:\n%s", now, before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A lost connection shows as reconnecting (with the delay and the reason)
// and comes back live by itself; inputs flow again.
func TestReconnectingIsReportedAndRecovers(t *testing.T) {
	r := newRig(t, Config{})
	p := newProxy(t, strings.TrimPrefix(r.srv.URL, "http://"))
	r.m.cfg.EmbeddedURL = "http://" + p.addr
	r.goLive(t)
	sub, _ := r.ch.Subscribe(0, false)
	col := collect(sub)
	p.cut()
	rec := col.wait(t, "a reconnecting state", hasType(TypeState, `"state":"reconnecting"`))
	var st Status
	json.Unmarshal(rec.Data, &st)
	if st.RetryInMs <= 0 || st.Attempt != 1 || st.Reason == "" {
		t.Fatalf("reconnecting state %+v, want a delay, attempt 1 and a reason", st)
	}
	col.wait(t, "live again", func(d decoded) bool {
		return d.Type == TypeState && d.ID > rec.ID && strings.Contains(string(d.Data), `"state":"live"`)
	})
	v := r.join(t, r.srv.URL, r.owner.ChannelID, "viewer1")
	v.waitFrame(t, "onReady after the reconnect", func(f frame) bool { return f.Method == "onReady" && strings.Contains(string(f.Params), "true") })
	v.send(t, "giveInput", `{"controlID":"b","event":"mousedown","button":0}`)
	col.wait(t, "an input after the reconnect", hasType(TypeInput, `"control":"b"`))
}
