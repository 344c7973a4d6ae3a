package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// reactionLayout: a horn with a 5 s cooldown and an alert, a yes/no vote
// written back as progress, a webhook on "yes", and a paid button whose
// alert lasts a minute.
func reactionLayout(hookURL string) string {
	return `{"format":"mixstudio/2","name":"reactions","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"horn","kind":"button","text":"Horn","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]},
  {"controlID":"yes","kind":"button","text":"Yes","position":[{"size":"large","width":4,"height":4,"x":5,"y":0}]},
  {"controlID":"no","kind":"button","text":"No","position":[{"size":"large","width":4,"height":4,"x":10,"y":0}]},
  {"controlID":"paid","kind":"button","text":"Paid","cost":5,"position":[{"size":"large","width":4,"height":4,"x":15,"y":0}]}]}],
 "groups":[{"groupID":"default","sceneID":"default"}],
 "reactions":[
  {"sceneID":"default","controlID":"horn","kind":"cooldown","seconds":5,"group":"sounds"},
  {"sceneID":"default","controlID":"horn","kind":"alert","text":"{username} sounded the {control}","seconds":2},
  {"sceneID":"default","controlID":"yes","kind":"vote","name":"poll","show":"progress"},
  {"sceneID":"default","controlID":"yes","kind":"webhook","url":"` + hookURL + `","timeoutSeconds":15},
  {"sceneID":"default","controlID":"no","kind":"vote","name":"poll","show":"progress"},
  {"sceneID":"default","controlID":"paid","kind":"alert","text":"{username} paid {cost}","seconds":60}]}`
}

// hookReceiver is a loopback webhook receiver that records every event
// and can be stalled.
type hookReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []map[string]any
	posts  int
	gate   chan struct{} // while non-nil, requests wait for it to close
	got    chan struct{}
}

