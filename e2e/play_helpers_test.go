// The play page tests' harness: the game they run, a Go game client that
// records what it receives, and participant pages in browser contexts
// driven with real mouse, touch and keyboard events.

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/client"
)

// playLayout is the game the play tests run: a default scene with one
// control of each kind plus a paid button, and a second scene to switch to.
const playLayout = `{
  "format": "mixstudio/1",
  "name": "play",
  "scenes": [
    {"sceneID": "default", "controls": [
      {"controlID": "fire", "kind": "button", "text": "Fire", "tooltip": "Shoot once", "keyCode": 70, "gamepadButton": 0,
       "position": [{"size": "large", "x": 2, "y": 2, "width": 12, "height": 6},
                    {"size": "medium", "x": 1, "y": 1, "width": 12, "height": 6},
                    {"size": "small", "x": 1, "y": 1, "width": 12, "height": 6}]},
      {"controlID": "aim", "kind": "joystick", "sampleRate": 50, "gamepadJoystick": 1,
       "position": [{"size": "large", "x": 20, "y": 2, "width": 10, "height": 10},
                    {"size": "medium", "x": 15, "y": 1, "width": 10, "height": 10},
                    {"size": "small", "x": 15, "y": 1, "width": 12, "height": 12}]},
      {"controlID": "buy", "kind": "button", "text": "Buy a hat", "cost": 5,
       "position": [{"size": "large", "x": 2, "y": 10, "width": 12, "height": 5},
                    {"size": "medium", "x": 1, "y": 8, "width": 12, "height": 5},
                    {"size": "small", "x": 1, "y": 8, "width": 12, "height": 5}]},
      {"controlID": "hello", "kind": "label", "text": "Welcome, viewers",
       "position": [{"size": "large", "x": 34, "y": 2, "width": 20, "height": 3},
                    {"size": "medium", "x": 27, "y": 1, "width": 17, "height": 3},
                    {"size": "small", "x": 1, "y": 14, "width": 28, "height": 3}]},
      {"controlID": "chat", "kind": "textbox", "placeholder": "Say something", "hasSubmit": true, "submitText": "Send",
       "position": [{"size": "large", "x": 34, "y": 8, "width": 20, "height": 4},
                    {"size": "medium", "x": 27, "y": 5, "width": 17, "height": 4},
                    {"size": "small", "x": 1, "y": 18, "width": 28, "height": 4}]},
      {"controlID": "wide-only", "kind": "label", "text": "Only on large screens",
       "position": [{"size": "large", "x": 58, "y": 2, "width": 20, "height": 3}]}
    ]},
    {"sceneID": "second", "controls": [
      {"controlID": "second-btn", "kind": "button", "text": "Second scene",
       "position": [{"size": "large", "x": 2, "y": 2, "width": 14, "height": 6},
                    {"size": "medium", "x": 1, "y": 1, "width": 14, "height": 6},
                    {"size": "small", "x": 1, "y": 1, "width": 14, "height": 6}]}
    ]}
  ],
  "groups": []
}`

// playRects is where each control should be, per grid, in units.
var playRects = map[string]map[string][4]int{
	"large": {"fire": {2, 2, 12, 6}, "aim": {20, 2, 10, 10}, "buy": {2, 10, 12, 5}, "hello": {34, 2, 20, 3}, "chat": {34, 8, 20, 4}, "wide-only": {58, 2, 20, 3}},
	"small": {"fire": {1, 1, 12, 6}, "aim": {15, 1, 12, 12}, "buy": {1, 8, 12, 5}, "hello": {1, 14, 28, 3}, "chat": {1, 18, 28, 4}},
}

// playGame is the streamer's side: a Go game client that records what the
// server sends it.
type playGame struct {
	c *client.Client

	mu      sync.Mutex
	inputs  []client.GiveInput
	joins   []client.Participant
	arrived chan struct{} // closed and replaced on every input
}

// add records an input and wakes waitInputs: every loop that reads the
// game client's events must record inputs through it, or a waiter sleeps
// until its timeout.
func (g *playGame) add(in client.GiveInput) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inputs = append(g.inputs, in)
	if g.arrived != nil {
		close(g.arrived)
		g.arrived = nil
	}
}

// playSetup imports the layout, starts a game client on it and returns the
// server, the game and the streamer's channel ID.
func playSetup(t *testing.T) (*server, *playGame, int64) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "play.json")
	if err := os.WriteFile(file, []byte(playLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	return playSetupFile(t, file)
}

// playSetupFile is playSetup with the layout file given (any format
// `mixstudio import` reads).
func playSetupFile(t *testing.T, file string) (*server, *playGame, int64) {
	t.Helper()
	return playSetupPrepared(t, file, nil)
}

// playSetupWith is playSetup with another layout; prepare, when set, runs
// on the imported version before the game client connects, and may change
// the game client's configuration.
func playSetupWith(t *testing.T, layout string, prepare func(srv *server, version string, cfg *client.Config)) (*server, *playGame, int64) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "play.json")
	if err := os.WriteFile(file, []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}
	return playSetupPrepared(t, file, prepare)
}

