package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mixstudio/mixstudio/live/client"
	"github.com/mixstudio/mixstudio/studio"
)

// playModuleChecks runs the page's pure modules in chromium and returns
// the failed checks: the world model (join, scene switch, control and
// participant updates, merge patches), random hostile params for every
// method (no exception), the joystick clamp, the reconnect backoff, the
// grid choice and event text.
const playModuleChecks = `(async (GRIDS) => {
	const {World, mergePatch} = await import("/static/js/play/world.js");
	const {clampUnit} = await import("/static/js/play/joystick.js");
	const {fraction} = await import("/static/js/play/screen.js");
	const {backoffMs} = await import("/static/js/play/protocol.js");
	const {gridFor} = await import("/static/js/play/grid.js");
	const {eventText} = await import("/static/js/play/ui.js");
	const fails = [];
	const eq = (name, got, want) => {
		const g = JSON.stringify(got), w = JSON.stringify(want);
		if (g !== w) fails.push(name + ": got " + g + ", want " + w);
	};

	eq("merge", mergePatch({a: 1, b: {c: 2}, e: 5}, {b: {c: null, d: 3}, e: null}), {a: 1, b: {d: 3}});
	mergePatch({}, JSON.parse('{"__proto__": {"polluted": 1}}'));
	eq("no prototype pollution", ({}).polluted, undefined);

	const w = new World();
	const btn = (id, extra) => Object.assign({controlID: id, kind: "button", position: []}, extra);
	w.apply("onSceneCreate", {scenes: [{sceneID: "default", controls: [btn("a"), btn("b"), {kind: "button"}, "junk"]}]});
	w.apply("onGroupCreate", {groups: [{groupID: "default", sceneID: "default"}]});
	w.apply("onParticipantJoin", {participants: [{sessionID: "s", groupID: "default", disabled: false}]});
	eq("join: scene", w.sceneID, "default");
	eq("join: controls without ids dropped", w.scene.controls.map(c => c.controlID), ["a", "b"]);
	eq("not ready yet", w.ready, false);
	w.apply("onReady", {isReady: true});
	eq("ready", w.ready, true);
	w.apply("onControlUpdate", {sceneID: "default", controls: [{controlID: "a", text: "hi", cooldown: 5}]});
	w.apply("onControlUpdate", {sceneID: "default", controls: [{controlID: "a", cooldown: null}]});
	eq("update merges", w.scene.controls[0], {controlID: "a", kind: "button", position: [], text: "hi"});
	w.apply("onControlCreate", {sceneID: "default", controls: [btn("c")]});
	w.apply("onControlCreate", {sceneID: "nowhere", controls: [btn("d")]});
	w.apply("onControlDelete", {sceneID: "default", controls: [{controlID: "b"}]});
	eq("create and delete", w.scene.controls.map(c => c.controlID), ["a", "c"]);
	// A scene switch as the mediator sends it: the new scene, the group, its update.
	w.apply("onSceneCreate", {scenes: [{sceneID: "two", controls: [btn("x")]}]});
	eq("a scene arriving alone does not switch", w.sceneID, "default");
	w.apply("onGroupCreate", {groups: [{groupID: "default", sceneID: "two"}]});
	w.apply("onGroupUpdate", {groups: [{groupID: "default", sceneID: "two"}]});
	eq("switched", [w.sceneID, w.scene.controls.map(c => c.controlID)], ["two", ["x"]]);
	// Moved to another group (updateParticipants).
	w.apply("onSceneCreate", {scenes: [{sceneID: "vip", controls: []}]});
	w.apply("onGroupCreate", {groups: [{groupID: "vips", sceneID: "vip"}]});
	w.apply("onParticipantUpdate", {participants: [{sessionID: "s", groupID: "vips", disabled: true}]});
	eq("moved and disabled", [w.sceneID, w.disabled], ["vip", true]);
	eq("event", w.apply("event", {anything: 1}), "event");

	// Hostile params never throw.
	let seed = 7;
	const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
	const values = [null, 0, -1, 1e308, NaN, "", "default", "a", true, [], {}, [null], {controlID: 5}, {sceneID: {}},
		{scenes: null}, {scenes: [null, 1, {sceneID: "default", controls: {}}]}, {groups: [{groupID: "default", sceneID: 3}]},
		{participants: [null]}, {participants: [{groupID: null}]}, {sceneID: "default", controls: [null, {controlID: "a", position: 1}]}];
	const methods = ["onSceneCreate", "onSceneUpdate", "onSceneDelete", "onControlCreate", "onControlUpdate", "onControlDelete",
		"onGroupCreate", "onGroupUpdate", "onGroupDelete", "onParticipantJoin", "onParticipantUpdate", "onReady", "event", "hello", "unknown"];
	for (let i = 0; i < 3000; i++) {
		const m = methods[Math.floor(rnd() * methods.length)];
		const v = values[Math.floor(rnd() * values.length)];
		try {
			w.apply(m, v);
			void w.scene; void w.disabled;
		} catch (e) {
			fails.push("apply " + m + " " + JSON.stringify(v) + " threw " + e);
			break;
		}
	}

	// Joystick pacing: the first move goes at once, later ones at the
	// sample rate; a flick back to rest before the next sample is still
	// reported (its farthest point), then the rest.
	const {JoystickView} = await import("/static/js/play/joystick.js");
	const sent = [];
	const stick = new JoystickView({controlID: "j", kind: "joystick", sampleRate: 50}, {
		input: (v, i) => { sent.push([i.x, i.y, performance.now()]); return true; },
		canInput: () => true, refuse: () => {}, serverNow: () => Date.now(),
	});
	stick.moveTo(0.5, 0);
	stick.moveTo(0.8, 0);
	stick.moveTo(1, 0);
	stick.moveTo(0.2, 0);
	stick.moveTo(0, 0);
	await new Promise((r) => setTimeout(r, 200));
	eq("flick", sent.map(([x, y]) => [x, y]), [[0.5, 0], [1, 0], [0, 0]]);
	for (let i = 1; i < sent.length; i++) {
		if (sent[i][2] - sent[i - 1][2] < 49) fails.push("moves " + (i - 1) + " and " + i + " only " + (sent[i][2] - sent[i - 1][2]) + " ms apart");
	}
	sent.length = 0;
	await new Promise((r) => setTimeout(r, 60));
	stick.moveTo(0, 0.3);
	stick.moveTo(0, 0.6);
	await new Promise((r) => setTimeout(r, 120));
	eq("a held position is sent once, the latest", sent.map(([x, y]) => [x, y]), [[0, 0.3], [0, 0.6]]);
	stick.destroy();

	eq("clamp (3, 4)", clampUnit(3, 4), {x: 0.6, y: 0.8});
	const d = clampUnit(5, 5);
	if (Math.hypot(d.x, d.y) > 1) fails.push("clamp (5, 5) gave " + JSON.stringify(d) + ", off the disc");
	eq("clamp keeps small values", clampUnit(-0.25, 0.5), {x: -0.25, y: 0.5});
	eq("no negative zero", Object.is(clampUnit(-0.0001, 0).x, 0), true);
	// A screen's x, y: fractions of its box, kept in [0, 1].
	eq("screen fraction", [fraction(150, 100, 200), fraction(99, 100, 200), fraction(301, 100, 200), fraction(5, 0, 0)], [0.25, 0, 1, 0]);
	eq("screen fraction truncates", fraction(1, 0, 3), 0.3333);

	eq("backoff 0 without jitter", [backoffMs(0, 15000, () => 0.5), backoffMs(3, 15000, () => 0.5)], [500, 4000]);
	eq("backoff is capped", backoffMs(30, 15000, () => 0.5), 15000);
	eq("backoff jitter spans ±30%", [backoffMs(2, 15000, () => 0), backoffMs(2, 15000, () => 0.9999)], [1400, 2600]);

	eq("grids", [1280, 900, 899, 540, 539, 390, 0].map(px => gridFor(GRIDS, px).name),
		["large", "large", "medium", "medium", "small", "small", "small"]);

	eq("event text", [eventText("hi"), eventText({message: "m"}), eventText({text: "t"}), eventText({a: 1}), eventText(null)],
		["hi", "m", "t", '{"a":1}', "null"]);
	eq("long event text is cut", eventText({x: "y".repeat(1000)}).length, 301);
	return fails;
})(GRIDS_JSON)`

