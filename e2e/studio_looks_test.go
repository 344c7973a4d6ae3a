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

	"github.com/chromedp/chromedp"
)

// looksLayout is the board of issue 15: a styled button, a disabled one, a
// button without text and the default-sized label with a long text.
const looksLayout = `{
  "format": "mixstudio/1",
  "name": "Looks",
  "scenes": [
    {"sceneID": "default", "controls": [
      {"controlID": "styled", "kind": "button", "text": "Fire", "backgroundColor": "#aa2233", "textColor": "red",
       "borderColor": "#ffcc00", "cost": 50, "progress": 0.4,
       "position": [{"size": "large", "x": 2, "y": 2, "width": 14, "height": 7},
                    {"size": "medium", "x": 1, "y": 1, "width": 14, "height": 7},
                    {"size": "small", "x": 1, "y": 1, "width": 14, "height": 7}]},
      {"controlID": "off", "kind": "button", "text": "Off", "disabled": true,
       "position": [{"size": "large", "x": 18, "y": 2, "width": 10, "height": 5},
                    {"size": "medium", "x": 16, "y": 1, "width": 10, "height": 5},
                    {"size": "small", "x": 16, "y": 1, "width": 10, "height": 5}]},
      {"controlID": "blank", "kind": "button",
       "position": [{"size": "large", "x": 30, "y": 2, "width": 10, "height": 5},
                    {"size": "medium", "x": 27, "y": 1, "width": 10, "height": 5},
                    {"size": "small", "x": 1, "y": 9, "width": 10, "height": 5}]},
      {"controlID": "vote", "kind": "label", "text": "Vote for the next map!",
       "position": [{"size": "large", "x": 44, "y": 2, "width": 10, "height": 2},
                    {"size": "medium", "x": 1, "y": 10, "width": 10, "height": 2},
                    {"size": "small", "x": 1, "y": 16, "width": 10, "height": 2}]}
    ]}
  ],
  "groups": []
}`

// looksStyleJS reads what a viewer sees of a drawn control (the .pc
// element under sel): colours, border, font, the disabled look, texts.
func looksStyleJS(sel string) string {
	return fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return "";
		const cs = getComputedStyle(el);
		const q = (s) => el.querySelector(s);
		return JSON.stringify({
			background: cs.backgroundColor, color: cs.color,
			border: [cs.borderTopColor, cs.borderTopWidth, cs.borderTopStyle, cs.borderTopLeftRadius].join(" "),
			font: [cs.fontSize, cs.fontWeight, cs.fontFamily, cs.lineHeight].join(" "),
			size: [el.offsetWidth, el.offsetHeight].join("x"),
			opacity: cs.opacity, filter: cs.filter,
			text: (q(".pc-text") || el).textContent,
			cost: q(".pc-cost") ? q(".pc-cost").textContent + (q(".pc-cost").hidden ? " hidden" : "") : "",
			progress: q(".pc-progress-fill") ? q(".pc-progress-fill").style.width : "",
			disabled: el.classList.contains("disabled"),
		});
	})()`, sel)
}

// looksFitsJS reports whether a drawn control's text fits its box.
func looksFitsJS(sel string) string {
	return fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el || el.clientHeight === 0) return "not drawn";
		const fs = parseFloat(getComputedStyle(el).fontSize);
		if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) return "cut at " + fs + "px";
		if (el.hasAttribute("data-overflow")) return "marked cut";
		return fs >= 8 ? "fits" : "too small: " + fs + "px";
	})()`, sel)
}

// looksSetup imports the board, starts its game (ready) and returns the
// server, the editor's URL and the play page's URL.
func looksSetup(t *testing.T, layout string) (*server, string, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "looks.json")
	if err := os.WriteFile(file, []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, game, channel := playSetupFile(t, file)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := game.c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/studio")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(page), `href="/studio/versions/`)
	if i < 0 {
		t.Fatalf("no project on the projects page: %d", resp.StatusCode)
	}
	rest := string(page)[i+len(`href="`):]
	return srv, rest[:strings.IndexByte(rest, '"')], fmt.Sprintf("%s/play/%d", srv.URL, channel)
}