func playSetupPrepared(t *testing.T, file string, prepare func(srv *server, version string, cfg *client.Config)) (*server, *playGame, int64) {
	t.Helper()
	srv := startServer(t)
	version := srv.cli(t, "import", file)
	token := srv.cli(t, "token")

	var me struct {
		Channel struct {
			ID int64 `json:"id"`
		} `json:"channel"`
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/users/current", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if me.Channel.ID == 0 {
		t.Fatalf("users/current gave no channel (%d)", resp.StatusCode)
	}

	cfg := client.Config{DiscoveryURL: srv.URL, Token: token, VersionID: version, Compression: []string{}}
	if prepare != nil {
		prepare(srv, version, &cfg)
	}
	return srv, dialPlayGame(t, cfg), me.Channel.ID
}

// dialPlayGame connects a Go game client with cfg and records what it
// receives; it closes at the test's end.
func dialPlayGame(t *testing.T, cfg client.Config) *playGame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("game client: %v", err)
	}
	g := &playGame{c: c}
	go func() {
		for ev := range c.Events() {
			switch ev.Method {
			case "giveInput":
				if in, err := ev.Input(); err == nil {
					g.add(in)
				}
			case "onParticipantJoin":
				if ps, err := ev.Participants(); err == nil {
					g.mu.Lock()
					g.joins = append(g.joins, ps...)
					g.mu.Unlock()
				}
			}
		}
	}()
	t.Cleanup(func() { c.Close() })
	return g
}

// call runs a method on the game client and fails the test on an error.
func (g *playGame) call(t *testing.T, method, params string) json.RawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	out, err := g.c.Call(ctx, method, json.RawMessage(params))
	if err != nil {
		t.Fatalf("%s %s: %v", method, params, err)
	}
	return out
}

func (g *playGame) mark() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.inputs)
}

// since returns the inputs received after mark.
func (g *playGame) since(mark int) []client.GiveInput {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]client.GiveInput(nil), g.inputs[mark:]...)
}

// waitInputs waits until the inputs after mark satisfy ok.
func (g *playGame) waitInputs(t *testing.T, mark int, what string, ok func([]client.GiveInput) bool) []client.GiveInput {
	t.Helper()
	return g.waitInputsWithin(t, mark, testkit.Timeout, what, ok)
}

// waitInputsWithin is waitInputs with another timeout.
func (g *playGame) waitInputsWithin(t *testing.T, mark int, within time.Duration, what string, ok func([]client.GiveInput) bool) []client.GiveInput {
	t.Helper()
	timeout := time.After(within)
	for {
		g.mu.Lock()
		if g.arrived == nil {
			g.arrived = make(chan struct{})
		}
		arrived := g.arrived
		g.mu.Unlock()
		in := g.since(mark)
		if ok(in) {
			return in
		}
		select {
		case <-arrived:
		case <-timeout:
			t.Fatalf("the game client did not receive %s within %v; it got %s", what, within, playDescribe(in))
		}
	}
}

func playDescribe(ins []client.GiveInput) string {
	var parts []string
	for _, in := range ins {
		parts = append(parts, string(in.Input.Raw))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// events filters inputs by control and event.
func playEvents(ins []client.GiveInput, controlID, event string) []client.GiveInput {
	var out []client.GiveInput
	for _, in := range ins {
		if in.Input.ControlID == controlID && in.Input.Event == event {
			out = append(out, in)
		}
	}
	return out
}

// playTab is one participant page in a browser context of its own.
type playTab struct {
	name    string
	ctx     context.Context
	dialogs *[]string
}

// playOpen opens a new browser context (its own cookies and storage) in
// browser, sized width x height (touch and mobile when phone), on /play.
func playOpen(t *testing.T, browser context.Context, name, url string, width, height int64, phone bool) *playTab {
	t.Helper()
	return playOpenWith(t, browser, name, url, width, height, phone, "")
}

// playOpenWith is playOpen with a script that runs before the page's own.
func playOpenWith(t *testing.T, browser context.Context, name, url string, width, height int64, phone bool, initScript string) *playTab {
	t.Helper()
	return playOpenListening(t, browser, name, url, width, height, phone, initScript, nil)
}

// playOpenListening is playOpenWith that also hands every DevTools event
// of the tab to listen (when not nil), from chromedp's event goroutine:
// the page's sockets and frames as the browser saw them.
func playOpenListening(t *testing.T, browser context.Context, name, url string, width, height int64, phone bool, initScript string, listen func(ev any)) *playTab {
	t.Helper()
	var mu sync.Mutex
	dialogs := &[]string{}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext(),
		chromedp.WithListener(func(ev any) {
			if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
				mu.Lock()
				*dialogs = append(*dialogs, d.Message)
				mu.Unlock()
			}
			if listen != nil {
				listen(ev)
			}
		}))
	var console []string
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() && len(console) > 0 {
			t.Logf("%s console:\n  %s", name, joinLines(console))
		}
	})
	opts := []chromedp.EmulateViewportOption{}
	if phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	tab := &playTab{name: name, ctx: ctx, dialogs: dialogs}
	if initScript != "" {
		tab.do(t, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			_, err := cdp.Call(ctx, tgt, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: initScript})
			return err
		}))
	}
	tab.do(t, chromedp.EmulateViewport(width, height, opts...), chromedp.Navigate(url))
	return tab
}

