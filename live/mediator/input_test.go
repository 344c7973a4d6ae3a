package mediator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// inputEnv is a ready session with one signed-in participant.
func inputEnv(t *testing.T) (*env, *tclient, *tclient, string) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	_, key := e.user("viewer")
	p := e.participant(key)
	sid := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0].SessionID
	return e, g, p, sid
}

func TestValidInputReachesTheGameClientFlatOrWrapped(t *testing.T) {
	_, g, p, sid := inputEnv(t)
	cases := []struct {
		params any
		want   string
	}{
		{json.RawMessage(`{"button":0,"event":"mousedown","controlID":"btn"}`), `{"controlID":"btn","event":"mousedown","button":0}`},
		{map[string]any{"input": map[string]any{"controlID": "btn", "event": "keyup"}}, `{"controlID":"btn","event":"keyup"}`},
		{map[string]any{"controlID": "box", "event": "submit", "value": "hello"}, `{"controlID":"box","event":"submit","value":"hello"}`},
		{map[string]any{"controlID": "box", "event": "change", "value": ""}, `{"controlID":"box","event":"change","value":""}`},
		{json.RawMessage(`{"controlID":"stick","event":"move","x":0.6,"y":-0.8}`), `{"controlID":"stick","event":"move","x":0.6,"y":-0.8}`},
	}
	for _, tc := range cases {
		if r := p.call("giveInput", tc.params); string(r) != "null" {
			t.Fatalf("reply %s", r)
		}
		in := g.expect("giveInput")
		want := `{"participantID":"` + sid + `","input":` + tc.want + `}`
		if string(in.Params) != want {
			t.Fatalf("giveInput %s\nwant %s", in.Params, want)
		}
	}
	// lastInputAt moved and getActiveParticipants sees it.
	act := decodeJSON[participantsParamsJSON](t, g.call("getActiveParticipants", map[string]any{"threshold": 0}))
	if act.Total != 1 || act.Participants[0].LastInputAt != 1_700_000_000_000 {
		t.Fatalf("active %+v", act)
	}
}

func TestInvalidInputIsRefusedWith4099AndNeverReachesTheGameClient(t *testing.T) {
	e, g, p, sid := inputEnv(t)
	g.call("createControls", map[string]any{"sceneID": "default", "controls": []any{
		map[string]any{"controlID": "off", "kind": "button", "disabled": true},
		map[string]any{"controlID": "cool", "kind": "button", "cooldown": 1_700_000_005_000},
		map[string]any{"controlID": "wheel", "kind": "spinner"},
	}})
	cases := []struct {
		name   string
		params map[string]any
	}{
		{"no controlID", map[string]any{"event": "mousedown"}},
		{"unknown control", map[string]any{"controlID": "nope", "event": "mousedown"}},
		{"control of another scene", map[string]any{"controlID": "wait", "event": "mousedown"}},
		{"wrong event for a button", map[string]any{"controlID": "btn", "event": "move"}},
		{"button not a number", map[string]any{"controlID": "btn", "event": "mousedown", "button": "left"}},
		{"joystick out of the unit circle", map[string]any{"controlID": "stick", "event": "move", "x": 0.9, "y": 0.9}},
		{"joystick without y", map[string]any{"controlID": "stick", "event": "move", "x": 0.1}},
		{"joystick click", map[string]any{"controlID": "stick", "event": "mousedown"}},
		{"textbox without value", map[string]any{"controlID": "box", "event": "submit"}},
		{"label", map[string]any{"controlID": "lbl", "event": "mousedown"}},
		{"disabled control", map[string]any{"controlID": "off", "event": "mousedown"}},
		{"cooldown", map[string]any{"controlID": "cool", "event": "mousedown"}},
		{"empty event", map[string]any{"controlID": "wheel", "event": ""}},
	}
	for _, tc := range cases {
		if got := p.callErr("giveInput", tc.params); got != 4099 {
			t.Errorf("%s: code %d, want 4099", tc.name, got)
		}
	}
	g.none("giveInput")
	// A custom kind passes through with its own events.
	p.call("giveInput", map[string]any{"controlID": "wheel", "event": "spin", "speed": 3})
	if in := g.expect("giveInput"); !strings.Contains(string(in.Params), `"event":"spin","speed":3`) {
		t.Fatalf("custom input %s", in.Params)
	}
	// The cooldown passes; joystick moves faster than the sample rate
	// (50 ms) don't, once the burst for bunched arrivals is spent.
	e.clock.Advance(5 * time.Second)
	p.call("giveInput", map[string]any{"controlID": "cool", "event": "mousedown"})
	g.expect("giveInput")
	for range moveBurst {
		p.call("giveInput", map[string]any{"controlID": "stick", "event": "move", "x": 0, "y": 0})
	}
	if got := p.callErr("giveInput", map[string]any{"controlID": "stick", "event": "move", "x": 0.1, "y": 0}); got != 4099 {
		t.Fatalf("move within the sample rate: %d", got)
	}
	e.clock.Advance(25 * time.Millisecond) // half the sample rate earns one move
	p.call("giveInput", map[string]any{"controlID": "stick", "event": "move", "x": 0.1, "y": 0})
	if got := p.callErr("giveInput", map[string]any{"controlID": "stick", "event": "move", "x": 0.2, "y": 0}); got != 4099 {
		t.Fatalf("second move after half the sample rate: %d", got)
	}
	// A disabled participant gives no input.
	g.call("updateParticipants", map[string]any{"participants": []any{map[string]any{"sessionID": sid, "disabled": true}}})
	if got := p.callErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); got != 4099 {
		t.Fatalf("disabled participant: %d", got)
	}
}