// The streamer sees what viewers see: one control's computed colours,
// border, font and texts are the same in the editor's canvas, the preview
// and the play page (items 2, 3, 4), at desktop, medium and phone widths.
func TestStudioControlsLookTheSameInEditorPreviewAndPlay(t *testing.T) {
	srv, editor, play := looksSetup(t, looksLayout)
	browser := newBrowser(t)
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()

	studioDo(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(srv.URL+editor))
	canvasView := func(id string) string {
		return `[data-testid=canvas] [data-testid=control][data-id=` + id + `] [data-testid=control-view]`
	}
	studioWait(t, ctx, `!!document.querySelector('`+canvasView("vote")+`')`)
	// The canvas uses the space beside the side panel (item 10).
	if w := studioEval[float64](t, ctx, `document.querySelector('[data-testid=canvas]').getBoundingClientRect().width`); w < 1000 {
		t.Errorf("the canvas is %.0f px wide in a 1440 px window", w)
	}
	studioShot(t, ctx, "styled-board-editor")
	inEditor := map[string]string{}
	for _, id := range []string{"styled", "off", "blank", "vote"} {
		inEditor[id] = studioEval[string](t, ctx, looksStyleJS(canvasView(id)))
	}
	var styled struct{ Background, Color, Border, Text, Cost, Progress string }
	if err := json.Unmarshal([]byte(inEditor["styled"]), &styled); err != nil {
		t.Fatal(err)
	}
	if styled.Background != "rgb(170, 34, 51)" || styled.Color != "rgb(255, 0, 0)" || !strings.HasPrefix(styled.Border, "rgb(255, 204, 0) ") ||
		styled.Text != "Fire" || styled.Cost != "✦ 50" || styled.Progress != "40%" {
		t.Fatalf("the editor ignores the styling: %s", inEditor["styled"])
	}
	if !strings.Contains(inEditor["off"], `"disabled":true`) || !strings.Contains(inEditor["off"], `"opacity":"0.45"`) {
		t.Fatalf("the editor does not show the disabled look: %s", inEditor["off"])
	}
	// A blank button is blank in the editor too, and says so (item 3).
	if !strings.Contains(inEditor["blank"], `"text":""`) {
		t.Fatalf("the editor shows text viewers do not see: %s", inEditor["blank"])
	}
	if n := studioEval[int](t, ctx, `document.querySelectorAll('[data-testid=control-warning]').length`); n != 1 ||
		studioEval[string](t, ctx, `document.querySelector('[data-testid=control-warning]').closest('[data-id]').dataset.id`) != "blank" {
		t.Fatalf("%d blank warnings, want one on the blank button", n)
	}
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=canvas] [data-id=blank]`)))
	studioWait(t, ctx, `(document.querySelector('[data-testid=props-warning]') || {}).textContent?.includes('empty button')`)
	// The label's text fits its default box (item 4).
	if got := studioEval[string](t, ctx, looksFitsJS(canvasView("vote"))); got != "fits" {
		t.Errorf("editor label: %s", got)
	}

	studioDo(t, ctx, chromedp.Navigate(srv.URL+editor+"/preview?scene=default"))
	previewView := func(id string) string {
		return `[data-testid=preview-grid][data-grid=large] [data-id=` + id + `] .pc`
	}
	studioWait(t, ctx, `!!document.querySelector('`+previewView("vote")+`')`)
	studioShot(t, ctx, "styled-board-preview")
	for id, want := range inEditor {
		if got := studioEval[string](t, ctx, looksStyleJS(previewView(id))); got != want {
			t.Errorf("%s differs in the preview:\n editor  %s\n preview %s", id, want, got)
		}
	}

	for _, w := range []struct {
		name          string
		width, height int64
		phone         bool
		grid          string
	}{
		{"desktop", 1440, 900, false, "large"},
		{"medium", 700, 900, false, "medium"},
		{"phone", 390, 844, true, "small"},
	} {
		tab := playOpen(t, browser, w.name, play, w.width, w.height, w.phone)
		tab.wait(t, "live", `document.querySelector("[data-testid=play-status]").dataset.state === "live" && document.querySelector("[data-testid=play-grid]").dataset.grid === "`+w.grid+`"`)
		tab.wait(t, "the board", `document.querySelectorAll("[data-testid=play-grid] [data-testid=control]").length === 4`)
		sel := func(id string) string { return `[data-testid=play-grid] [data-id=` + id + `]` }
		if got := playEval[string](t, tab, looksFitsJS(sel("vote"))); got != "fits" {
			t.Errorf("%s play page label: %s", w.name, got)
		}
		if w.grid == "large" {
			for id, want := range inEditor {
				if got := playEval[string](t, tab, looksStyleJS(sel(id))); got != want {
					t.Errorf("%s differs on the play page:\n editor %s\n play   %s", id, want, got)
				}
			}
		}
		tab.shot(t, "styled-board-play-"+w.name)
	}
}

// Every page shows every refusal (item 1): a bad import and a blank
// rename on the projects page, a refused request in the alert bar; the
// favicon is served and refusals log their path.
func TestStudioRefusalsShowOnEveryPage(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)
	dir := t.TempDir()
	files := map[string]string{"truncated.json": `{"format":"mixstudio/1","scenes":[{"sceneID":`, "notjson.txt": "hello", "foo.json": `{"foo":1}`}
	studioDo(t, ctx, chromedp.Navigate(srv.URL+"/studio"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-file]`)))
	// A click before htmx has bound the form submits it natively: the
	// browser then navigates to the answer and the screenshot below hits a
	// detached page.
	studioWait(t, ctx, `document.readyState === 'complete' && !!window.htmx`)
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		studioEval[bool](t, ctx, `(document.querySelector('[data-testid=import-errors]')?.remove(), true)`)
		studioDo(t, ctx,
			chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=import-file]`), []string{path}),
			chromedp.Click(chromedp.CSS(`[data-testid=import-submit]`)),
		)
		studioWait(t, ctx, `(document.querySelector('[data-testid=import-errors]') || {}).textContent?.includes('nothing was saved')`)
	}
	studioShot(t, ctx, "refused-import")

	// A blank rename is refused beside the name.
	studioDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=project-name]`), "Board"),
		chromedp.Click(chromedp.CSS(`[data-testid=create-project]`)),
	)
	studioWaitNavigation(t, ctx, `!!document.querySelector('[data-testid=canvas]')`)
	studioDo(t, ctx, chromedp.Navigate(srv.URL+"/studio"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=rename-project]`)))
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=rename-project]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=rename-name]')`)
	studioDo(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid=rename-name]`), "   "),
		chromedp.Click(chromedp.CSS(`[data-testid=rename-save]`)))
	studioWait(t, ctx, `(document.querySelector('[data-testid=rename-error]') || {}).textContent === 'a project needs a name'`)

	// A refusal with no form to show it in (here: duplicating a project
	// that another tab deleted) lands in the page's alert bar.
	studioEval[bool](t, ctx, `(() => { const b = document.querySelector('[data-testid=duplicate-project]'); b.setAttribute('hx-post', '/studio/projects/999999/duplicate'); htmx.process(b); return true; })()`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=duplicate-project]`)))
	studioWait(t, ctx, `(document.querySelector('[data-testid=page-alert]') || {hidden: true}).hidden === false`)
	if got := studioEval[string](t, ctx, `document.querySelector('[data-testid=page-alert-text]').textContent`); !strings.HasPrefix(got, "Not done (404): ") {
		t.Fatalf("alert bar: %q", got)
	}
	studioShot(t, ctx, "refused-alert")

	resp, err := http.Get(srv.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("favicon: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, err = http.Get(srv.URL + "/no/such/page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(srv.Stderr(), `path=/no/such/page status=404`) {
		if time.Now().After(deadline) {
			t.Fatalf("the refusal's path is not logged:\n%s", srv.Stderr())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(srv.Stderr(), `path="" `) {
		t.Fatalf("a refusal logged an empty path:\n%s", srv.Stderr())
	}
}

// looksEditor opens a fresh project's editor with one control added.
func looksEditor(t *testing.T, kind string) (*server, context.Context) {
	t.Helper()
	srv := startServer(t)
	ctx := newBrowser(t)
	studioDo(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(srv.URL+"/studio"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=create-project]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=project-name]`), "Board"),
		chromedp.Click(chromedp.CSS(`[data-testid=create-project]`)),
	)
	studioWaitNavigation(t, ctx, `!!document.querySelector('[data-testid=canvas][data-grid=large]') && document.readyState === 'complete'`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-`+kind+`]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=canvas] [data-testid=control]').length === 1 && !!document.querySelector('[data-testid=props-form]')`)
	return srv, ctx
}

// The property form: "Press a key" for keyCode, colour pickers beside the
// colour fields, gamepad buttons by name (item 6).
func TestStudioPropertyFormOffersKeysPickersAndNames(t *testing.T) {
	srv, ctx := looksEditor(t, "button")
	editor := studioEval[string](t, ctx, `location.pathname`)

	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=press-a-key]`)))
	studioWait(t, ctx, `document.querySelector('[data-testid=press-a-key]').textContent.startsWith('Press any key')`)
	studioDo(t, ctx, chromedp.KeyEvent("f"))
	studioWait(t, ctx, `document.querySelector('[data-testid=prop-keyCode]').value === '70' && document.querySelector('[data-testid=key-name]').textContent === 'Key: F'`)

	// The picker writes the text field; typing a colour name moves the picker.
	studioEval[bool](t, ctx, `(() => { const p = document.querySelector('[data-testid=picker-backgroundColor]'); p.value = '#aa2233'; p.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	if got := studioEval[string](t, ctx, `document.querySelector('[data-testid=prop-backgroundColor]').value`); got != "#aa2233" {
		t.Fatalf("the picker did not fill the field: %q", got)
	}
	studioDo(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=prop-textColor]`), "red"))
	studioWait(t, ctx, `document.querySelector('[data-testid=picker-textColor]').value === '#ff0000'`)

	names := studioEval[[]string](t, ctx, `[...document.querySelectorAll('[data-testid=prop-gamepadButton] option')].map(o => o.textContent)`)
	if len(names) != 17 || names[1] != "A (bottom) (0)" || names[16] != "D-pad right (15)" {
		t.Fatalf("gamepad buttons offered: %q", names)
	}
	studioDo(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid=prop-gamepadButton]`), "9"))
	studioDo(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid=prop-text]`), "Jump"))
	studioShot(t, ctx, "property-inputs")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=props-save]`)))
	studioWait(t, ctx, `(document.querySelector('[data-testid=props-saved]') || {}).textContent?.startsWith('Saved: ')`)
	layout := string(studioExport(t, srv.URL+editor+"/export"))
	for _, want := range []string{`"keyCode": 70`, `"gamepadButton": 9`, `"backgroundColor": "#aa2233"`, `"textColor": "red"`, `"text": "Jump"`} {
		if !strings.Contains(layout, want) {
			t.Errorf("export lacks %s:\n%s", want, layout)
		}
	}
}