func (p *playTab) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		screenshot(t, p.ctx, p.name+"-failure")
		t.Fatalf("%s: %v", p.name, err)
	}
}

func playEval[T any](t *testing.T, p *playTab, expr string) T {
	t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: evaluate %s: %v", p.name, expr, err)
	}
	return v
}

// wait polls until expr is truthy in the page.
func (p *playTab) wait(t *testing.T, what, expr string) {
	t.Helper()
	p.waitWithin(t, 8*time.Second, what, expr)
}

// waitWithin is wait with another timeout (for what takes a cluster's
// lease TTL or a process restart).
func (p *playTab) waitWithin(t *testing.T, within time.Duration, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		screenshot(t, p.ctx, p.name+"-failure")
		t.Fatalf("%s: waiting for %s (%s): %v; status %q; toasts %q", p.name, what, expr, err,
			playEval[string](t, p, `document.querySelector("[data-testid=play-status]").textContent`),
			playEval[[]string](t, p, `[...document.querySelectorAll("[data-testid=toast]")].map(e => e.textContent)`))
	}
}

func (p *playTab) state(t *testing.T) string {
	return playEval[string](t, p, `document.querySelector("[data-testid=play-status]").dataset.state`)
}

// center is the viewport point at the middle of a control.
func (p *playTab) center(t *testing.T, id string) (float64, float64) {
	t.Helper()
	xy := playEval[[]float64](t, p, fmt.Sprintf(`(() => { const r = document.querySelector('[data-testid=control][data-id=%q]').getBoundingClientRect(); return [r.x + r.width/2, r.y + r.height/2]; })()`, id))
	return xy[0], xy[1]
}

// rects reads every shown control's rectangle on the grid, in units.
func (p *playTab) rects(t *testing.T) map[string][4]int {
	t.Helper()
	raw := playEval[map[string][]float64](t, p, `(() => {
		const g = document.querySelector("[data-testid=play-grid]").getBoundingClientRect();
		const out = {};
		for (const el of document.querySelectorAll("[data-testid=control]")) {
			if (getComputedStyle(el).display === "none") continue;
			const r = el.getBoundingClientRect();
			out[el.dataset.id] = [(r.x - g.x) / 12, (r.y - g.y) / 12, r.width / 12, r.height / 12];
		}
		return out;
	})()`)
	out := map[string][4]int{}
	for id, r := range raw {
		out[id] = [4]int{int(math.Round(r[0])), int(math.Round(r[1])), int(math.Round(r[2])), int(math.Round(r[3]))}
	}
	return out
}

func (p *playTab) mouseClick(t *testing.T, x, y float64) {
	t.Helper()
	p.do(t,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
	)
}

// mouseDrag presses at (x, y), moves by (dx, dy) in steps a few frames
// apart, and releases there.
func (p *playTab) mouseDrag(t *testing.T, x, y, dx, dy float64) {
	t.Helper()
	p.do(t,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	const n = 10
	for i := 1; i <= n; i++ {
		p.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x+dx*float64(i)/n, y+dy*float64(i)/n, func(m *input.DispatchMouseEventParams) {
			m.Button = input.MouseButtonLeft
			m.Buttons = 1
		}))
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(80 * time.Millisecond) // let the last sample go out before the release
	p.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x+dx, y+dy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
}

func touchAt(typ input.DispatchTouchEventType, x, y float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		p := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
		if typ != input.DispatchTouchEventTypeTouchEnd {
			one, id := 1.0, 0.0
			p.TouchPoints = append(p.TouchPoints, &input.TouchPoint{X: x, Y: y, RadiusX: &one, RadiusY: &one, Force: &one, ID: &id})
		}
		_, err := cdp.Call(ctx, tgt, input.DispatchTouchEvent, p)
		return err
	})
}