// A screen (the node SDK's IScreenInput) reports move, mousedown and
// mouseup with x, y in [0, 1]; its properties decide which it sends.
func TestScreenInputIsCheckedAgainstItsProperties(t *testing.T) {
	e, g, p, sid := inputEnv(t)
	g.call("createControls", map[string]any{"sceneID": "default", "controls": []any{
		map[string]any{"controlID": "aim", "kind": "screen", "moveThrottle": 100},
		map[string]any{"controlID": "tap", "kind": "screen", "sendMoveEvents": "never", "sendMouseUpEvent": false},
	}})
	for _, tc := range []struct{ params, want string }{
		{`{"controlID":"aim","event":"mousedown","x":0.25,"y":0.75}`, `{"controlID":"aim","event":"mousedown","x":0.25,"y":0.75}`},
		{`{"controlID":"aim","event":"move","x":0.5,"y":0.5}`, `{"controlID":"aim","event":"move","x":0.5,"y":0.5}`},
		{`{"controlID":"aim","event":"mouseup","x":1,"y":0}`, `{"controlID":"aim","event":"mouseup","x":1,"y":0}`},
		{`{"controlID":"tap","event":"mousedown","x":0,"y":1}`, `{"controlID":"tap","event":"mousedown","x":0,"y":1}`},
	} {
		p.call("giveInput", json.RawMessage(tc.params))
		want := `{"participantID":"` + sid + `","input":` + tc.want + `}`
		if in := g.expect("giveInput"); string(in.Params) != want {
			t.Fatalf("giveInput %s\nwant %s", in.Params, want)
		}
	}
	// Moves are paced like a joystick's: a burst for bunched arrivals,
	// then two per moveThrottle on average.
	for range moveBurst - 1 {
		p.call("giveInput", json.RawMessage(`{"controlID":"aim","event":"move","x":0.5,"y":0.5}`))
		g.expect("giveInput")
	}
	for _, tc := range []struct{ name, params string }{
		{"move within the throttle", `{"controlID":"aim","event":"move","x":0.6,"y":0.5}`},
		{"x past the area", `{"controlID":"aim","event":"mousedown","x":1.5,"y":0.5}`},
		{"negative y", `{"controlID":"aim","event":"mousedown","x":0.5,"y":-0.1}`},
		{"no coordinates", `{"controlID":"aim","event":"mousedown"}`},
		{"a button's event", `{"controlID":"aim","event":"keydown","x":0.5,"y":0.5}`},
		{"move on a screen that sends none", `{"controlID":"tap","event":"move","x":0.5,"y":0.5}`},
		{"mouseup on a screen that sends none", `{"controlID":"tap","event":"mouseup","x":0.5,"y":0.5}`},
	} {
		if got := p.callErr("giveInput", json.RawMessage(tc.params)); got != 4099 {
			t.Errorf("%s: %d, want 4099", tc.name, got)
		}
	}
	g.none("giveInput")
	e.clock.Advance(50 * time.Millisecond) // half of moveThrottle
	p.call("giveInput", json.RawMessage(`{"controlID":"aim","event":"move","x":0.6,"y":0.5}`))
	g.expect("giveInput")

	// The properties are checked when set.
	for _, tc := range []struct{ method, params, path string }{
		{"createControls", `{"sceneID":"default","controls":[{"controlID":"s2","kind":"screen","sendMoveEvents":"sometimes"}]}`, "controls.0.sendMoveEvents"},
		{"createControls", `{"sceneID":"default","controls":[{"controlID":"s2","kind":"screen","moveThrottle":"fast"}]}`, "controls.0.moveThrottle"},
		{"updateControls", `{"sceneID":"default","controls":[{"controlID":"aim","sendMouseUpEvent":"yes"}]}`, "controls.0.sendMouseUpEvent"},
	} {
		r := g.reply(g.send(tc.method, json.RawMessage(tc.params)))
		if r.Error == nil || r.Error.Code != 4004 || r.Error.Path != tc.path {
			t.Errorf("%s %s: %s, want 4004 at %s", tc.method, tc.params, r.raw, tc.path)
		}
	}
}