// Undo history survives a reload; Paste says what it will paste and is
// disabled with nothing copied (item 8); switching tabs does not pile
// scene= and grid= up in the address (item 10).
func TestStudioUndoSurvivesReloadAndPasteSaysWhat(t *testing.T) {
	_, ctx := looksEditor(t, "button")
	if !studioEval[bool](t, ctx, `document.querySelector('[data-testid=paste]').disabled`) {
		t.Fatal("Paste is enabled with nothing copied")
	}
	studioDo(t, ctx, chromedp.Reload())
	studioWait(t, ctx, `document.readyState === 'complete' && !!document.querySelector('[data-testid=canvas] [data-testid=control]') && !document.querySelector('[data-testid=undo]').disabled`)
	if got := studioEval[string](t, ctx, `document.querySelector('[data-testid=undo]').title`); got != "Undo Add button (Ctrl+Z)" {
		t.Fatalf("undo after reload: %q", got)
	}
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=undo]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=canvas] [data-testid=control]').length === 0`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=redo]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=canvas] [data-testid=control]').length === 1`)

	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=canvas] [data-testid=control]`)))
	studioWait(t, ctx, `!document.querySelector('[data-testid=copy]').disabled`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=copy]`)))
	studioWait(t, ctx, `document.querySelector('[data-testid=paste]').textContent === 'Paste button-1' && !document.querySelector('[data-testid=paste]').disabled`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=paste]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=canvas] [data-testid=control]').length === 2`)

	for _, g := range []string{"medium", "small", "large", "medium"} {
		studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=grid-`+g+`]`)))
		studioWait(t, ctx, `!!document.querySelector('[data-testid=canvas][data-grid=`+g+`]')`)
	}
	if q := studioEval[string](t, ctx, `location.search`); strings.Count(q, "scene=") != 1 || strings.Count(q, "grid=") != 1 || strings.Contains(q, "sel=") {
		t.Fatalf("the address piles up: %s", q)
	}
}

// A joystick's resize follows the pointer's larger movement (item 9).
func TestStudioJoystickResizeFollowsTheLargerMovement(t *testing.T) {
	_, ctx := looksEditor(t, "joystick")
	joy := `[data-testid=canvas] [data-testid=control][data-kind=joystick]`
	before := studioEval[[]int](t, ctx, studioRectJS(joy))
	unit := studioEval[float64](t, ctx, `+document.querySelector('[data-testid=canvas]').dataset.unit`)
	h := studioEval[[]float64](t, ctx, `(() => { const r = document.querySelector('`+joy+` [data-testid=resize-handle]').getBoundingClientRect(); return [r.x + r.width/2, r.y + r.height/2]; })()`)
	studioDrag(t, ctx, h[0], h[1], 4*unit, -3*unit)
	want := before[2] + 4
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector(%q).dataset.w === '%d' && document.querySelector(%q).dataset.h === '%d'`, joy, want, joy, want))
}

