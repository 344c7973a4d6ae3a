package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// hostileText is control text that must show as text, never run.
const hostileText = `<img src=x onerror=alert(1)>`

// TestStudioEditorEndToEnd designs a scene in chromium the way a streamer
// would: create a project, add a button and a joystick, drag and resize on
// the large grid with real mouse events, fill the small grid from the
// large one, edit properties (a refused value first), reload, export,
// import the file as a new project and compare.
func TestStudioEditorEndToEnd(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)
	downloads := t.TempDir()

	studioDo(t, ctx,
		chromedp.Navigate(srv.URL+"/studio"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=create-project]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=project-name]`), "Stream night"),
		chromedp.Click(chromedp.CSS(`[data-testid=create-project]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=canvas][data-grid=large]`)),
	)
	editorURL := studioEval[string](t, ctx, `location.pathname`)
	if !strings.HasPrefix(editorURL, "/studio/versions/") {
		t.Fatalf("create did not open the editor: %s", editorURL)
	}

	// A new control lands on all three grids at once.
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-button]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=control]').length === 1`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-joystick]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=control]').length === 2`)
	if n := studioEval[int](t, ctx, `document.querySelectorAll('[data-testid=missing-panel]').length`); n != 0 {
		t.Fatalf("new controls are flagged missing from a grid")
	}
	button := `[data-testid=control][data-kind=button]`
	joystick := `[data-testid=control][data-kind=joystick]`
	bx := studioEval[[]int](t, ctx, studioRectJS(button))
	jy := studioEval[[]int](t, ctx, studioRectJS(joystick))
	unit := studioEval[float64](t, ctx, `+document.querySelector('[data-testid=canvas]').dataset.unit`)
	t.Logf("button at %v, joystick at %v (grid units), %v px per unit", bx, jy, unit)

	// Drag the button 30 units right and 8 down with the mouse.
	from := studioEval[[]float64](t, ctx, studioCenterJS(button))
	studioDrag(t, ctx, from[0], from[1], 30*unit, 8*unit)
	want := fmt.Sprintf("%d,%d", bx[0]+30, bx[1]+8)
	studioWait(t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && e.dataset.x + ',' + e.dataset.y === %q && e.dataset.rev !== %q })()`, button, want, fmt.Sprint(bx[4])))

	// Resize it by its corner: 4 units wider, 2 taller. (The handle shows
	// once the swapped-in page has settled and re-selected the button.)
	studioWait(t, ctx, `document.querySelector('`+button+`').getAttribute('aria-selected') === 'true'`)
	handle := studioEval[[]float64](t, ctx, `(() => { const r = document.querySelector('`+button+` [data-testid=resize-handle]').getBoundingClientRect(); return [r.x + r.width/2, r.y + r.height/2]; })()`)
	studioDrag(t, ctx, handle[0], handle[1], 4*unit, 2*unit)
	studioWait(t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e.dataset.w === '%d' && e.dataset.h === '%d' })()`, button, bx[2]+4, bx[3]+2))
	// Moving onto the joystick is refused in the page and nothing is saved.
	studioWait(t, ctx, `document.querySelector('`+button+`').getAttribute('aria-selected') === 'true'`)
	before := studioEval[[]int](t, ctx, studioRectJS(button))
	from = studioEval[[]float64](t, ctx, studioCenterJS(button))
	to := studioEval[[]float64](t, ctx, studioCenterJS(joystick))
	studioDrag(t, ctx, from[0], from[1], to[0]-from[0], to[1]-from[1])
	studioWait(t, ctx, `!document.querySelector('[data-testid=editor-notice]').hidden`)
	if after := studioEval[[]int](t, ctx, studioRectJS(button)); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("an overlapping drop moved the button: %v -> %v", before, after)
	}
	studioShot(t, ctx, "editor-large")

	// Arrow keys nudge the selected control one unit.
	studioDo(t, ctx, chromedp.KeyEvent(kbArrowRight))
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector(%q).dataset.x === '%d'`, button, before[0]+1))

	// Medium, then small: take the button off small, see it flagged, fill.
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=grid-medium]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=canvas][data-grid=medium]')`)
	studioShot(t, ctx, "editor-medium")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=grid-small]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=canvas][data-grid=small]')`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(button)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=unplace]')`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=unplace]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=missing-control]').length === 1 && !!document.querySelector('[data-testid=scene-missing]')`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=fill-from-large]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=canvas] [data-testid=control]').length === 2 && !document.querySelector('[data-testid=missing-panel]')`)
	studioShot(t, ctx, "editor-small")

	// Properties, back on large: a refused value is shown beside its field,
	// in view, as typed; the valid field of the same form is saved, and the
	// form says which was and which was not.
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=grid-large]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=canvas][data-grid=large]')`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(button)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=props-form] [data-testid=prop-cost]')`)
	studioSetField(t, ctx, "prop-text", "Fire")
	studioSetField(t, ctx, "prop-cost", "-5")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=props-save]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=error-cost]')`)
	if v := studioEval[string](t, ctx, `document.querySelector('[data-testid=prop-text]').value + '|' + document.querySelector('[data-testid=prop-cost]').value`); v != "Fire|-5" {
		t.Fatalf("the form lost what was typed: %q", v)
	}
	// The message is where the streamer looks: on screen, beside its field.
	studioWait(t, ctx, `(() => { const r = document.querySelector('[data-testid=error-cost]').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`)
	if got := studioEval[string](t, ctx, `document.querySelector('[data-testid=props-saved]').textContent + ' / ' + document.querySelector('[data-testid=props-error]').textContent`); !strings.HasPrefix(got, "Saved: text. / Not saved: cost (") {
		t.Fatalf("the form does not say what was saved: %q", got)
	}
	layout := studioExport(t, srv.URL+editorURL+"/export")
	if !strings.Contains(string(layout), `"text": "Fire"`) || strings.Contains(string(layout), `"cost"`) {
		t.Fatalf("saved: %s", layout)
	}
	studioSetField(t, ctx, "prop-text", hostileText)
	studioSetField(t, ctx, "prop-cost", "25")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=props-save]`)))
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector(%q + ' [data-testid=control-text]').textContent === %q`, button, hostileText))
	if n := studioEval[int](t, ctx, `document.querySelectorAll('[data-testid=workspace] img').length`); n != 0 {
		t.Fatalf("control text became markup: %d img elements", n)
	}

	// Reload: everything persisted.
	final := studioEval[[]int](t, ctx, studioRectJS(button))
	studioDo(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=canvas]`)))
	if got := studioEval[[]int](t, ctx, studioRectJS(button)); fmt.Sprint(got[:4]) != fmt.Sprint(final[:4]) {
		t.Fatalf("after reload the button is at %v, want %v", got, final)
	}
	if got := studioEval[string](t, ctx, `document.querySelector('`+button+` [data-testid=control-text]').textContent`); got != hostileText {
		t.Fatalf("after reload the text is %q", got)
	}

	// Export from the page (a real download), import it as a new project.
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	studioDo(t, ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: studioPtr(true),
			})
			return err
		}),
		chromedp.Click(chromedp.CSS(`[data-testid=export]`)),
	)
	var exported string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			exported = filepath.Join(downloads, ev.GUID)
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the export download was cancelled")
		}
	}
	original, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	named := exported + ".json"
	if err := os.WriteFile(named, original, 0o644); err != nil {
		t.Fatal(err)
	}
	// The preview shows each grid at its real size: 12 px per unit.
	studioDo(t, ctx, chromedp.Navigate(srv.URL+editorURL+"/preview?scene=default"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=preview-page]`)))
	sizes := studioEval[[]float64](t, ctx, `[...document.querySelectorAll('[data-testid=preview-grid]')].flatMap(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])`)
	if fmt.Sprint(sizes) != "[960 240 540 300 360 480]" {
		t.Fatalf("preview grid sizes %v, want 80x20, 45x25 and 30x40 units of 12 px", sizes)
	}
	if n := studioEval[int](t, ctx, `document.querySelectorAll('[data-testid=preview-control]').length`); n != 6 {
		t.Fatalf("preview shows %d controls, want 2 on each grid", n)
	}
	studioShot(t, ctx, "preview")

	studioDo(t, ctx,
		chromedp.Navigate(srv.URL+"/studio"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-file]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=import-file]`), []string{named}),
		chromedp.Click(chromedp.CSS(`[data-testid=import-submit]`)),
	)
	studioWait(t, ctx, `!!document.querySelector('[data-testid=import-summary]')`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=open-imported]`)))
	studioWaitNavigation(t, ctx, fmt.Sprintf(`location.pathname.startsWith('/studio/versions/') && location.pathname !== %q && !!document.querySelector('[data-testid=canvas]')`, editorURL))
	importedURL := studioEval[string](t, ctx, `location.pathname`)
	studioDo(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=projects]`)))
	if n := studioEval[int](t, ctx, `document.querySelectorAll('[data-testid=project-row]').length`); n != 2 {
		t.Fatalf("the projects list shows %d projects after the import, want 2", n)
	}
	studioShot(t, ctx, "projects")
	studioDo(t, ctx, chromedp.Navigate(srv.URL+importedURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid=canvas]`)))
	copyJSON := studioExport(t, srv.URL+importedURL+"/export")
	if a, b := studioWithoutName(t, original), studioWithoutName(t, copyJSON); a != b {
		t.Fatalf("the imported project differs from the export:\n%s\n---\n%s", a, b)
	}
	if got := studioEval[string](t, ctx, `document.querySelector('`+button+` [data-testid=control-text]').textContent`); got != hostileText {
		t.Fatalf("imported button text %q", got)
	}
	studioShot(t, ctx, "editor-imported")
}