func newHookReceiver(t testing.TB) *hookReceiver {
	h := &hookReceiver{got: make(chan struct{}, 1<<16)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		gate := h.gate
		h.mu.Unlock()
		if gate != nil {
			<-gate
		}
		b, _ := io.ReadAll(r.Body)
		var body struct {
			Events []map[string]any `json:"events"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		h.mu.Lock()
		h.events = append(h.events, body.Events...)
		h.posts++
		h.mu.Unlock()
		for range body.Events {
			h.got <- struct{}{}
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) waitEvents(t testing.TB, n int) []map[string]any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-h.got:
		case <-timeout:
			t.Fatalf("webhook receiver got %d of %d events", i, n)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.events...)
}

func newReactionRig(t *testing.T, cfg Config, hookURL string) *rig {
	cfg.WebhookAllowPrivate = true
	r := newRig(t, cfg)
	r.version = importLayout(t, r.db, r.owner.ID, reactionLayout(hookURL))
	return r
}

// press sends a button press and returns the reply.
func (v *viewer) press(t testing.TB, control string) frame {
	t.Helper()
	id := v.send(t, "giveInput", fmt.Sprintf(`{"controlID":%q,"event":"mousedown","button":0}`, control))
	return v.reply(t, id)
}

func overlayKind(kind, sub string) func(decoded) bool {
	return func(d decoded) bool {
		return d.Type == TypeOverlay && strings.Contains(string(d.Data), `"kind":"`+kind+`"`) && strings.Contains(string(d.Data), sub)
	}
}

func (c *collector) count(t testing.TB, ok func(decoded) bool) int {
	c.mu.Lock()
	evs := append([]Event(nil), c.events...)
	c.mu.Unlock()
	n := 0
	for _, ev := range evs {
		if ok(decode(t, ev)) {
			n++
		}
	}
	return n
}

func TestReactionsAlertCooldownVoteAndWebhook(t *testing.T) {
	hook := newHookReceiver(t)
	r := newReactionRig(t, Config{}, hook.srv.URL+"/hook")
	sub, _ := r.ch.SubscribeOverlay(0, false)
	defer sub.Cancel()
	overlay := collect(sub)
	csub, _ := r.ch.Subscribe(0, false)
	defer csub.Cancel()
	feed := collect(csub)
	r.goLive(t)
	overlay.wait(t, "clear", overlayKind(OverlayClear, ""))

	alice := r.join(t, r.srv.URL, r.owner.ChannelID, "alice")
	bob := r.join(t, r.srv.URL, r.owner.ChannelID, "bob")
	feed.wait(t, "bob joined", hasType(TypeParticipants, `"username":"bob"`))

	if f := alice.press(t, "horn"); f.Error != nil {
		t.Fatalf("first press refused: %+v", f.Error)
	}
	overlay.wait(t, "alice's alert", overlayKind(OverlayAlert, `"text":"alice sounded the Horn"`))
	// Viewers see the countdown: the horn's cooldown arrives on the
	// server's clock, at least 5 s (the alert's 2 s is inside it) ahead.
	f := bob.waitFrame(t, "the horn's cooldown", func(f frame) bool {
		return f.Method == "onControlUpdate" && strings.Contains(string(f.Params), `"horn"`) && strings.Contains(string(f.Params), "cooldown")
	})
	var upd struct {
		Controls []struct {
			Cooldown int64 `json:"cooldown"`
		} `json:"controls"`
	}
	if err := json.Unmarshal(f.Params, &upd); err != nil || len(upd.Controls) != 1 {
		t.Fatalf("update %s: %v", f.Params, err)
	}
	if left := time.UnixMilli(upd.Controls[0].Cooldown).Sub(time.Now()); left < 4*time.Second || left > 6*time.Second {
		t.Fatalf("the horn cools down for %v, want about 5 s", left)
	}
	// Within 5 s, the mediator refuses the second press.
	if f := bob.press(t, "horn"); f.Error == nil || !strings.Contains(f.Error.Message, "cooldown") {
		t.Fatalf("a press within the cooldown was not refused: %+v", f)
	}

	// The vote: the overlay's bar and the control's progress move, and
	// the webhook gets the press.
	alice.press(t, "yes")
	bob.press(t, "yes")
	bob.press(t, "no")
	d := overlay.wait(t, "three votes", overlayKind(OverlayVote, `"total":3`))
	var vote overlayVote
	json.Unmarshal(d.Data, &vote)
	if vote.Options[0].ID != "yes" || vote.Options[0].Count != 2 || vote.Options[1].Count != 1 {
		t.Fatalf("vote %+v", vote)
	}
	alice.waitFrame(t, "yes at 2/3", func(f frame) bool {
		return f.Method == "onControlUpdate" && strings.Contains(string(f.Params), `"progress":0.666`)
	})
	evs := hook.waitEvents(t, 2)
	if len(evs) != 2 || evs[0]["control"] != "yes" || evs[0]["username"] != "alice" || evs[1]["username"] != "bob" {
		t.Fatalf("webhook events %v", evs)
	}
	if overlay.count(t, overlayKind(OverlayAlert, "")) != 1 {
		t.Fatalf("the refused press made an alert too")
	}
	if snap := r.ch.OverlaySnapshot(); len(snap.Votes) != 1 || snap.Votes[0].Total != 3 || !snap.Live {
		t.Fatalf("snapshot %+v", snap)
	}
}

// A press inside the cooldown that reaches the console before the
// mediator knew of it (two presses in flight at once) runs nothing.
func TestReactionsCooledPressRunsNothing(t *testing.T) {
	hook := newHookReceiver(t)
	r := newReactionRig(t, Config{}, hook.srv.URL)
	sub, _ := r.ch.SubscribeOverlay(0, false)
	defer sub.Cancel()
	overlay := collect(sub)
	csub, _ := r.ch.Subscribe(0, false)
	defer csub.Cancel()
	feed := collect(csub)
	r.goLive(t)
	alice := r.join(t, r.srv.URL, r.owner.ChannelID, "alice")
	feed.wait(t, "alice joined", hasType(TypeParticipants, `"username":"alice"`))

	// Both sent before either reply: the mediator lets both through.
	a := alice.send(t, "giveInput", `{"controlID":"horn","event":"mousedown","button":0}`)
	b := alice.send(t, "giveInput", `{"controlID":"horn","event":"mousedown","button":0}`)
	alice.reply(t, a)
	if f := alice.reply(t, b); f.Error != nil {
		t.Skip("the mediator already refused the second press; the race did not happen")
	}
	feed.wait(t, "the second press refused", hasType(TypeReaction, `"result":"cooled"`))
	if n := overlay.count(t, overlayKind(OverlayAlert, "")); n != 1 {
		t.Fatalf("%d alerts for one press that ran", n)
	}
	if c := r.ch.ReactionCounts(); c.Ran != 1 || c.Refused != 1 {
		t.Fatalf("counts %+v", c)
	}
}

// A stalled webhook holds up nothing: the overlay gets every press at
// once, and once the receiver answers it gets each press exactly once.
func TestReactionsStalledWebhookDelaysNothing(t *testing.T) {
	hook := newHookReceiver(t)
	gate := make(chan struct{})
	hook.gate = gate
	r := newReactionRig(t, Config{}, hook.srv.URL)
	sub, _ := r.ch.SubscribeOverlay(0, false)
	defer sub.Cancel()
	overlay := collect(sub)
	csub, _ := r.ch.Subscribe(0, false)
	defer csub.Cancel()
	feed := collect(csub)
	r.goLive(t)
	alice := r.join(t, r.srv.URL, r.owner.ChannelID, "alice")
	feed.wait(t, "alice joined", hasType(TypeParticipants, `"username":"alice"`))

	const presses = 30
	for i := 0; i < presses; i++ {
		alice.press(t, "yes")
	}
	overlay.wait(t, "every vote while the webhook is stalled", overlayKind(OverlayVote, fmt.Sprintf(`"total":%d`, presses)))
	close(gate)
	evs := hook.waitEvents(t, presses)
	seen := map[float64]bool{}
	for _, e := range evs {
		p := e["press"].(float64)
		if seen[p] {
			t.Fatalf("press %v delivered twice", p)
		}
		seen[p] = true
	}
	if len(seen) != presses {
		t.Fatalf("%d presses delivered, want %d", len(seen), presses)
	}
	hook.mu.Lock()
	posts := hook.posts
	hook.mu.Unlock()
	if posts >= presses {
		t.Fatalf("%d POSTs for %d presses: the stalled sender did not batch", posts, presses)
	}
}

// A paid press is captured when its reactions ran, and not when they
// were refused (here: the alert queue was full).
func TestReactionsCaptureOnlyWhenRun(t *testing.T) {
	r := newReactionRig(t, Config{MaxQueuedAlerts: 1}, "http://127.0.0.1:1/")
	csub, _ := r.ch.Subscribe(0, false)
	defer csub.Cancel()
	feed := collect(csub)
	r.goLive(t)
	ctx := context.Background()
	alice := r.join(t, r.srv.URL, r.owner.ChannelID, "alice")
	u, _ := r.db.UserByName(ctx, "alice")
	if _, err := r.db.CreditSparks(ctx, u.ID, 100, "test"); err != nil {
		t.Fatal(err)
	}
	feed.wait(t, "alice joined", hasType(TypeParticipants, `"username":"alice"`))

	alice.press(t, "paid")
	feed.wait(t, "the first capture", hasType(TypeCapture, `"result":"ok"`))
	alice.press(t, "paid")
	feed.wait(t, "the second press refused", hasType(TypeReaction, `"result":"refused"`))
	alice.press(t, "horn") // a marker: everything before it was handled
	feed.wait(t, "the marker", hasType(TypeInput, `"control":"horn"`))
	if n := feed.count(t, hasType(TypeCapture, "")); n != 1 {
		t.Fatalf("%d captures; only the press that ran is captured", n)
	}
	bal, err := r.db.SparksBalance(ctx, u.ID)
	if err != nil || bal != 95 {
		t.Fatalf("balance %d (%v), want 95", bal, err)
	}
}

func TestWebhookClientRefusesPrivateTargets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	c := webhookClient(false)
	for _, u := range []string{srv.URL, "http://localhost" + port, "http://[::1]" + port} {
		_, err := c.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s: %v, want a refusal", u, err)
		}
	}
	if resp, err := webhookClient(true).Post(srv.URL, "application/json", strings.NewReader("{}")); err != nil {
		t.Errorf("allowed private target: %v", err)
	} else {
		resp.Body.Close()
	}
	for _, a := range []string{"10.1.2.3", "192.168.0.1", "172.16.5.5", "169.254.169.254", "fe80::1", "fc00::1", "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1"} {
		if !privateAddr(mustAddr(t, a)) {
			t.Errorf("%s counted as public", a)
		}
	}
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "2606:4700::1111"} {
		if privateAddr(mustAddr(t, a)) {
			t.Errorf("%s counted as private", a)
		}
	}
}

func mustAddr(t *testing.T, s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A scene reaction switches a group's scene and a move reaction puts the
// viewer who pressed into a group, through the protocol.
func TestReactionsSceneAndMove(t *testing.T) {
	r := newRig(t, Config{})
	r.version = importLayout(t, r.db, r.owner.ID, `{"format":"mixstudio/2","name":"scenes","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"go","kind":"button","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]},
  {"controlID":"join","kind":"button","position":[{"size":"large","width":4,"height":4,"x":5,"y":0}]}]},
 {"sceneID":"stage","controls":[]}],
 "groups":[{"groupID":"default","sceneID":"default"},{"groupID":"team","sceneID":"default"}],
 "reactions":[{"sceneID":"default","controlID":"go","kind":"scene","group":"team","scene":"stage"},
  {"sceneID":"default","controlID":"join","kind":"move","group":"team"}]}`)
	csub, _ := r.ch.Subscribe(0, false)
	defer csub.Cancel()
	feed := collect(csub)
	r.goLive(t)
	alice := r.join(t, r.srv.URL, r.owner.ChannelID, "alice")
	feed.wait(t, "alice joined", hasType(TypeParticipants, `"username":"alice"`))

	alice.press(t, "join")
	alice.waitFrame(t, "alice moved to team", func(f frame) bool {
		return f.Method == "onParticipantUpdate" && strings.Contains(string(f.Params), `"groupID":"team"`)
	})
	alice.press(t, "go")
	alice.waitFrame(t, "team shown the stage", func(f frame) bool {
		return f.Method == "onGroupUpdate" && strings.Contains(string(f.Params), `"groupID":"team"`) && strings.Contains(string(f.Params), `"sceneID":"stage"`)
	})
	if n := feed.count(t, hasType(TypeReaction, "")); n != 0 {
		t.Fatalf("%d reaction failures", n)
	}
}