// "Arrange this grid from Large": previewed, applied as one undo step
// (item 7).
func TestStudioArrangeMediumFromLargeInChromium(t *testing.T) {
	// Medium laid out by hand: styled at the bottom right.
	layout := strings.Replace(looksLayout, `{"size": "medium", "x": 1, "y": 1, "width": 14, "height": 7}`, `{"size": "medium", "x": 30, "y": 15, "width": 14, "height": 7}`, 1)
	srv, editor, _ := looksSetup(t, layout)
	ctx := newBrowser(t)
	studioDo(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(srv.URL+editor+"?scene=default&grid=medium"))
	studioWait(t, ctx, `document.readyState === 'complete' && !!document.querySelector('[data-testid=canvas][data-grid=medium] [data-id=styled]')`)
	rect := func(id string) []int {
		return studioEval[[]int](t, ctx, studioRectJS(`[data-testid=canvas] [data-id=`+id+`]`))
	}
	before := rect("styled")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=arrange-from-large]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=arrange-preview]')`)
	studioShot(t, ctx, "arrange-preview")
	shown := rect("styled")
	if shown[0] >= rect("off")[0] || shown[1] > rect("off")[1] {
		t.Fatalf("the preview does not follow large's reading order: styled %v, off %v", shown, rect("off"))
	}
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=arrange-apply]`)))
	studioWait(t, ctx, `!document.querySelector('[data-testid=arrange-preview]') && !document.querySelector('[data-testid=undo]').disabled`)
	if got := rect("styled"); fmt.Sprint(got[:4]) != fmt.Sprint(shown[:4]) {
		t.Fatalf("applied %v, previewed %v", got, shown)
	}
	// Arranged, medium now follows large (until edited by hand), and says so.
	studioWait(t, ctx, `!!document.querySelector('[data-testid=grid-follows-medium]')`)
	studioDo(t, ctx, chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector('[data-testid=canvas] [data-id=styled]').dataset.x === '%d'`, before[0]))
}
