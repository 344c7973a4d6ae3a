package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mixstudio/mixstudio/live/client"
)

// TestPlayPageSpendsSparksWhenSignedIn signs a viewer up from the page's
// link, shows the balance, refuses a paid press without enough sparks
// (4007, nothing reaches the game), and after a gift lets the press
// through with a transaction whose capture the page's balance follows.
func TestPlayPageSpendsSparksWhenSignedIn(t *testing.T) {
	srv, game, channel := playSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := game.c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	playURL := fmt.Sprintf("/play/%d", channel)
	tab := playSignUp(t, browser, srv, "viewer1", playURL)
	if got := playEval[string](t, tab, `document.querySelector("[data-testid=play-sparks-value]").textContent`); got != "0" {
		t.Fatalf("a new viewer's balance shows %q", got)
	}
	tab.wait(t, "the paid button marked unaffordable", `document.querySelector("[data-id=buy]").classList.contains("unaffordable")`)

	mark := game.mark()
	x, y := tab.center(t, "buy")
	tab.mouseClick(t, x, y)
	tab.wait(t, "the 4007 refusal", `[...document.querySelectorAll("[data-testid=toast][data-kind=refusal]")].some(e => e.textContent === "Buy a hat: You don't have enough sparks.")`)
	time.Sleep(100 * time.Millisecond)
	if in := game.since(mark); len(in) != 0 {
		t.Errorf("a press without sparks reached the game: %s", playDescribe(in))
	}

	srv.cli(t, "sparks", "viewer1", "--add", "12")
	mark = game.mark()
	tab.mouseClick(t, x, y)
	in := game.waitInputs(t, mark, "the paid press", func(in []client.GiveInput) bool {
		return len(playEvents(in, "buy", "mousedown")) == 1
	})
	press := playEvents(in, "buy", "mousedown")[0]
	if press.TransactionID == "" {
		t.Fatalf("the paid press carries no transaction: %s", press.Input.Raw)
	}
	game.waitInputs(t, mark, "the paid press's release", func(in []client.GiveInput) bool {
		return len(playEvents(in, "buy", "mouseup")) == 1
	})
	tab.wait(t, "the balance before capture", `document.querySelector("[data-testid=play-sparks-value]").textContent === "12"`)
	capCtx, capCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer capCancel()
	if err := game.c.Capture(capCtx, press.TransactionID); err != nil {
		t.Fatalf("capture: %v", err)
	}
	tab.wait(t, "the balance after capture", `document.querySelector("[data-testid=play-sparks-value]").textContent === "7"`)
	if playEval[bool](t, tab, `document.querySelector("[data-id=buy]").classList.contains("unaffordable")`) {
		t.Error("the button is still marked unaffordable with 7 sparks for a cost of 5")
	}
	tab.shot(t, "signed-in")
}

// TestPlayPageYieldsToTheViewersNewerTab opens the page twice for one
// signed-in viewer: the mediator keeps one participant per user, so the
// older tab is closed (4025). It says so and offers to reconnect instead
// of taking the session back by itself, which would make the two tabs
// replace each other forever.
func TestPlayPageYieldsToTheViewersNewerTab(t *testing.T) {
	srv, game, channel := playSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := game.c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	playURL := fmt.Sprintf("/play/%d", channel)
	first := playSignUp(t, browser, srv, "viewer2", playURL)

	// A second tab of the same browser context shares the session cookie.
	secondCtx, cancelSecond := chromedp.NewContext(first.ctx)
	defer cancelSecond()
	second := &playTab{name: "second", ctx: secondCtx, dialogs: &[]string{}}
	second.do(t, chromedp.Navigate(srv.URL+playURL))
	second.wait(t, "live", `document.querySelector("[data-testid=play-status]").dataset.state === "live"`)
	first.wait(t, "replaced", `document.querySelector("[data-testid=play-status]").dataset.state === "replaced"`)
	time.Sleep(1500 * time.Millisecond) // longer than any reconnect backoff's first step
	if st := first.state(t); st != "replaced" {
		t.Fatalf("the older tab went from replaced to %q by itself", st)
	}
	if st := second.state(t); st != "live" {
		t.Fatalf("the newer tab is %q, want live", st)
	}
	first.shot(t, "replaced")
	first.do(t, chromedp.Click(chromedp.CSS(`[data-testid=play-reconnect]`)))
	first.wait(t, "live again", `document.querySelector("[data-testid=play-status]").dataset.state === "live"`)
	second.wait(t, "replaced in turn", `document.querySelector("[data-testid=play-status]").dataset.state === "replaced"`)
}

