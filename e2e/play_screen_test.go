package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/mixstudio/mixstudio/live/client"
)

// A Mixer layout with a screen control and a paid textbox, imported as a
// new user would (`mixstudio import` of Mixer's own version file), plays
// in chromium: the screen reports a mouse and a finger as mousedown, move
// and mouseup with x, y in [0, 1]; the textbox charges its cost once.
func TestImportedMixerScreenAndPaidTextboxPlayInChromium(t *testing.T) {
	file, err := filepath.Abs("../studio/testdata/mixer-screen-version.json")
	if err != nil {
		t.Fatal(err)
	}
	srv, game, channel := playSetupFile(t, file)
	browser := newBrowser(t)
	url := fmt.Sprintf("%s/play/%d", srv.URL, channel)
	call := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	if err := game.c.Ready(call(), true); err != nil {
		t.Fatal(err)
	}

	desk := playOpen(t, browser, "desktop", url, 1280, 900, false)
	desk.wait(t, "live with the screen", `document.querySelector("[data-testid=play-status]").dataset.state === "live" && document.querySelector("[data-testid=control][data-kind=screen]")`)
	// The screen's rectangle, in viewport pixels: the large grid's 40x15 units.
	r := playEval[[]float64](t, desk, `(() => { const r = document.querySelector('[data-testid=control][data-id=aim]').getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()`)
	if r[2] != 40*12 || r[3] != 15*12 {
		t.Fatalf("screen drawn %vx%v px, want 480x180", r[2], r[3])
	}
	at := func(fx, fy float64) (float64, float64) { return r[0] + fx*r[2], r[1] + fy*r[3] }

	// Hovering sends nothing (sendMoveEvents "mousedown").
	mark := game.mark()
	hx, hy := at(0.1, 0.1)
	desk.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, hx, hy))
	// A drag from (0.25, 0.5) to (0.75, 0.25): mousedown, moves, mouseup.
	x0, y0 := at(0.25, 0.5)
	x1, y1 := at(0.75, 0.25)
	desk.mouseDrag(t, x0, y0, x1-x0, y1-y0)
	ins := game.waitInputs(t, mark, "the mouse drag's mouseup", func(in []client.GiveInput) bool {
		return len(playEvents(in, "aim", "mouseup")) == 1
	})
	checkScreen(t, "mouse", ins, [2]float64{0.25, 0.5}, [2]float64{0.75, 0.25})
	desk.shot(t, "screen-after-drag")

	// A finger on a phone: the same three events.
	phone := playOpen(t, browser, "phone", url, 390, 844, true)
	phone.wait(t, "live with the screen", `document.querySelector("[data-testid=play-status]").dataset.state === "live" && document.querySelector("[data-testid=control][data-kind=screen]")`)
	pr := playEval[[]float64](t, phone, `(() => { const r = document.querySelector('[data-testid=control][data-id=aim]').getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()`)
	mark = game.mark()
	phone.touchDrag(t, pr[0]+0.5*pr[2], pr[1]+0.5*pr[3], 0.25*pr[2], 0.25*pr[3])
	ins = game.waitInputs(t, mark, "the touch drag's mouseup", func(in []client.GiveInput) bool {
		return len(playEvents(in, "aim", "mouseup")) == 1
	})
	checkScreen(t, "touch", ins, [2]float64{0.5, 0.5}, [2]float64{0.75, 0.75})
	phone.shot(t, "screen-after-touch")

	// The streamer turns moves off: a drag sends only the press and release.
	game.call(t, "updateControls", `{"sceneID":"default","controls":[{"controlID":"aim","sendMoveEvents":"never"}]}`)
	desk.wait(t, "the update", `document.querySelector('[data-testid=control][data-id=aim]').dataset.sendMove === "never"`)
	mark = game.mark()
	desk.mouseDrag(t, x0, y0, x1-x0, y1-y0)
	ins = game.waitInputs(t, mark, "the second drag's mouseup", func(in []client.GiveInput) bool {
		return len(playEvents(in, "aim", "mouseup")) == 1
	})
	if n := len(playEvents(ins, "aim", "move")); n != 0 {
		t.Errorf("moves sent with sendMoveEvents never: %s", playDescribe(ins))
	}

	// A paid textbox, as a signed-in viewer with 25 sparks: one submit
	// costs 10, once, captured by the game client.
	viewer := playSignUp(t, browser, srv, "shouter", strings.TrimPrefix(url, srv.URL))
	srv.cli(t, "sparks", "shouter", "--add", "25")
	viewer.wait(t, "the textbox", `document.querySelector('[data-testid=control][data-id=shout] [data-testid=textbox-field]')`)
	mark = game.mark()
	viewer.do(t,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=control][data-id=shout] [data-testid=textbox-field]`), "hello streamer"),
		chromedp.Click(chromedp.CSS(`[data-testid=control][data-id=shout] [data-testid=submit]`)),
	)
	ins = game.waitInputs(t, mark, "the paid submit", func(in []client.GiveInput) bool {
		return len(playEvents(in, "shout", "submit")) == 1
	})
	submit := playEvents(ins, "shout", "submit")[0]
	if submit.TransactionID == "" || !strings.Contains(string(submit.Input.Raw), `"value":"hello streamer"`) {
		t.Fatalf("paid submit without a transaction: %s (tx %q)", submit.Input.Raw, submit.TransactionID)
	}
	if err := game.c.Capture(call(), submit.TransactionID); err != nil {
		t.Fatalf("capture: %v", err)
	}
	if got := srv.cli(t, "sparks", "shouter"); got != "15" {
		t.Fatalf("balance after one paid submit: %q, want 15", got)
	}
	if err := game.c.Capture(call(), submit.TransactionID); err == nil {
		t.Fatal("the same transaction was captured twice")
	}
	viewer.wait(t, "the balance shown", `document.querySelector("[data-testid=play-sparks-value]").textContent === "15"`)
	viewer.shot(t, "paid-textbox")
	if n := len(playEvents(game.since(mark), "shout", "submit")); n != 1 {
		t.Fatalf("%d submits reached the game, want 1", n)
	}
}

// checkScreen asserts one mousedown at from, moves inside [0, 1] that end
// near to, and one mouseup at to, in that order.
func checkScreen(t *testing.T, who string, ins []client.GiveInput, from, to [2]float64) {
	t.Helper()
	var seq []string
	near := func(in client.GiveInput, want [2]float64) bool {
		return in.Input.X != nil && in.Input.Y != nil && abs(*in.Input.X-want[0]) < 0.02 && abs(*in.Input.Y-want[1]) < 0.02
	}
	var lastMove *client.GiveInput
	for i, in := range ins {
		if in.Input.ControlID != "aim" {
			continue
		}
		if in.Input.X == nil || in.Input.Y == nil || *in.Input.X < 0 || *in.Input.X > 1 || *in.Input.Y < 0 || *in.Input.Y > 1 {
			t.Fatalf("%s: input outside the area: %s", who, in.Input.Raw)
		}
		if len(seq) == 0 || seq[len(seq)-1] != in.Input.Event {
			seq = append(seq, in.Input.Event)
		}
		if in.Input.Event == "move" {
			lastMove = &ins[i]
		}
	}
	if strings.Join(seq, ",") != "mousedown,move,mouseup" {
		t.Fatalf("%s: events %v, want mousedown, moves, mouseup: %s", who, seq, playDescribe(ins))
	}
	if down := playEvents(ins, "aim", "mousedown"); len(down) != 1 || !near(down[0], from) {
		t.Errorf("%s: mousedown %s, want one at %v", who, playDescribe(down), from)
	}
	if up := playEvents(ins, "aim", "mouseup"); len(up) != 1 || !near(up[0], to) {
		t.Errorf("%s: mouseup %s, want one at %v", who, playDescribe(up), to)
	}
	if lastMove == nil || abs(*lastMove.Input.X-to[0]) > 0.15 || abs(*lastMove.Input.Y-to[1]) > 0.15 {
		t.Errorf("%s: the moves do not head for %v: %s", who, to, playDescribe(playEvents(ins, "aim", "move")))
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
