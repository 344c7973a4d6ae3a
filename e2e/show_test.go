package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// showLayout is a soundboard without reactions: the streamer adds them in
// the editor.
const showLayout = `{"format":"mixstudio/1","name":"Show night","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"horn","kind":"button","text":"Horn","position":[{"size":"large","width":10,"height":6,"x":0,"y":0},{"size":"medium","width":10,"height":6,"x":0,"y":0},{"size":"small","width":10,"height":6,"x":0,"y":0}]},
  {"controlID":"yes","kind":"button","text":"Yes","position":[{"size":"large","width":10,"height":6,"x":12,"y":0},{"size":"medium","width":10,"height":6,"x":12,"y":0},{"size":"small","width":10,"height":6,"x":0,"y":7}]},
  {"controlID":"no","kind":"button","text":"No","position":[{"size":"large","width":10,"height":6,"x":24,"y":0},{"size":"medium","width":10,"height":6,"x":24,"y":0},{"size":"small","width":10,"height":6,"x":0,"y":14}]}]}],
 "groups":[{"groupID":"default","sceneID":"default"}]}`

// webhookSink is a loopback webhook receiver.
type webhookSink struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []map[string]any
	got    chan struct{}
}

func newWebhookSink(t *testing.T) *webhookSink {
	w := &webhookSink{got: make(chan struct{}, 1024)}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct {
			Events []map[string]any `json:"events"`
		}
		if err := json.Unmarshal(b, &body); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(rw, "bad body", http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.events = append(w.events, body.Events...)
		w.mu.Unlock()
		for range body.Events {
			w.got <- struct{}{}
		}
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhookSink) all() []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]map[string]any(nil), w.events...)
}