// touchDrag puts a finger at (x, y), slides it by (dx, dy) and lifts it.
func (p *playTab) touchDrag(t *testing.T, x, y, dx, dy float64) {
	t.Helper()
	p.do(t, touchAt(input.DispatchTouchEventTypeTouchStart, x, y))
	const n = 10
	for i := 1; i <= n; i++ {
		p.do(t, touchAt(input.DispatchTouchEventTypeTouchMove, x+dx*float64(i)/n, y+dy*float64(i)/n))
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(80 * time.Millisecond)
	p.do(t, touchAt(input.DispatchTouchEventTypeTouchEnd, x+dx, y+dy))
}

func (p *playTab) tap(t *testing.T, x, y float64) {
	t.Helper()
	p.do(t, touchAt(input.DispatchTouchEventTypeTouchStart, x, y), touchAt(input.DispatchTouchEventTypeTouchEnd, x, y))
}

func (p *playTab) shot(t *testing.T, name string) {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // let the page's fades finish
	screenshot(t, p.ctx, p.name+"-"+name)
}

// checkMoves asserts joystick moves stay on the unit disc, are spaced at
// the sample rate, reach the edge in the drag's direction and end at rest.
func checkMoves(t *testing.T, who string, moves []client.GiveInput, wantX, wantY float64) {
	t.Helper()
	if len(moves) < 2 {
		t.Fatalf("%s: %d moves, want the drag and the release: %s", who, len(moves), playDescribe(moves))
	}
	far := false
	for _, m := range moves {
		if m.Input.X == nil || m.Input.Y == nil {
			t.Fatalf("%s: move without x/y: %s", who, m.Input.Raw)
		}
		x, y := *m.Input.X, *m.Input.Y
		if math.Hypot(x, y) > 1 {
			t.Errorf("%s: move (%v, %v) is off the unit disc", who, x, y)
		}
		if x*wantX+y*wantY > 0.9 {
			far = true
		}
	}
	if !far {
		t.Errorf("%s: no move reached (%v, %v): %s", who, wantX, wantY, playDescribe(moves))
	}
	last := moves[len(moves)-1]
	if *last.Input.X != 0 || *last.Input.Y != 0 {
		t.Errorf("%s: the last move is %s, want the stick back at (0, 0)", who, last.Input.Raw)
	}
}

// playSignUp opens a browser context, signs up as name from the sign-up
// page and waits until it lands, live, on playURL.
func playSignUp(t *testing.T, browser context.Context, srv *server, name, playURL string) *playTab {
	t.Helper()
	tab := playOpen(t, browser, name, srv.URL+"/signup?next="+playURL, 1280, 900, false)
	tab.do(t,
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name=username]`), name),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name=password]`), "long enough pw"),
		chromedp.Submit(chromedp.CSS(`form[action="/signup"] input[name=username]`)),
	)
	deadline := time.Now().Add(20 * time.Second) // sign-up, redirect, page, socket: on a loaded machine
	for {
		ok, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](fmt.Sprintf(
			`location.pathname === %q && document.querySelector("[data-testid=play-status]")?.dataset.state === "live"`, playURL)))
		if err == nil && ok {
			return tab
		}
		if time.Now().After(deadline) {
			tab.shot(t, "failure")
			t.Fatalf("not live on %s after signing up (%v)", playURL, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// playProcess is a `mixstudio serve` this test starts and stops itself, so
// that it can restart on the same address.
type playProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
	out  *testkit.Buffer
}

func playServe(t *testing.T, addr, db string) *playProcess {
	t.Helper()
	p := &playProcess{cmd: exec.Command(binary, "serve", "--addr", addr, "--db", db), done: make(chan struct{}), out: &testkit.Buffer{}}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("server on %s did not start: %s", addr, p.out.String())
	return nil
}

// stop sends SIGTERM (sockets close with 1012) and waits for the exit.
func (p *playProcess) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(8 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("server did not stop within 8s of SIGTERM")
	}
}

// playFakeGamepad stands in for a controller (there is no gamepad on a
// test machine): navigator.getGamepads returns one standard-mapping pad
// whose buttons and sticks the test sets through window.__pad.
const playFakeGamepad = `(() => {
	const pad = {id: "test pad", index: 0, connected: true, mapping: "standard", timestamp: 0,
		buttons: Array.from({length: 17}, () => ({pressed: false, touched: false, value: 0})),
		axes: [0, 0, 0, 0]};
	window.__pad = pad;
	Object.defineProperty(Navigator.prototype, "getGamepads", {value: () => [pad, null, null, null], configurable: true});
})();`