// TestPlayModulesInChromium checks the page's own modules where they run:
// in chromium, imported from the binary.
// gridsJSON is studio.Grids as the play page sends them.
func gridsJSON(t *testing.T) string {
	b, err := json.Marshal(studio.Grids)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPlayModulesInChromium(t *testing.T) {
	srv := startServer(t)
	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/healthz")); err != nil {
		t.Fatal(err)
	}
	fails, err := chromedp.Run(browser, chromedp.Evaluate[[]string](strings.Replace(playModuleChecks, "GRIDS_JSON", gridsJSON(t), 1), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("module checks: %v", err)
	}
	for _, f := range fails {
		t.Error(f)
	}
}

// TestPlayProtocolClientInChromium drives the page's protocol module by
// itself against the real mediator: it joins with a batch opt-in, learns
// its scene, correlates replies with requests (getTime; a refused
// giveInput comes back as the spec's 4099 with the server's message), and
// an accepted input reaches the game client.
func TestPlayProtocolClientInChromium(t *testing.T) {
	srv, game, channel := playSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := game.c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/healthz")); err != nil {
		t.Fatal(err)
	}
	mark := game.mark()
	got, err := chromedp.Run(browser, chromedp.Evaluate[map[string]any](fmt.Sprintf(`(async () => {
		const {Connection} = await import("/static/js/play/protocol.js");
		const methods = [];
		let joined;
		const ready = new Promise((resolve) => { joined = resolve; });
		const conn = new Connection({
			channelID: %q,
			onMethod: (m, p) => { methods.push([m, p]); if (m === "onReady" && p.isReady) joined(); },
			onState: () => {},
		});
		conn.start();
		await ready;
		const t0 = Date.now();
		const time = await conn.call("getTime", {});
		let refused = null;
		try {
			await conn.giveInput({controlID: "no-such-control", event: "mousedown", button: 0});
		} catch (e) {
			refused = {code: e.code, message: e.message};
		}
		let wrongEvent = null;
		try {
			await conn.giveInput({controlID: "fire", event: "move", x: 0, y: 0});
		} catch (e) {
			wrongEvent = e.code;
		}
		await conn.giveInput({controlID: "fire", event: "mousedown", button: 2});
		const scene = methods.find(([m]) => m === "onSceneCreate");
		conn.stop();
		return {
			order: methods.map(([m]) => m).slice(0, 5),
			controls: scene ? scene[1].scenes[0].controls.map((c) => c.controlID) : [],
			skew: Math.abs(time.time - t0),
			offset: Math.abs(conn.serverNow() - Date.now()),
			refused, wrongEvent,
		};
	})()`, strconv.FormatInt(channel, 10)), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	order := fmt.Sprint(got["order"])
	if order != "[hello onSceneCreate onGroupCreate onParticipantJoin onReady]" {
		t.Errorf("join sequence %s", order)
	}
	if fmt.Sprint(got["controls"]) != "[fire aim buy hello chat wide-only]" {
		t.Errorf("the joined scene has %v", got["controls"])
	}
	if got["skew"].(float64) > 2000 || got["offset"].(float64) > 2000 {
		t.Errorf("getTime %v ms from the page's clock, offset %v ms: the clocks are the same machine's", got["skew"], got["offset"])
	}
	refused, _ := got["refused"].(map[string]any)
	if refused == nil || refused["code"] != float64(4099) || !strings.Contains(fmt.Sprint(refused["message"]), "no-such-control") {
		t.Errorf("unknown control refused with %v, want 4099 naming it", got["refused"])
	}
	if got["wrongEvent"] != float64(4099) {
		t.Errorf("a move on a button refused with %v, want 4099", got["wrongEvent"])
	}
	in := game.waitInputs(t, mark, "the right-button press", func(in []client.GiveInput) bool {
		return len(playEvents(in, "fire", "mousedown")) == 1
	})
	if len(in) != 1 || *in[0].Input.Button != 2 {
		t.Errorf("the game got %s, want only the accepted press with button 2", playDescribe(in))
	}
}