// Must show (issue 14): a streamer sets a 5 s cooldown, an alert and a
// vote in the editor, goes live, two viewers press on their play pages;
// the overlay shows the alert with the viewer's name on a transparent
// page and its vote bar moves; the second press within 5 s is refused
// with the countdown on the viewer's page; a loopback webhook gets the
// press.
func TestShowReactionsAndOverlayInChromium(t *testing.T) {
	sink := newWebhookSink(t)
	srv := startServer(t, "--allow-private-webhooks")
	file := filepath.Join(t.TempDir(), "show.json")
	if err := os.WriteFile(file, []byte(showLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	version := srv.cli(t, "import", file)
	browser := newBrowser(t)
	ctx := browser

	// The streamer adds reactions in the editor's panel.
	studioDo(t, ctx, chromedp.Navigate(srv.URL+"/studio/versions/"+version),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=canvas]`)))
	add := func(control, kind string, fields [][2]string) {
		t.Helper()
		studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=control][data-id=`+control+`]`)))
		studioWait(t, ctx, `!!document.querySelector('[data-testid=reactions][data-control=`+control+`]')`)
		n := studioEval[int](t, ctx, `document.querySelectorAll('[data-testid=reaction]').length`)
		chooseKind(t, ctx, kind)
		for _, f := range fields {
			studioSetField(t, ctx, "reaction-"+f[0], f[1])
		}
		studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=reaction-add]`)))
		studioWait(t, ctx, fmt.Sprintf(`document.querySelectorAll('[data-testid=reaction]').length === %d`, n+1))
	}
	add("horn", "cooldown", [][2]string{{"seconds", "5"}, {"group", "sounds"}})
	add("horn", "alert", [][2]string{{"text", "{username} sounded the horn!"}, {"seconds", "4"}})
	add("horn", "webhook", [][2]string{{"url", sink.srv.URL + "/hook"}})
	// A refusal is shown at the form, in words.
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=control][data-id=yes]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=reactions][data-control=yes]')`)
	chooseKind(t, ctx, "vote")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=reaction-add]`)))
	studioWait(t, ctx, `(document.querySelector('[data-testid=reactions-error]')?.textContent || '').includes('the name is required')`)
	add("yes", "vote", [][2]string{{"name", "poll"}, {"show", "progress"}})
	add("no", "vote", [][2]string{{"name", "poll"}, {"show", "progress"}})
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=control][data-id=horn]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=reactions][data-control=horn] [data-testid=reaction]').length === 3`)
	if txt := studioEval[string](t, ctx, `document.querySelector('[data-testid=reaction-list]').textContent`); !strings.Contains(txt, "Cool down every control of group “sounds” for 5 s") {
		t.Fatalf("reactions in plain words: %q", txt)
	}
	studioEval[bool](t, ctx, `(document.querySelector('[data-testid=reactions]').scrollIntoView({block: "start"}), true)`)
	screenshot(t, ctx, "editor-reactions")

	// Live, with the overlay URL from the console page (the CLI prints the same).
	studioDo(t, ctx, chromedp.Navigate(srv.URL+"/studio/versions/"+version+"/live"))
	studioWait(t, ctx, `document.getElementById("live").dataset.stream === "open"`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-go]`)))
	studioWait(t, ctx, `document.querySelector("[data-testid=live-state]").dataset.state === "live"`)
	overlayURL := studioEval[string](t, ctx, `document.querySelector('[data-testid=live-overlay-url]').value`)
	if cli := srv.cli(t, "overlay", "--url", srv.URL); cli != overlayURL {
		t.Fatalf("console shows %q, the CLI prints %q", overlayURL, cli)
	}
	channel := studioEval[string](t, ctx, `document.getElementById("live").dataset.channel`)
	if code := httpStatus(t, strings.Split(overlayURL, "?")[0]); code != http.StatusForbidden {
		t.Fatalf("the overlay without its key: %d", code)
	}

	overlay := playOpen(t, browser, "overlay", overlayURL+"&position=top-left", 1280, 720, false)
	overlay.do(t, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		// OBS composites the page over the stream: draw it on nothing.
		_, err := cdp.Call(ctx, tgt, setBackground, map[string]any{"color": map[string]any{"r": 0, "g": 0, "b": 0, "a": 0}})
		return err
	}))
	overlay.wait(t, "the overlay live", `document.body.dataset.state === "live"`)

	playURL := "/play/" + channel
	alice := playSignUp(t, browser, srv, "alice", playURL)
	bob := playSignUp(t, browser, srv, "bob", playURL)

	x, y := alice.center(t, "horn")
	alice.mouseClick(t, x, y)
	overlay.wait(t, "alice's alert", `!document.querySelector('[data-testid=overlay-alert]').hidden && document.querySelector('[data-testid=overlay-alert-text]').textContent === "alice sounded the horn!"`)
	overlay.shot(t, "alert")

	// Bob sees the countdown and his press is refused on his page.
	bob.wait(t, "the horn cooling down", `/^[2-5]s$/.test(document.querySelector('[data-testid=control][data-id=horn] [data-testid=cooldown]').textContent)`)
	x, y = bob.center(t, "horn")
	bob.mouseClick(t, x, y)
	bob.wait(t, "the refusal", `[...document.querySelectorAll('[data-testid=toast]')].some(e => /Cooling down: [1-5] s left/.test(e.textContent))`)
	bob.shot(t, "cooldown")

	select {
	case <-sink.got:
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook receiver got nothing")
	}
	if evs := sink.all(); len(evs) != 1 || evs[0]["control"] != "horn" || evs[0]["username"] != "alice" {
		t.Fatalf("webhook events %v", evs)
	}

	// The vote: two for yes, one for no; the overlay's bars move and the
	// viewers' buttons show the shares.
	x, y = alice.center(t, "yes")
	alice.mouseClick(t, x, y)
	overlay.wait(t, "yes at 100%", `document.querySelector('[data-testid=overlay-vote] [data-option=yes]')?.dataset.share === "1.000"`)
	x, y = bob.center(t, "yes")
	bob.mouseClick(t, x, y)
	x, y = bob.center(t, "no")
	bob.mouseClick(t, x, y)
	overlay.wait(t, "yes at 2/3", `document.querySelector('[data-testid=overlay-vote] [data-option=yes]')?.dataset.share === "0.667" && document.querySelector('[data-testid=overlay-vote] [data-option=no]')?.dataset.share === "0.333"`)
	alice.wait(t, "the yes button's bar", `parseFloat(getComputedStyle(document.querySelector('[data-testid=control][data-id=yes] .pc-progress-fill')).width) > 0`)
	overlay.wait(t, "the bar drawn", `parseFloat(getComputedStyle(document.querySelector('[data-option=yes] .overlay-vote-fill')).width) > 0`)
	if !overlay.transparent(t) {
		t.Fatal("the overlay's page is not transparent")
	}
	path := overlay.shotPath(t, "vote")
	checkTransparentCorner(t, path)
	if len(sink.all()) != 1 {
		t.Fatalf("votes reached the horn's webhook: %v", sink.all())
	}
}

// chooseKind picks a kind in the add form and waits until the panel has
// been swapped for that kind's form (the old form's fields may have the
// same names: typing into them before the swap would be lost).
func chooseKind(t *testing.T, ctx context.Context, kind string) {
	t.Helper()
	studioEval[bool](t, ctx, fmt.Sprintf(`(() => { document.querySelector('[data-testid=reactions]').dataset.old = "1"; const s = document.querySelector('[data-testid=reaction-kind]'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, kind))
	studioWait(t, ctx, fmt.Sprintf(`(() => { const p = document.querySelector('[data-testid=reactions]'); return p && !p.dataset.old && p.querySelector('[data-testid=reaction-kind]').value === %q })()`, kind))
}

// setBackground is Emulation.setDefaultBackgroundColorOverride with a raw
// color: the typed one drops an alpha of 0 (omitzero), i.e. opaque.
var setBackground = cdp.Command[map[string]any, cdp.Empty]{Method: "Emulation.setDefaultBackgroundColorOverride"}

func httpStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// transparent reports whether the page paints no background of its own.
func (p *playTab) transparent(t *testing.T) bool {
	return playEval[bool](t, p, `["html", "body"].every(s => getComputedStyle(document.querySelector(s)).backgroundColor === "rgba(0, 0, 0, 0)")`)
}

func (p *playTab) shotPath(t *testing.T, name string) string {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // the bars' transition
	return screenshot(t, p.ctx, p.name+"-"+name)
}

// checkTransparentCorner reads the screenshot: away from the boxes (the
// bottom-right corner, the boxes sit top-left) nothing is painted.
func checkTransparentCorner(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r := img.Bounds()
	if _, _, _, a := img.At(r.Max.X-5, r.Max.Y-5).RGBA(); a != 0 {
		t.Fatalf("the screenshot's corner has alpha %d: the overlay paints a background", a)
	}
	if _, _, _, a := img.At(r.Min.X+20, r.Min.Y+20).RGBA(); a == 0 {
		t.Fatalf("nothing drawn where the boxes are (top-left)")
	}
}