func TestNoInputBeforeReady(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	p := e.participant("")
	if got := p.callErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); got != 4099 {
		t.Fatalf("input while staging: %d, want 4099", got)
	}
	g.call("ready", map[string]any{"isReady": true})
	if on := p.expect("onReady"); string(on.Params) != `{"isReady":true}` {
		t.Fatalf("participant onReady %s", on.Params)
	}
	if on := g.expect("onReady"); string(on.Params) != `{"isReady":true}` {
		t.Fatalf("game client onReady %s", on.Params)
	}
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	g.expect("giveInput")
	g.call("ready", map[string]any{"isReady": false})
	p.expect("onReady")
	if got := p.callErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); got != 4099 {
		t.Fatalf("input after ready false: %d", got)
	}
	if got := g.callErr("ready", map[string]any{"isReady": "yes"}); got != 4004 {
		t.Fatalf("ready with a string isReady: %d", got)
	}
	g.call("ready", nil) // no params: ready
	if on := p.expect("onReady"); string(on.Params) != `{"isReady":true}` {
		t.Fatalf("ready without params: %s", on.Params)
	}
}

func TestCostlyButtonsChargeAndCaptureOnce(t *testing.T) {
	e, g, p, sid := inputEnv(t)
	ctx := context.Background()
	viewer, err := e.store.UserByName(ctx, "viewer")
	if err != nil {
		t.Fatal(err)
	}
	g.call("updateControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "btn", "cost": 10}}})
	// Not enough sparks: refused before it reaches the game client.
	if got := p.callErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); got != 4007 {
		t.Fatalf("no sparks: %d, want 4007", got)
	}
	if _, err := e.store.CreditSparks(ctx, viewer.ID, 25, "gift"); err != nil {
		t.Fatal(err)
	}
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown", "button": 0})
	in := decodeJSON[struct {
		ParticipantID string `json:"participantID"`
		TransactionID string `json:"transactionID"`
	}](t, g.expect("giveInput").Params)
	if in.ParticipantID != sid || !uuidRE.MatchString(in.TransactionID) {
		t.Fatalf("costly input %+v", in)
	}
	// mouseup carries no transaction.
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "mouseup", "button": 0})
	if up := g.expect("giveInput"); strings.Contains(string(up.Params), "transactionID") {
		t.Fatalf("mouseup with a transaction: %s", up.Params)
	}
	g.call("capture", map[string]any{"transactionID": in.TransactionID})
	if got := g.callErr("capture", map[string]any{"transactionID": in.TransactionID}); got != 4006 {
		t.Fatalf("second capture: %d, want 4006", got)
	}
	if b, _ := e.store.SparksBalance(ctx, viewer.ID); b != 15 {
		t.Fatalf("balance %d, want 15", b)
	}
	// Two charges of 10 with 15 left: the second capture is short (4007).
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "keydown"})
	t1 := decodeJSON[struct{ TransactionID string }](t, g.expect("giveInput").Params).TransactionID
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "keydown"})
	t2 := decodeJSON[struct{ TransactionID string }](t, g.expect("giveInput").Params).TransactionID
	g.call("capture", map[string]any{"transactionID": t1})
	if got := g.callErr("capture", map[string]any{"transactionID": t2}); got != 4007 {
		t.Fatalf("short capture: %d, want 4007", got)
	}
	// Expired after five minutes; unknown ids and numbers are 4006.
	if _, err := e.store.CreditSparks(ctx, viewer.ID, 100, "gift"); err != nil {
		t.Fatal(err)
	}
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "keydown"})
	t3 := decodeJSON[struct{ TransactionID string }](t, g.expect("giveInput").Params).TransactionID
	e.clock.Advance(5 * time.Minute)
	for _, id := range []any{t3, "nope", 1} {
		if got := g.callErr("capture", map[string]any{"transactionID": id}); got != 4006 {
			t.Fatalf("capture %v: %d, want 4006", id, got)
		}
	}
	// An anonymous viewer cannot press a costly button: 4026.
	anon := e.participant("")
	if got := anon.callErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); got != 4026 {
		t.Fatalf("anonymous on a costly button: %d, want 4026", got)
	}
	g.none("giveInput")
}