// TestPlayPageComesBackAfterARestart restarts the server under a live
// page: the socket closes with 1012, the page says it is reconnecting,
// and without any click it is live again once the server and the game
// client are back, and presses reach the game.
func TestPlayPageComesBackAfterARestart(t *testing.T) {
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "x.db")
	file := filepath.Join(t.TempDir(), "play.json")
	if err := os.WriteFile(file, []byte(playLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	version := runCLI(t, db, "import", file)
	token := runCLI(t, db, "token")
	srv := playServe(t, addr, db)
	base := "http://" + addr

	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{DiscoveryURL: base, Token: token, VersionID: version, Compression: []string{},
		MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := &playGame{c: c}
	go func() {
		for ev := range c.Events() {
			if ev.Method == "giveInput" {
				if in, err := ev.Input(); err == nil {
					g.add(in)
				}
			}
		}
	}()
	if err := c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	var me struct {
		Channel struct{ ID int64 } `json:"channel"`
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/users/current", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	tab := playOpen(t, browser, "viewer", fmt.Sprintf("%s/play/%d", base, me.Channel.ID), 1280, 900, false)
	tab.wait(t, "live", `document.querySelector("[data-testid=play-status]").dataset.state === "live"`)
	playEval[bool](t, tab, `(window.__states = [], new MutationObserver(() => window.__states.push(document.querySelector("[data-testid=play-status]").dataset.state))
		.observe(document.querySelector("[data-testid=play-status]"), {attributes: true}), true)`)

	srv.stop(t)
	playServe(t, addr, db)
	tab.wait(t, "live after the restart", `document.querySelector("[data-testid=play-status]").dataset.state === "live" && document.querySelectorAll("[data-testid=control]").length === 6`)
	states := playEval[[]string](t, tab, `window.__states`)
	if !slices.Contains(states, "reconnecting") {
		t.Errorf("the page went through %v, never saying it was reconnecting", states)
	}
	mark := g.mark()
	x, y := tab.center(t, "fire")
	tab.mouseClick(t, x, y)
	g.waitInputs(t, mark, "a press after the restart", func(in []client.GiveInput) bool {
		return len(playEvents(in, "fire", "mouseup")) == 1
	})
}

// TestPlayPageReadsAGamepad binds the A button (0) to a button and the
// right stick (1) to a joystick: pressing A is a mousedown/mouseup with
// button 0, tilting the stick sends moves paced at the sample rate,
// clamped to the unit disc, with a dead zone, and (0, 0) on release. The
// arrow keys drive a focused joystick the same way.
func TestPlayPageReadsAGamepad(t *testing.T) {
	srv, game, channel := playSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := game.c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	tab := playOpenWith(t, browser, "viewer", fmt.Sprintf("%s/play/%d", srv.URL, channel), 1280, 900, false, playFakeGamepad)
	tab.wait(t, "live", `document.querySelector("[data-testid=play-status]").dataset.state === "live"`)

	mark := game.mark()
	playEval[bool](t, tab, `(window.__pad.buttons[0] = {pressed: true, touched: true, value: 1}, true)`)
	game.waitInputs(t, mark, "the A button's mousedown", func(in []client.GiveInput) bool {
		return len(playEvents(in, "fire", "mousedown")) == 1
	})
	playEval[bool](t, tab, `(window.__pad.buttons[0] = {pressed: false, touched: false, value: 0}, true)`)
	in := game.waitInputs(t, mark, "the A button's mouseup", func(in []client.GiveInput) bool {
		return len(playEvents(in, "fire", "mouseup")) == 1
	})
	if b := playEvents(in, "fire", "mousedown")[0].Input.Button; b == nil || *b != 0 {
		t.Errorf("gamepad press: %s, want button 0", playDescribe(in))
	}

	// The left stick is not bound: moving it sends nothing. A tilt inside
	// the dead zone sends nothing either. The page polls the pad once a
	// frame: after three frames whatever it sent precedes a press of A on
	// the same socket, so the game sees the press and nothing before it.
	mark = game.mark()
	playEval[bool](t, tab, `(window.__pad.axes = [0.9, 0.9, 0.05, -0.05], window.__frames = 0,
		(function f() { if (++window.__frames < 3) requestAnimationFrame(f); })(), true)`)
	tab.wait(t, "three polls of the pad", `window.__frames >= 3`)
	playEval[bool](t, tab, `(window.__pad.buttons[0] = {pressed: true, touched: true, value: 1}, true)`)
	in = game.waitInputs(t, mark, "a press after the unbound tilt", func(in []client.GiveInput) bool {
		return len(playEvents(in, "fire", "mousedown")) == 1
	})
	if len(in) != 1 {
		t.Errorf("unbound stick or dead zone sent %s", playDescribe(in))
	}
	playEval[bool](t, tab, `(window.__pad.buttons[0] = {pressed: false, touched: false, value: 0}, true)`)
	game.waitInputs(t, mark, "its release", func(in []client.GiveInput) bool {
		return len(playEvents(in, "fire", "mouseup")) == 1
	})
	mark = game.mark()
	// Right stick fully to the lower right: the move is clamped to the disc.
	playEval[bool](t, tab, `(window.__pad.axes = [0, 0, 1, 1], true)`)
	game.waitInputs(t, mark, "the right stick's move", func(in []client.GiveInput) bool {
		return len(playEvents(in, "aim", "move")) >= 1
	})
	playEval[bool](t, tab, `(window.__pad.axes = [0, 0, 0, 0], true)`)
	in = game.waitInputs(t, mark, "the stick back at rest", func(in []client.GiveInput) bool {
		m := playEvents(in, "aim", "move")
		return len(m) >= 2 && *m[len(m)-1].Input.X == 0 && *m[len(m)-1].Input.Y == 0
	})
	moves := playEvents(in, "aim", "move")
	first := moves[0]
	if x, y := *first.Input.X, *first.Input.Y; math.Abs(x-0.707) > 0.002 || math.Abs(y-0.707) > 0.002 {
		t.Errorf("stick at (1, 1) sent (%v, %v), want it clamped to about (0.707, 0.707)", x, y)
	}
	if len(moves) != 2 {
		t.Errorf("a held stick sent %d moves, want one (only while it moves) and the release: %s", len(moves), playDescribe(moves))
	}

	// Without a pad: the focused joystick follows the arrow keys.
	mark = game.mark()
	// A tap shorter than the sample interval, right after the last move,
	// still reaches the game.
	tab.do(t, chromedp.Focus(chromedp.CSS(`[data-testid=control][data-id=aim]`)), chromedp.KeyEvent(kb.ArrowLeft))
	in = game.waitInputs(t, mark, "the arrow key's move and release", func(in []client.GiveInput) bool {
		m := playEvents(in, "aim", "move")
		return len(m) >= 2 && *m[len(m)-1].Input.X == 0
	})
	if m := playEvents(in, "aim", "move"); *m[0].Input.X != -1 || *m[0].Input.Y != 0 {
		t.Errorf("ArrowLeft sent %s, want (-1, 0) then (0, 0)", playDescribe(m))
	}
	if n := len(playEvents(in, "fire", "keydown")); n != 0 {
		t.Errorf("an arrow key on the joystick also pressed a button %d times", n)
	}
}

// TestPlayCooldownFollowsTheServerClock runs the page with a clock a
// minute slow: the cooldown still counts down from the server's time (the
// getTime offset), not from the viewer's wrong clock.
func TestPlayCooldownFollowsTheServerClock(t *testing.T) {
	srv, game, channel := playSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := game.c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	const slowClock = `(() => { const real = Date.now; Date.now = () => real() - 60000; })();`
	tab := playOpenWith(t, browser, "viewer", fmt.Sprintf("%s/play/%d", srv.URL, channel), 1280, 900, false, slowClock)
	tab.wait(t, "live", `document.querySelector("[data-testid=play-status]").dataset.state === "live"`)
	until := game.c.ServerNow().Add(2 * time.Second).UnixMilli()
	game.call(t, "updateControls", fmt.Sprintf(`{"sceneID": "default", "controls": [{"controlID": "fire", "cooldown": %d}]}`, until))
	// Without the offset it would count from 62s; a few ms of estimation
	// error may round 2 s up to 3s.
	tab.wait(t, "a countdown of at most 3s", `(() => {
		const el = document.querySelector("[data-id=fire] [data-testid=cooldown]");
		return !el.hidden && ["1s", "2s", "3s"].includes(el.textContent);
	})()`)
	tab.wait(t, "the end of the cooldown", `document.querySelector("[data-id=fire] [data-testid=cooldown]").hidden`)
	if early := time.Until(time.UnixMilli(until)); early > 300*time.Millisecond {
		t.Errorf("the countdown ended %v early", early)
	}
}