// kbArrowRight is the key chromedp sends for the right arrow.
const kbArrowRight = kb.ArrowRight

// leftHeld marks a mouse move made with the left button down.
func leftHeld(p *input.DispatchMouseEventParams) {
	p.Button = input.MouseButtonLeft
	p.Buttons = 1
}

func studioDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		screenshot(t, ctx, "failure")
		t.Fatal(err)
	}
}

func studioEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS waits until the expression is truthy in the page.
func studioWait(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		screenshot(t, ctx, "failure")
		t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// studioWaitNavigation is studioWait across a page load (HX-Redirect):
// evaluation fails while the old page goes away, so errors mean "not yet".
func studioWaitNavigation(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	screenshot(t, ctx, "failure")
	t.Fatalf("waiting for %s across a page load: timeout", expr)
}

// studioShot scrolls to the top and saves a screenshot.
func studioShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	studioEval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
	screenshot(t, ctx, name)
}

// studioRectJS reads a control's grid rectangle and revision: [x, y, w, h, rev].
func studioRectJS(sel string) string {
	return fmt.Sprintf(`(() => { const d = document.querySelector(%q).dataset; return [+d.x, +d.y, +d.w, +d.h, +d.rev]; })()`, sel)
}

func studioCenterJS(sel string) string {
	return fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [r.x + r.width/2, r.y + r.height/2]; })()`, sel)
}

// dragBy presses the left button at (x, y), moves in steps by (dx, dy) and
// releases: the input events a real mouse sends.
func studioDrag(t *testing.T, ctx context.Context, x, y, dx, dy float64) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
	}
	const n = 8
	for i := 1; i <= n; i++ {
		steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x+dx*float64(i)/n, y+dy*float64(i)/n, leftHeld))
	}
	steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x+dx, y+dy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	studioDo(t, ctx, steps...)
}

// setField replaces an input's value as typing would.
func studioSetField(t *testing.T, ctx context.Context, testid, value string) {
	t.Helper()
	sel := chromedp.CSS(`[data-testid=` + testid + `]`)
	studioDo(t, ctx, chromedp.SetValue(sel, value))
}

func studioExport(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}

// withoutName is a layout's scenes and groups, for comparing a project
// with its imported copy (which is named apart).
func studioWithoutName(t *testing.T, layout []byte) string {
	t.Helper()
	var l map[string]json.RawMessage
	if err := json.Unmarshal(layout, &l); err != nil {
		t.Fatalf("layout is not JSON: %v\n%s", err, layout)
	}
	delete(l, "name")
	out, _ := json.Marshal(l)
	return string(out)
}

func studioPtr[T any](v T) *T { return &v }

// TestStudioEditorKeyboardSelectionUndoAndStaleTab drives the editor's
// keyboard and mouse shortcuts: shift-click multi-select dragged together,
// Ctrl+Z / Ctrl+Shift+Z (each a real save), Ctrl+C / Ctrl+V of a control
// onto a taken place, and a second tab's edit making the first tab's save
// stale.
func TestStudioEditorKeyboardSelectionUndoAndStaleTab(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)
	studioDo(t, ctx,
		chromedp.Navigate(srv.URL+"/studio"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=create-project]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=project-name]`), "Keys"),
		chromedp.Click(chromedp.CSS(`[data-testid=create-project]`)),
	)
	studioWaitNavigation(t, ctx, `!!document.querySelector('[data-testid=canvas]')`)
	editorURL := studioEval[string](t, ctx, `location.href`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-button]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=control]').length === 1`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-label]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=control]').length === 2`)
	button := `[data-testid=control][data-kind=button]`
	label := `[data-testid=control][data-kind=label]`
	b0 := studioEval[[]int](t, ctx, studioRectJS(button))
	l0 := studioEval[[]int](t, ctx, studioRectJS(label))

	// A rubber band drawn from the empty grid around both selects both.
	b := studioEval[[]float64](t, ctx, `(() => { const r = document.querySelector('[data-testid=canvas]').getBoundingClientRect(); return [r.right - 4, r.bottom - 4, r.left + 2, r.top + 2]; })()`)
	studioDrag(t, ctx, b[0], b[1], b[2]-b[0], b[3]-b[1])
	studioWait(t, ctx, `mixstudioEditor.selected().length === 2 && !document.querySelector('[data-testid=selection-band]')`)
	// A click on the empty grid clears the selection.
	studioDo(t, ctx, chromedp.MouseClickXY(b[0], b[1]))
	studioWait(t, ctx, `mixstudioEditor.selected().length === 0`)

	// Keyboard only: a focused control is selected with Enter.
	studioDo(t, ctx, chromedp.Focus(chromedp.CSS(label)), chromedp.KeyEvent(kb.Enter))
	studioWait(t, ctx, `mixstudioEditor.selected().length === 1 && mixstudioEditor.selected()[0] === 'label-1'`)

	// Click the button, shift-click the label: both selected.
	p := studioEval[[]float64](t, ctx, studioCenterJS(button))
	studioDo(t, ctx, chromedp.MouseClickXY(p[0], p[1]))
	studioWait(t, ctx, `mixstudioEditor.selected().length === 1`)
	p = studioEval[[]float64](t, ctx, studioCenterJS(label))
	studioDo(t, ctx, chromedp.MouseClickXY(p[0], p[1], chromedp.ButtonModifiers(chromedp.ModifierShift)))
	studioWait(t, ctx, `mixstudioEditor.selected().length === 2 && document.querySelectorAll('[data-testid=control][aria-selected=true]').length === 2`)

	// Drag the two together 20 units right, 6 down.
	unit := studioEval[float64](t, ctx, `+document.querySelector('[data-testid=canvas]').dataset.unit`)
	p = studioEval[[]float64](t, ctx, studioCenterJS(button))
	studioDrag(t, ctx, p[0], p[1], 20*unit, 6*unit)
	moved := fmt.Sprintf(`(() => { const b = document.querySelector(%q).dataset, l = document.querySelector(%q).dataset;
		return b.x === '%d' && b.y === '%d' && l.x === '%d' && l.y === '%d'; })()`, button, label, b0[0]+20, b0[1]+6, l0[0]+20, l0[1]+6)
	home := fmt.Sprintf(`(() => { const b = document.querySelector(%q).dataset, l = document.querySelector(%q).dataset;
		return b.x === '%d' && b.y === '%d' && l.x === '%d' && l.y === '%d'; })()`, button, label, b0[0], b0[1], l0[0], l0[1])
	studioWait(t, ctx, moved)

	// Ctrl+Z puts both back (saved: a reload agrees), Ctrl+Shift+Z redoes.
	studioDo(t, ctx, chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	studioWait(t, ctx, home)
	studioDo(t, ctx, chromedp.Reload())
	studioWaitNavigation(t, ctx, home)
	studioWait(t, ctx, `mixstudioEditor.redoDepth() === 1`)
	studioDo(t, ctx, chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl, chromedp.ModifierShift)))
	studioWait(t, ctx, moved)
	// The Undo button does the same as Ctrl+Z.
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=undo]`)))
	studioWait(t, ctx, home)

	// Copy the button and paste: the copy cannot land on the original, so
	// it goes to the nearest free place; it becomes the selection.
	p = studioEval[[]float64](t, ctx, studioCenterJS(button))
	studioDo(t, ctx, chromedp.MouseClickXY(p[0], p[1]))
	studioWait(t, ctx, `mixstudioEditor.selected().length === 1`)
	studioDo(t, ctx,
		chromedp.KeyEvent("c", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent("v", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
	)
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=canvas] [data-testid=control]').length === 3`)
	studioWait(t, ctx, `mixstudioEditor.selected().length === 1 && mixstudioEditor.selected()[0] !== 'button-1'`)
	overlap := studioEval[bool](t, ctx, `(() => {
		const r = [...document.querySelectorAll('[data-testid=canvas] [data-testid=control]')].map(e => e.dataset).map(d => [+d.x, +d.y, +d.w, +d.h]);
		return r.some((a, i) => r.some((b, j) => i !== j && a[0] < b[0]+b[2] && b[0] < a[0]+a[2] && a[1] < b[1]+b[3] && b[1] < a[1]+a[3]));
	})()`)
	if overlap {
		t.Fatal("the pasted control overlaps another")
	}
	// Shift+arrow nudges by 5 units.
	pasted := `[data-testid=control][aria-selected=true]`
	px := studioEval[[]int](t, ctx, studioRectJS(pasted))
	studioDo(t, ctx, chromedp.KeyEvent(kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierShift)))
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector(%q).dataset.x === '%d'`, pasted, px[0]+5))

	// A second tab moves the label; the first tab's nudge is then stale.
	tab2, cancel := chromedp.NewContext(ctx)
	defer cancel()
	studioDo(t, tab2, chromedp.Navigate(editorURL), chromedp.WaitVisible(chromedp.CSS(label)))
	p = studioEval[[]float64](t, tab2, studioCenterJS(label))
	studioDo(t, tab2, chromedp.MouseClickXY(p[0], p[1]))
	studioWait(t, tab2, `mixstudioEditor.selected().length === 1`)
	studioDo(t, tab2, chromedp.KeyEvent(kb.ArrowRight))
	studioWait(t, tab2, fmt.Sprintf(`document.querySelector(%q).dataset.x === '%d'`, label, l0[0]+1))

	p = studioEval[[]float64](t, ctx, studioCenterJS(label))
	studioDo(t, ctx, chromedp.MouseClickXY(p[0], p[1]))
	studioWait(t, ctx, `mixstudioEditor.selected().length === 1`)
	studioDo(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=stale-message]')`)
	msg := studioEval[string](t, ctx, `document.querySelector('[data-testid=stale-message]').textContent`)
	if !strings.Contains(msg, "changed in another tab") || !strings.Contains(msg, "reload") {
		t.Fatalf("stale message %q", msg)
	}
	// The page now shows the saved state: the other tab's move, not ours.
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector(%q).dataset.x === '%d' && document.querySelector(%q).dataset.y === '%d'`, label, l0[0]+1, label, l0[1]))
	studioShot(t, ctx, "editor-stale")
}