// A paid textbox is a paid button whose press is submit: charged once per
// submit (typing, "change", is free), cooled down the same way.
func TestPaidTextboxesChargeAndCoolDownLikeButtons(t *testing.T) {
	e, g, p, _ := inputEnv(t)
	ctx := context.Background()
	viewer, err := e.store.UserByName(ctx, "viewer")
	if err != nil {
		t.Fatal(err)
	}
	g.call("updateControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "box", "cost": 10}}})
	if got := p.callErr("giveInput", map[string]any{"controlID": "box", "event": "submit", "value": "hi"}); got != 4007 {
		t.Fatalf("no sparks: %d, want 4007", got)
	}
	g.none("giveInput")
	if _, err := e.store.CreditSparks(ctx, viewer.ID, 15, "gift"); err != nil {
		t.Fatal(err)
	}
	p.call("giveInput", map[string]any{"controlID": "box", "event": "change", "value": "h"})
	if ch := g.expect("giveInput"); strings.Contains(string(ch.Params), "transactionID") {
		t.Fatalf("change with a transaction: %s", ch.Params)
	}
	p.call("giveInput", map[string]any{"controlID": "box", "event": "submit", "value": "hello"})
	tx := decodeJSON[struct {
		TransactionID string `json:"transactionID"`
		Input         struct {
			Value string `json:"value"`
		} `json:"input"`
	}](t, g.expect("giveInput").Params)
	if !uuidRE.MatchString(tx.TransactionID) || tx.Input.Value != "hello" {
		t.Fatalf("paid submit %+v", tx)
	}
	g.call("capture", map[string]any{"transactionID": tx.TransactionID})
	if b, _ := e.store.SparksBalance(ctx, viewer.ID); b != 5 {
		t.Fatalf("balance after one paid submit %d, want 5", b)
	}
	if got := p.callErr("giveInput", map[string]any{"controlID": "box", "event": "submit", "value": "again"}); got != 4007 {
		t.Fatalf("second submit with 5 left: %d, want 4007", got)
	}
	anon := e.participant("")
	if got := anon.callErr("giveInput", map[string]any{"controlID": "box", "event": "submit", "value": "x"}); got != 4026 {
		t.Fatalf("anonymous on a paid textbox: %d, want 4026", got)
	}
	// Cooldown: a server time ahead refuses every event until it passes.
	until := e.clock.Now().Add(3 * time.Second).UnixMilli()
	g.call("updateControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "box", "cost": 0, "cooldown": until}}})
	for _, ev := range []string{"submit", "change"} {
		if got := p.callErr("giveInput", map[string]any{"controlID": "box", "event": ev, "value": "x"}); got != 4099 {
			t.Fatalf("%s on cooldown: %d, want 4099", ev, got)
		}
	}
	g.none("giveInput")
	e.clock.Advance(3 * time.Second)
	p.call("giveInput", map[string]any{"controlID": "box", "event": "submit", "value": "x"})
	g.expect("giveInput")
}

func TestInternalErrorsAre1011(t *testing.T) {
	e, g, p, _ := inputEnv(t)
	g.call("updateControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "btn", "cost": 10}}})
	e.store.Close() // the database goes away under a live session
	if got := g.callErr("capture", map[string]any{"transactionID": "x"}); got != 1011 {
		t.Fatalf("capture without a database: %d, want 1011", got)
	}
	if got := p.callErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); got != 1011 {
		t.Fatalf("charge without a database: %d, want 1011", got)
	}
	g.none("giveInput")
	// A handshake that cannot check the token closes with 1011, not 4019.
	q := url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}, "key": {"some-token"}}
	c, _, err := e.dial(ParticipantPath, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.closeCode(); got != 1011 {
		t.Fatalf("participant handshake without a database: %d, want 1011", got)
	}
}

// TestAcceptedInputIsForwardedExactlyOnceUnderConcurrency: many
// participants press while the game client toggles the button; every
// input that got a success reply reached the game client, and no other.
func TestAcceptedInputIsForwardedExactlyOnceUnderConcurrency(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	const viewers, presses = 12, 40
	ps := make([]*tclient, viewers)
	for i := range ps {
		ps[i] = e.participant("")
	}
	accepted := make(chan int, viewers)
	for _, p := range ps {
		go func() {
			ok := 0
			ids := make([]uint32, presses)
			for i := range ids {
				ids[i] = p.send("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
			}
			for _, id := range ids {
				if r := p.reply(id); r.Error == nil {
					ok++
				} else if r.Error.Code != 4099 {
					p.t.Errorf("input refused with %d", r.Error.Code)
				}
			}
			accepted <- ok
		}()
	}
	for i := range 20 {
		g.send("updateControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "btn", "disabled": i%2 == 0}}})
	}
	total := 0
	for range viewers {
		total += <-accepted
	}
	g.call("getTime", nil) // everything forwarded before this reply is in
	got := 0
	for _, m := range g.pending {
		if m.Method == "giveInput" {
			got++
		}
	}
	if got != total {
		t.Fatalf("%d inputs accepted, %d forwarded", total, got)
	}
	t.Logf("%d of %d inputs accepted while the button flipped", total, viewers*presses)
}

func TestInputFasterThanTheRateIsRefused(t *testing.T) {
	e := newEnv(t, Options{InputRate: 5})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	p := e.participant("")
	press := map[string]any{"controlID": "btn", "event": "mousedown"}
	for i := range 10 { // a burst of twice the rate passes
		if got := p.callErr("giveInput", press); got != 0 {
			t.Fatalf("press %d of the burst: %d", i, got)
		}
	}
	if got := p.callErr("giveInput", press); got != 4099 {
		t.Fatalf("press past the burst: %d, want 4099", got)
	}
	e.clock.Advance(time.Second) // 5 more drain away
	for range 5 {
		p.call("giveInput", press)
	}
	if got := p.callErr("giveInput", press); got != 4099 {
		t.Fatalf("press past the refill: %d, want 4099", got)
	}
	got := 0
	g.call("getTime", nil)
	for _, m := range g.pending {
		if m.Method == "giveInput" {
			got++
		}
	}
	if got != 15 {
		t.Fatalf("%d inputs forwarded, want 15", got)
	}
}

// TestJoystickMovesArrivingBunchedAreAccepted: a page sends a joystick's
// moves one sampleRate (50 ms) apart, but a loaded machine delivers them
// together. None is refused — least of all the release to (0, 0), whose
// loss leaves the game's stick tilted — and a steady flood still is.
func TestJoystickMovesArrivingBunchedAreAccepted(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	p := e.participant("")
	move := func(x float64) int {
		return p.callErr("giveInput", map[string]any{"controlID": "stick", "event": "move", "x": x, "y": 0})
	}
	for i, x := range []float64{0.5, 1, 0} { // sent 50 ms apart, all arrive now
		if got := move(x); got != 0 {
			t.Fatalf("bunched move %d (x=%v) refused: %d", i, x, got)
		}
	}
	// Paced at the sample rate with 40 ms of jitter either way: never refused.
	for i := range 200 {
		e.clock.Advance(time.Duration(50+40*(1-2*(i%2))) * time.Millisecond)
		if got := move(float64(i%2) / 2); got != 0 {
			t.Fatalf("paced move %d refused: %d", i, got)
		}
	}
	// Four times the sample rate for a second: refused once the burst is
	// spent, and at most two moves per sample rate pass on average.
	passed := 0
	for range 80 {
		e.clock.Advance(12500 * time.Microsecond)
		if move(0.3) == 0 {
			passed++
		}
	}
	if max := 1000/25 + moveBurst; passed > max || passed < 1000/25 {
		t.Fatalf("%d of 80 moves at 4x the sample rate passed, want %d to %d", passed, 1000/25, max)
	}
	for range 3 + moveBurst + 200 + 1 {
		g.expect("giveInput")
	}
}
