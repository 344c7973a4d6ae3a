// Control bundles on the play page: the test bundles in e2e/bundle (written
// like the CDK's HTML starter, built with @mixer/cdk-std from npm) are
// uploaded with the CLI and played in chromium against a Go game client.

package e2e

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/mixstudio/mixstudio/live/client"
)

// bundleLayout has a control of the custom kind "board" (the good bundle
// draws it), a "trap" the hostile bundle reports on, and a built-in button.
const bundleLayout = `{
  "format": "mixstudio/1",
  "name": "bundle",
  "scenes": [
    {"sceneID": "default", "controls": [
      {"controlID": "board", "kind": "board", "title": "The board", "score": 1, "label": "Press me",
       "position": [{"size": "large", "x": 0, "y": 0, "width": 30, "height": 10}]},
      {"controlID": "trap", "kind": "trap", "position": []},
      {"controlID": "fire", "kind": "button", "text": "Fire",
       "position": [{"size": "large", "x": 40, "y": 0, "width": 10, "height": 5}]}
    ]}
  ],
  "groups": []
}`

// testBundle returns e2e/bundle/dist/NAME, building it when node_modules
// is there and dist is not.
func testBundle(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(moduleRoot, "e2e", "bundle")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@mixer", "cdk-std", "dist", "bundle.min.js")); err != nil {
		skipOrFail(t, "bundles: run `npm ci` in e2e/bundle first (node_modules missing)")
	}
	out := filepath.Join(dir, "dist", name)
	if _, err := os.Stat(filepath.Join(out, "std.js")); err != nil {
		cmd := exec.Command("node", "build.js")
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			skipOrFail(t, "bundles: node build.js: %v\n%s", err, b)
		}
	}
	return out
}

// frameEval evaluates expr inside the bundle's frame and returns its
// value. Chromium runs a sandboxed frame in a process of its own, so the
// frame is a target of its own: found among the tab's browser context's
// targets by its address.
func frameEval[T any](t *testing.T, p *playTab, expr string) T {
	t.Helper()
	var zero T
	infos, err := chromedp.Targets(p.ctx)
	if err != nil {
		t.Fatalf("%s: targets: %v", p.name, err)
	}
	self := chromedp.FromContext(p.ctx).Target.TargetID
	var browserContext cdp.BrowserContextID
	for _, info := range infos {
		if info.TargetID == self {
			browserContext = info.BrowserContextID
		}
	}
	var id target.ID
	for _, info := range infos {
		if info.Type == "iframe" && info.BrowserContextID == browserContext && strings.Contains(info.URL, "/bundles/") {
			id = info.TargetID
		}
	}
	if id == "" {
		for _, info := range infos {
			t.Logf("target %s %s %s", info.Type, info.URL, info.BrowserContextID)
		}
		t.Logf("frame src %s", playEval[string](t, p, `document.querySelector("[data-testid=bundle-frame]") ? document.querySelector("[data-testid=bundle-frame]").src : "none"`))
		t.Fatalf("%s: no bundle frame among the targets", p.name)
		return zero
	}
	fctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
	defer cancel()
	v, err := chromedp.Run(fctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: in the bundle frame: %s: %v", p.name, expr, err)
	}
	return v
}

// frameWait polls until expr is truthy inside the bundle's frame.
func frameWait(t *testing.T, p *playTab, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !frameTruthy(t, p, expr) {
		if time.Now().After(deadline) {
			screenshot(t, p.ctx, p.name+"-failure")
			t.Fatalf("%s: waiting in the bundle for %s (%s); the bundle shows %q", p.name, what, expr,
				frameEval[string](t, p, `document.body ? document.body.innerText : ""`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func frameTruthy(t *testing.T, p *playTab, expr string) bool {
	t.Helper()
	return frameEval[bool](t, p, "!!("+expr+")")
}

// TestBundleOnThePlayPage: the viewer clicks inside the bundle and the
// game client gets the input with the viewer's participantID; the game
// client's updateControls reaches the bundle, which shows it; the bundle
// hears the participant's own object, the settings and the video position.
func TestBundleOnThePlayPage(t *testing.T) {
	dist := testBundle(t, "good")
	var versionID string
	srv, game, channel := playSetupWith(t, bundleLayout, func(srv *server, version string, cfg *client.Config) {
		versionID = version
		out := srv.cli(t, "bundle", "upload", version, dist)
		if !strings.Contains(out, "board-bundle@1.0.0, 5 files") {
			t.Fatalf("bundle upload: %s", out)
		}
	})
	game.call(t, "ready", `{"isReady":true}`)
	browser := newBrowser(t)
	tab := playOpen(t, browser, "viewer", fmt.Sprintf("%s/play/%d", srv.URL, channel), 1280, 800, false)
	tab.wait(t, "the bundle's frame", `document.querySelector("[data-testid=bundle-box]:not([hidden]) [data-testid=bundle-frame]")`)
	tab.wait(t, "the bundle to be ready", `document.querySelector("[data-testid=bundle-box]").dataset.bundleState === "ready"`)
	// The join API names the same bundle, as Mixer's gave hosts contentAddress.
	var join struct {
		ContentAddress string `json:"contentAddress"`
	}
	getJSON(t, fmt.Sprintf("%s/api/v1/interactive/%d", srv.URL, channel), srv.cli(t, "token"), &join)
	if src := playEval[string](t, tab, `document.querySelector("[data-testid=bundle-frame]").getAttribute("src")`); join.ContentAddress == "" || src != join.ContentAddress {
		t.Fatalf("join API contentAddress %q, frame %q", join.ContentAddress, src)
	}
	if got := playEval[string](t, tab, `getComputedStyle(document.querySelector("[data-testid=play-grid]")).display`); got != "none" {
		t.Fatalf("the grid shows beside the bundle (display %q)", got)
	}
	frameWait(t, tab, "the board control", `document.querySelector("#board-board .score")`)
	if got := frameEval[string](t, tab, `document.querySelector("#board-board .score").textContent`); got != "score: 1" {
		t.Fatalf("board shows %q, want the layout's score 1", got)
	}
	if frameTruthy(t, tab, `document.querySelector("#board-fire, #board-trap")`) {
		t.Fatal("the bundle drew controls that are not of its kind")
	}
	frameWait(t, tab, "the participant's own object", `document.getElementById("who").textContent.startsWith("You are ")`)
	frameWait(t, tab, "the settings", `document.getElementById("settings").textContent.includes("desktop")`)
	frameWait(t, tab, "the video position", `document.getElementById("video").textContent === "video at 50,50 320x180"`)
	frameWait(t, tab, "the ready state", `document.getElementById("ready").textContent === "ready"`)

	// A real click inside the frame.
	mark := game.mark()
	fx, fy := playEval[float64](t, tab, `document.querySelector("[data-testid=bundle-frame]").getBoundingClientRect().left`),
		playEval[float64](t, tab, `document.querySelector("[data-testid=bundle-frame]").getBoundingClientRect().top`)
	bx := frameEval[float64](t, tab, `(r => r.left + r.width / 2)(document.querySelector("#board-board .press").getBoundingClientRect())`)
	by := frameEval[float64](t, tab, `(r => r.top + r.height / 2)(document.querySelector("#board-board .press").getBoundingClientRect())`)
	tab.mouseClick(t, fx+bx, fy+by)
	ins := game.waitInputs(t, mark, "the bundle's click", func(in []client.GiveInput) bool { return len(playEvents(in, "board", "click")) == 1 })
	in := playEvents(ins, "board", "click")[0]
	var extra struct {
		Clicks int `json:"clicks"`
		Note   struct {
			From string `json:"from"`
		} `json:"note"`
	}
	json.Unmarshal(in.Input.Raw, &extra)
	if extra.Clicks != 1 || extra.Note.From != "the board bundle" {
		t.Fatalf("the input lost the bundle's data: %s", in.Input.Raw)
	}
	who := frameEval[string](t, tab, `document.getElementById("who").textContent`)
	if in.ParticipantID == "" || !strings.Contains(who, "("+in.ParticipantID+")") {
		t.Fatalf("input from participant %q; the bundle's participant is %q", in.ParticipantID, who)
	}
	game.mu.Lock()
	joined := false
	for _, p := range game.joins {
		joined = joined || p.SessionID == in.ParticipantID
	}
	game.mu.Unlock()
	if !joined {
		t.Fatalf("participantID %q is no participant the game client saw join", in.ParticipantID)
	}
	// The bundle heard the server's reply to its giveInput.
	frameWait(t, tab, "the reply to giveInput", `document.querySelector("#board-board .sent").textContent === "sent 1"`)

	// The game client updates the control; the bundle shows it.
	game.call(t, "updateControls", `{"sceneID":"default","controls":[{"controlID":"board","score":42,"label":"Again"}]}`)
	frameWait(t, tab, "the updated score", `document.querySelector("#board-board .score").textContent === "score: 42"`)
	frameWait(t, tab, "the updated label", `document.querySelector("#board-board .press").textContent === "Again"`)
	// A broadcast event is forwarded as well.
	game.call(t, "broadcastEvent", `{"scope":["everyone"],"data":{"round":2}}`)
	frameWait(t, tab, "the broadcast event", `document.getElementById("ready").textContent.includes('"round":2')`)
	screenshot(t, tab.ctx, "bundle-play")

	// The studio's preview shows the bundle with the saved scene, and lists
	// its input instead of sending it.
	mark = game.mark()
	prev := playOpen(t, browser, "preview", srv.URL+"/studio/versions/"+versionID+"/preview", 1280, 900, false)
	if got := playEval[string](t, prev, `document.querySelector("[data-testid=preview-bundle] h2").textContent`); got != "Control bundle: board-bundle@1.0.0" {
		t.Fatalf("preview names the bundle %q", got)
	}
	prev.wait(t, "the preview's bundle", `document.querySelector("[data-testid=preview-bundle] [data-testid=bundle-box]").dataset.bundleState === "ready"`)
	frameWait(t, prev, "the saved score", `document.querySelector("#board-board .score") && document.querySelector("#board-board .score").textContent === "score: 1"`)
	fx, fy = playEval[float64](t, prev, `document.querySelector("[data-testid=bundle-frame]").getBoundingClientRect().left`),
		playEval[float64](t, prev, `document.querySelector("[data-testid=bundle-frame]").getBoundingClientRect().top`)
	bx = frameEval[float64](t, prev, `(r => r.left + r.width / 2)(document.querySelector("#board-board .press").getBoundingClientRect())`)
	by = frameEval[float64](t, prev, `(r => r.top + r.height / 2)(document.querySelector("#board-board .press").getBoundingClientRect())`)
	prev.mouseClick(t, fx+bx, fy+by)
	prev.wait(t, "the listed input", `[...document.querySelectorAll("[data-testid=preview-input]")].some(li => li.textContent.includes('"controlID":"board"'))`)
	screenshot(t, prev.ctx, "bundle-preview")
	if in := game.since(mark); len(in) != 0 {
		t.Fatalf("the preview's input reached the game client: %s", playDescribe(in))
	}
}

// TestHostileBundleHurtsNothingElse: a bundle that throws, floods the page
// with postMessage and tries to reach the parent's cookies and DOM, the
// studio and the network reaches none of them, and the page, the
// viewer's session and the game client carry on.
func TestHostileBundleHurtsNothingElse(t *testing.T) {
	dist := testBundle(t, "hostile")
	srv, game, channel := playSetupWith(t, bundleLayout, func(srv *server, version string, cfg *client.Config) {
		srv.cli(t, "bundle", "upload", version, dist)
	})
	game.call(t, "ready", `{"isReady":true}`)
	browser := newBrowser(t)
	url := fmt.Sprintf("%s/play/%d", srv.URL, channel)
	tab := playOpenWith(t, browser, "viewer", url, 1280, 800, false, `if (window === window.top) document.cookie = "page-secret=s3cret; path=/"`)
	mark := game.mark()
	tab.wait(t, "the hostile bundle to be hosted", `document.querySelector("[data-testid=bundle-box]").dataset.bundleState === "ready"`)

	// The bundle's report comes once its flood is over.
	ins := game.waitInputsWithin(t, mark, 30*time.Second, "the hostile bundle's report", func(in []client.GiveInput) bool {
		return len(playEvents(in, "trap", "report")) >= 1
	})
	var report struct {
		Report  []string `json:"report"`
		Flooded int      `json:"flooded"`
	}
	json.Unmarshal(playEvents(ins, "trap", "report")[0].Input.Raw, &report)
	if report.Flooded < 5000 {
		t.Fatalf("the flood did not run: %+v", report)
	}
	want := []string{"parent cookie: blocked", "parent DOM: blocked", "own cookie: blocked", "localStorage: blocked",
		"top navigation: blocked", "fetch studio: blocked", "image beacon: blocked", "setCompression: refused 4003", "updateControls: refused 4003"}
	got := strings.Join(report.Report, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("report lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "reached") {
		t.Errorf("the bundle reached something:\n%s", got)
	}
	for _, in := range ins {
		if in.Input.ControlID != "trap" {
			t.Errorf("the bundle's flood reached the game client: %s", in.Input.Raw)
		}
	}

	// The page is where it was, still live, its cookie intact, and its own
	// controls work: the viewer's socket carried the report, and the
	// built-in grid comes back when the version's bundle is removed.
	if loc := playEval[string](t, tab, `location.href`); loc != url {
		t.Fatalf("the page navigated to %s", loc)
	}
	if c := playEval[string](t, tab, `document.cookie`); !strings.Contains(c, "page-secret=s3cret") {
		t.Fatalf("page cookie %q", c)
	}
	if st := tab.state(t); st != "live" {
		t.Fatalf("page state %q after the flood", st)
	}
	dropped := playEval[bool](t, tab, `document.querySelector("[data-testid=bundle-box]").dataset.bundleState === "ready"`)
	if !dropped {
		t.Fatal("the host gave up on the bundle")
	}
	screenshot(t, tab.ctx, "bundle-hostile")
}

// TestViewerOfAVersionWithoutItsBundleIsToldSo: a game client that runs
// its version "with bundle" (X-Interactive-Bundle) when the version has
// none: the viewer's socket is closed with 4023 and the page says why.
func TestViewerOfAVersionWithoutItsBundleIsToldSo(t *testing.T) {
	srv, _, channel := playSetupWith(t, bundleLayout, func(srv *server, version string, cfg *client.Config) {
		cfg.Bundle = "board-bundle@1.0.0"
	})
	browser := newBrowser(t)
	tab := playOpen(t, browser, "viewer", fmt.Sprintf("%s/play/%d", srv.URL, channel), 1024, 700, false)
	tab.wait(t, "the missing-bundle state", `document.querySelector("[data-testid=play-status]").dataset.state === "nobundle"`)
	if text := playEval[string](t, tab, `document.querySelector("[data-testid=play-status]").textContent`); !strings.Contains(text, "no control bundle") {
		t.Fatalf("status %q", text)
	}
	screenshot(t, tab.ctx, "bundle-missing")
}

// TestStudioBundlePageAndCustomKinds: in the studio, the palette says why
// custom kinds are unavailable; the version's bundle page takes a zip of
// the built bundle; then the palette adds a control of a custom kind,
// placed on the grid like any control.
func TestStudioBundlePageAndCustomKinds(t *testing.T) {
	dist := testBundle(t, "good")
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "empty.json")
	os.WriteFile(file, []byte(`{"name":"Board game","scenes":[{"sceneID":"default","controls":[]}]}`), 0o644)
	version := srv.cli(t, "import", file)
	zipped := filepath.Join(t.TempDir(), "board.zip")
	zipFolder(t, dist, "dist/", zipped)

	browser := newBrowser(t)
	tab := playOpen(t, browser, "studio", srv.URL+"/studio/versions/"+version, 1280, 900, false)
	tab.wait(t, "the palette's explanation", `document.querySelector("[data-testid=custom-kind-why]")`)
	if !playEval[bool](t, tab, `document.querySelector("[data-testid=custom-kind]").disabled`) {
		t.Fatal("the custom-kind field is usable without a bundle")
	}
	// Links navigate: go to their address (a poll across a navigation
	// loses its page).
	link := playEval[string](t, tab, `document.querySelector("[data-testid=custom-kind-why] [data-testid=bundle-link]").getAttribute("href")`)
	if link != "/studio/versions/"+version+"/bundle" {
		t.Fatalf("the palette links to %q", link)
	}
	tab.do(t, chromedp.Navigate(srv.URL+link))
	tab.wait(t, "the bundle page", `document.querySelector("[data-testid=bundle-none]")`)
	tab.do(t,
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=bundle-file]`), []string{zipped}),
		chromedp.Click(chromedp.CSS(`[data-testid=bundle-upload]`)),
	)
	tab.wait(t, "the uploaded bundle", `document.querySelector("[data-testid=bundle-label]") && document.querySelector("[data-testid=bundle-label]").textContent === "board-bundle@1.0.0"`)
	screenshot(t, tab.ctx, "bundle-page")

	tab.do(t, chromedp.Navigate(srv.URL+"/studio/versions/"+version))
	tab.wait(t, "the enabled custom-kind field", `document.querySelector("[data-testid=custom-kind]") && !document.querySelector("[data-testid=custom-kind]").disabled`)
	tab.do(t,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=custom-kind]`), "board"),
		chromedp.Click(chromedp.CSS(`[data-testid=add-custom]`)),
	)
	tab.wait(t, "the custom control on the grid", `document.querySelector('[data-testid=canvas] [data-kind="board"]')`)
	screenshot(t, tab.ctx, "bundle-editor")
	exported := srv.cli(t, "export", version)
	if !strings.Contains(exported, `"kind": "board"`) {
		t.Fatalf("the export lacks the custom control:\n%s", exported)
	}
}

// zipFolder writes dir's files into a zip under prefix (as a CDK build's
// zip of dist/ would hold them).
func zipFolder(t *testing.T, dir, prefix, out string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(prefix + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}
