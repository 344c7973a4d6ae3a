package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func TestStudioProjectsCreateRenameDuplicateDelete(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Stream night")

	rec := get(t, h, "/studio")
	d := doc(t, rec)
	if rec.Code != http.StatusOK || d.Find(testid("project-row")).Length() != 1 || d.Find(testid("project-link")).Text() != "Stream night" {
		t.Fatalf("list: %d %s", rec.Code, rec.Body.String())
	}
	if href, _ := d.Find(testid("project-link")).Attr("href"); href != base {
		t.Fatalf("project links to %q, want its draft %q", href, base)
	}
	id, _ := d.Find(testid("project-row")).Attr("data-project")

	// A refused name stays in the form with its error; nothing changes.
	rec = studioPost(t, h, "/studio/projects/"+id+"/rename", url.Values{"name": {"   "}})
	d = doc(t, rec)
	if rec.Code != http.StatusUnprocessableEntity || d.Find(testid("rename-error")).Length() != 1 {
		t.Fatalf("empty rename: %d %s", rec.Code, rec.Body.String())
	}
	rec = studioPost(t, h, "/studio/projects/"+id+"/rename", url.Values{"name": {"Raid night"}})
	if d = doc(t, rec); rec.Code != http.StatusOK || d.Find(testid("project-link")).Text() != "Raid night" {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body.String())
	}

	rec = studioPost(t, h, "/studio/projects/"+id+"/duplicate", nil)
	if d = doc(t, rec); rec.Code != http.StatusOK || d.Find(testid("project-row")).Length() != 2 || !strings.Contains(d.Find(testid("projects")).Text(), "Raid night (copy)") {
		t.Fatalf("duplicate: %d %s", rec.Code, rec.Body.String())
	}

	// Deleting needs the confirmation step.
	rec = studioPost(t, h, "/studio/projects/"+id+"/delete", nil)
	if d = doc(t, rec); rec.Code != http.StatusUnprocessableEntity || d.Find(testid("confirm-delete")).Length() != 1 || d.Find(testid("project-row")).Length() != 2 {
		t.Fatalf("unconfirmed delete: %d %s", rec.Code, rec.Body.String())
	}
	rec = studioPost(t, h, "/studio/projects/"+id+"/delete", url.Values{"confirm": {"yes"}})
	if d = doc(t, rec); rec.Code != http.StatusOK || d.Find(testid("project-row")).Length() != 1 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body.String())
	}
	if rec := get(t, h, base); rec.Code != http.StatusNotFound {
		t.Fatalf("the deleted project's editor answers %d", rec.Code)
	}
}

func TestStudioCreateProjectRefusesEmptyName(t *testing.T) {
	s := newTestServer(t)
	rec := studioPost(t, s.Handler(), "/studio/projects", url.Values{"name": {""}})
	d := doc(t, rec)
	if rec.Code != http.StatusUnprocessableEntity || d.Find(testid("create-project-error")).Length() != 1 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if d.Find(testid("project-row")).Length() != 0 {
		t.Fatal("a project was created")
	}
}

func TestStudioCrossSiteFormIsRefused(t *testing.T) {
	s := newTestServer(t)
	req := httptest.NewRequest(http.MethodPost, "/studio/projects", strings.NewReader("name=evil"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site create: %d", rec.Code)
	}
	if ps, _ := s.db.FindProjects(context.Background(), mustOwner(t, s).ID); len(ps) != 0 {
		t.Fatal("the cross-site form created a project")
	}
}

func mustOwner(t *testing.T, s *Server) studio.User {
	t.Helper()
	u, err := s.owner(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestStudioEditorPageShowsSceneOnGrid(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "Show")
	addControl(t, s, base, "button")
	addControl(t, s, base, "joystick")
	for _, g := range studio.Grids {
		rec := get(t, s.Handler(), base+"?grid="+g.Name)
		d := doc(t, rec)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", g.Name, rec.Code)
		}
		canvas := d.Find(testid("canvas"))
		if w, _ := canvas.Attr("data-width"); w != strconv.Itoa(g.Width) {
			t.Fatalf("%s canvas width %q", g.Name, w)
		}
		if n := canvas.Find(testid("control")).Length(); n != 2 {
			t.Fatalf("%s grid shows %d controls, want both (placed on all grids)", g.Name, n)
		}
		if d.Find(`link[href="/static/css/studio.css"]`).Length() != 1 || d.Find(`script[src="/static/js/editor.js"]`).Length() != 1 {
			t.Fatal("the editor page lacks its assets")
		}
		if d.Find(testid("grid-"+g.Name)).HasClass("current") != true {
			t.Fatalf("grid switch does not mark %s", g.Name)
		}
	}
}

func TestStudioMoveSavesAndRefusesOverlapAndStaleRevision(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Moves")
	btn := addControl(t, s, base, "button")
	joy := addControl(t, s, base, "joystick")

	rec := studioPost(t, h, base+"/move", moveForm(btn, "large", 40, 10, 12, 6))
	if rec.Code != http.StatusOK {
		t.Fatalf("move: %d %s", rec.Code, rec.Body.String())
	}
	saved := savedScene(t, s, base, "default")
	if p := positionOn(t, saved.Control(btn.ControlID), "large"); p != (studio.Position{Size: "large", X: 40, Y: 10, Width: 12, Height: 6}) {
		t.Fatalf("saved %+v", p)
	}
	// A fresh board's medium and small have not been edited by hand: they
	// follow large, in the same save.
	if positionOn(t, saved.Control(btn.ControlID), "small") == positionOn(t, &btn, "small") ||
		!strings.Contains(doc(t, rec).Find(testid("flash")).Text(), "followed the large layout") {
		t.Fatal("small did not follow a move on large")
	}
	// Edited by hand, small stops following.
	cur := *saved.Control(btn.ControlID)
	if rec := studioPost(t, h, base+"/move", moveForm(cur, "small", 0, 30, 10, 5)); rec.Code != http.StatusOK {
		t.Fatalf("move on small: %d", rec.Code)
	}
	cur = savedControl(t, s, base, btn.ControlID)
	if rec := studioPost(t, h, base+"/move", moveForm(cur, "large", 40, 10, 12, 6)); rec.Code != http.StatusOK {
		t.Fatalf("move back: %d", rec.Code)
	}
	if p := positionOn(t, ptr(savedControl(t, s, base, btn.ControlID)), "small"); p.X != 0 || p.Y != 30 {
		t.Fatalf("small followed large after a hand edit: %+v", p)
	}
	saved = savedScene(t, s, base, "default")

	// Onto the joystick: 422, nothing saved.
	jp := positionOn(t, &joy, "large")
	moved := *saved.Control(btn.ControlID)
	rec = studioPost(t, h, base+"/move", moveForm(moved, "large", jp.X, jp.Y, 12, 6))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "overlaps") {
		t.Fatalf("overlap: %d %s", rec.Code, rec.Body.String())
	}
	// Off the grid: 422.
	rec = studioPost(t, h, base+"/move", moveForm(moved, "large", 75, 10, 12, 6))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("off the grid: %d", rec.Code)
	}
	if now := savedScene(t, s, base, "default"); positionOn(t, now.Control(btn.ControlID), "large").X != 40 {
		t.Fatal("a refused move was saved")
	}

	// With the revision from before the first move: another tab's view.
	rec = studioPost(t, h, base+"/move", moveForm(btn, "large", 60, 0, 10, 5))
	d := doc(t, rec)
	if rec.Code != http.StatusConflict || d.Find(testid("stale-message")).Length() != 1 ||
		!strings.Contains(d.Find(testid("stale-message")).Text(), "changed in another tab") {
		t.Fatalf("stale move: %d %s", rec.Code, rec.Body.String())
	}
	if now := savedScene(t, s, base, "default"); positionOn(t, now.Control(btn.ControlID), "large").X != 40 {
		t.Fatal("a stale move overwrote the saved one")
	}
}

// propsForm is the properties form of a control as the page posts it.
func propsForm(c studio.Control, grid string, set map[string]string) url.Values {
	f := url.Values{"control": {c.ControlID}, "revision": {strconv.FormatInt(c.Revision, 10)}, "scene": {"default"}, "grid": {grid}}
	for _, p := range studio.PropertiesOf(c.Kind) {
		v, _ := c.Get(p.Name)
		f.Set(p.Name, v)
	}
	if p, ok := c.PositionOn(grid); ok {
		f.Set("x", strconv.Itoa(p.X))
		f.Set("y", strconv.Itoa(p.Y))
		f.Set("width", strconv.Itoa(p.Width))
		f.Set("height", strconv.Itoa(p.Height))
	}
	for k, v := range set {
		f.Set(k, v)
	}
	return f
}

// A form with one refused field saves the valid ones, keeps the refused
// value as typed beside its message, and says what was and was not saved.
func TestStudioPropertiesSavesValidFieldsAndKeepsRefusedOnesAsTyped(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Props")
	btn := addControl(t, s, base, "button")
	addControl(t, s, base, "joystick")

	for _, tc := range []struct {
		name, field, typed string
	}{
		{"negative cost", "cost", "-5"},
		{"not a number", "cost", "ten"},
		{"progress above 1", "progress", "1.5"},
		{"bad colour", "textColor", "url(javascript:x)"},
		{"key code above 255", "keyCode", "300"},
		{"position off the grid", "x", "79"},
		{"position not a number", "y", "up"},
		{"custom not an object", "custom", "[1,2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := savedControl(t, s, base, btn.ControlID)
			text := "Fire " + tc.name
			rec := studioPost(t, h, base+"/properties", propsForm(cur, "large", map[string]string{"text": text, tc.field: tc.typed}))
			d := doc(t, rec)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			errEl := d.Find(testid("error-" + tc.field))
			if errEl.Length() != 1 || strings.TrimSpace(errEl.Text()) == "" {
				t.Fatalf("no error beside %s: %s", tc.field, d.Find(testid("props")).Text())
			}
			// The error sits in the field's own box, next to its input.
			field := errEl.Parent().Find(testid("prop-" + tc.field))
			if field.Length() != 1 {
				t.Fatalf("the %s error is not beside its input", tc.field)
			}
			typed, _ := field.Attr("value")
			if tc.field == "custom" {
				typed = field.Text()
			}
			if typed != tc.typed {
				t.Fatalf("the refused %s lost what was typed: %q", tc.field, typed)
			}
			saved := savedControl(t, s, base, btn.ControlID)
			if txt, _ := saved.Get("text"); txt != text {
				t.Fatalf("the valid text was not saved: %q", txt)
			}
			if string(mustJSON(t, withText(saved, ""))) != string(mustJSON(t, withText(cur, ""))) {
				t.Fatalf("the refused %s was saved: %s", tc.field, mustJSON(t, saved))
			}
			if got := d.Find(testid("props-saved")).Text(); got != "Saved: text." {
				t.Fatalf("saved summary %q", got)
			}
			if got := d.Find(testid("props-error")).Text(); !strings.HasPrefix(got, "Not saved: ") || !strings.Contains(got, "(") {
				t.Fatalf("not-saved summary %q", got)
			}
			// The form carries the new revision: saving again works.
			if rev, _ := d.Find(testid("props-revision")).Attr("value"); rev != strconv.FormatInt(saved.Revision, 10) {
				t.Fatalf("form revision %s, saved %d", rev, saved.Revision)
			}
		})
	}

	// Only a refused field changed: nothing is saved, 422.
	cur := savedControl(t, s, base, btn.ControlID)
	rec := studioPost(t, h, base+"/properties", propsForm(cur, "large", map[string]string{"cost": "-1"}))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("only a refused field: %d", rec.Code)
	}
	if after := savedControl(t, s, base, btn.ControlID); after.Revision != cur.Revision {
		t.Fatalf("a form with nothing valid saved something")
	}
	if got := doc(t, rec).Find(testid("props-saved")).Length(); got != 0 {
		t.Fatalf("a refused form says it saved something")
	}

	btn = savedControl(t, s, base, btn.ControlID)
	rec = studioPost(t, h, base+"/properties", propsForm(btn, "large", map[string]string{"text": "Fire", "cost": "25", "custom": `{"glow":{"color":"#f00"}}`}))
	if rec.Code != http.StatusOK {
		t.Fatalf("valid form: %d %s", rec.Code, rec.Body.String())
	}
	sc := savedScene(t, s, base, "default")
	saved := sc.Control(btn.ControlID)
	if txt, _ := saved.Get("text"); txt != "Fire" {
		t.Fatalf("text %q", txt)
	}
	if cost, _ := saved.Get("cost"); cost != "25" || string(saved.Custom["glow"]) != `{"color":"#f00"}` {
		t.Fatalf("cost %q custom %s", cost, saved.Custom)
	}

	// The same form again, built on the old revision: 409, nothing saved.
	rec = studioPost(t, h, base+"/properties", propsForm(btn, "large", map[string]string{"text": "Other tab"}))
	d := doc(t, rec)
	if rec.Code != http.StatusConflict || d.Find(testid("stale-message")).Length() != 1 {
		t.Fatalf("stale form: %d %s", rec.Code, rec.Body.String())
	}
	// The refused form keeps the revision it was built on: saving it again
	// must not overwrite the other change either.
	if rev := d.Find(testid("props-revision")).AttrOr("value", ""); rev != strconv.FormatInt(btn.Revision, 10) {
		t.Fatalf("a stale form took the new revision %s (built on %d)", rev, btn.Revision)
	}
	sc = savedScene(t, s, base, "default")
	if txt, _ := sc.Control(btn.ControlID).Get("text"); txt != "Fire" {
		t.Fatalf("a stale form overwrote the text: %q", txt)
	}
}

func TestStudioHostileTextIsShownAsText(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, `<script>alert("p")</script>`)
	btn := addControl(t, s, base, "button")
	const hostile = `<img src=x onerror=alert(1)>`
	if rec := studioPost(t, s.Handler(), base+"/properties", propsForm(btn, "large", map[string]string{"text": hostile, "tooltip": `"><svg onload=alert(2)>`})); rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	for _, path := range []string{base, base + "/preview?scene=default", "/studio"} {
		rec := get(t, s.Handler(), path)
		d := doc(t, rec)
		if d.Find(`main img, main svg, main script:not([src^="/static/"])`).Length() != 0 {
			t.Fatalf("%s: hostile text became markup", path)
		}
		if path == base && controlText(t, d.Find(testid("control"))) != hostile {
			t.Fatalf("control text shows %q", controlText(t, d.Find(testid("control"))))
		}
	}
}

func TestStudioUndoRedoAreRealSaves(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Undo")
	btn := addControl(t, s, base, "button")
	from := positionOn(t, &btn, "large")

	rec := studioPost(t, h, base+"/move", moveForm(btn, "large", 50, 12, 10, 5))
	kind, entry := historyOf(t, rec)
	if kind != "edit" {
		t.Fatalf("a move's entry is %q", kind)
	}
	rec = studioPost(t, h, base+"/restore", url.Values{"payload": {entry}, "history": {"undo"}, "scene": {"default"}, "grid": {"large"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("undo: %d %s", rec.Code, rec.Body.String())
	}
	sc := savedScene(t, s, base, "default")
	if p := positionOn(t, sc.Control(btn.ControlID), "large"); p != from {
		t.Fatalf("after undo at %+v, want %+v", p, from)
	}
	kind, redo := historyOf(t, rec)
	if kind != "undo" {
		t.Fatalf("an undo's answer carries a %q entry, want undo (goes to the redo stack)", kind)
	}
	// Replaying the same undo is stale now: the control moved since.
	if rec := studioPost(t, h, base+"/restore", url.Values{"payload": {entry}, "history": {"undo"}, "scene": {"default"}}); rec.Code != http.StatusConflict {
		t.Fatalf("replayed undo: %d", rec.Code)
	}
	rec = studioPost(t, h, base+"/restore", url.Values{"payload": {redo}, "history": {"redo"}, "scene": {"default"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("redo: %d %s", rec.Code, rec.Body.String())
	}
	sc = savedScene(t, s, base, "default")
	if p := positionOn(t, sc.Control(btn.ControlID), "large"); p.X != 50 || p.Y != 12 {
		t.Fatalf("after redo at %+v", p)
	}

	// Undoing an add deletes the control; redoing brings it back whole.
	joy := addControl(t, s, base, "joystick")
	_ = joy
	rec = studioPost(t, h, base+"/controls", url.Values{"kind": {"label"}, "scene": {"default"}})
	_, addEntry := historyOf(t, rec)
	rec = studioPost(t, h, base+"/restore", url.Values{"payload": {addEntry}, "history": {"undo"}, "scene": {"default"}})
	if rec.Code != http.StatusOK || len(savedScene(t, s, base, "default").Controls) != 2 {
		t.Fatalf("undo add: %d, %d controls", rec.Code, len(savedScene(t, s, base, "default").Controls))
	}
	_, redoAdd := historyOf(t, rec)
	if rec := studioPost(t, h, base+"/restore", url.Values{"payload": {redoAdd}, "history": {"redo"}, "scene": {"default"}}); rec.Code != http.StatusOK {
		t.Fatalf("redo add: %d", rec.Code)
	}
	sc = savedScene(t, s, base, "default")
	if len(sc.Controls) != 3 || len(studio.MissingGrids(sc.Controls[2])) != 0 {
		t.Fatalf("redo add gave %+v", sc.Controls)
	}

	// A forged entry that would overlap is refused like any edit.
	var e historyEntry
	json.Unmarshal([]byte(redo), &e)
	if rec := studioPost(t, h, base+"/restore", url.Values{"payload": {"not json"}, "scene": {"default"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("garbage entry: %d", rec.Code)
	}
}

func TestStudioPasteMovesCollidingCopyToNearestFreePlace(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Paste")
	btn := addControl(t, s, base, "button")
	ids, _ := json.Marshal([]string{btn.ControlID})
	v := strconv.FormatInt(versionOf(t, base), 10)
	for i := 0; i < 3; i++ {
		rec := studioPost(t, h, base+"/paste", url.Values{"controls": {string(ids)}, "from_version": {v}, "from_scene": {"default"}, "scene": {"default"}})
		if rec.Code != http.StatusOK {
			t.Fatalf("paste %d: %d %s", i, rec.Code, rec.Body.String())
		}
	}
	sc := savedScene(t, s, base, "default")
	if len(sc.Controls) != 4 {
		t.Fatalf("%d controls after three pastes", len(sc.Controls))
	}
	if err := sc.Validate(); err != nil {
		t.Fatalf("pasted controls overlap: %v", err)
	}
	for _, c := range sc.Controls {
		if len(studio.MissingGrids(c)) != 0 {
			t.Fatalf("copy %q was dropped from %v", c.ControlID, studio.MissingGrids(c))
		}
	}
	// A paste into another scene (another tab's clipboard) keeps places.
	if rec := studioPost(t, h, base+"/scenes", url.Values{"new_scene": {"boss"}, "scene": {"default"}}); rec.Code != http.StatusOK {
		t.Fatalf("add scene: %d", rec.Code)
	}
	rec := studioPost(t, h, base+"/paste", url.Values{"controls": {string(ids)}, "from_version": {v}, "from_scene": {"default"}, "scene": {"boss"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("paste into boss: %d %s", rec.Code, rec.Body.String())
	}
	boss := savedScene(t, s, base, "boss")
	if len(boss.Controls) != 1 || positionOn(t, &boss.Controls[0], "large") != positionOn(t, &btn, "large") {
		t.Fatalf("boss: %+v", boss.Controls)
	}
}

func TestStudioMissingControlsFlaggedAndFilledFromLarge(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Fill")
	btn := addControl(t, s, base, "button")
	rec := studioPost(t, h, base+"/unplace", url.Values{"control": {btn.ControlID}, "revision": {strconv.FormatInt(btn.Revision, 10)}, "scene": {"default"}, "grid": {"small"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("unplace: %d %s", rec.Code, rec.Body.String())
	}
	d := doc(t, get(t, h, base+"?grid=small"))
	if d.Find(testid("missing-control")).Length() != 1 || d.Find(testid("scene-missing")).Length() != 1 || d.Find(testid("grid-missing-small")).Text() != "1" {
		t.Fatalf("missing control not flagged: %s", d.Find("#workspace").Text())
	}
	if d.Find(testid("canvas")+" "+testid("control")).Length() != 0 {
		t.Fatal("the small canvas shows a control it does not place")
	}
	rec = studioPost(t, h, base+"/fill", url.Values{"scene": {"default"}, "grid": {"small"}})
	d = doc(t, rec)
	if rec.Code != http.StatusOK || d.Find(testid("missing-panel")).Length() != 0 || d.Find(testid("control")).Length() != 1 {
		t.Fatalf("fill: %d %s", rec.Code, rec.Body.String())
	}
	sc := savedScene(t, s, base, "default")
	if len(studio.MissingGrids(*sc.Control(btn.ControlID))) != 0 {
		t.Fatal("fill did not save the small position")
	}
}

func TestStudioExportImportRoundTripAndRefusedImport(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Round trip")
	btn := addControl(t, s, base, "button")
	addControl(t, s, base, "textbox")
	studioPost(t, h, base+"/properties", propsForm(btn, "large", map[string]string{"text": "Héllo ✓", "cost": "3"}))

	rec := get(t, h, base+"/export")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", rec.Code, rec.Header())
	}
	exported := rec.Body.Bytes()
	rec = studioUpload(t, h, "/studio/import", "layout", "round.json", exported)
	// Every import ends on its summary, with a button to open it.
	d := doc(t, rec)
	loc := d.Find(testid("open-imported")).AttrOr("href", "")
	if rec.Code != http.StatusOK || loc == base || !strings.HasPrefix(loc, "/studio/versions/") {
		t.Fatalf("import: %d %q %s", rec.Code, loc, rec.Body.String())
	}
	if got := d.Find(testid("imported-counts")).Text(); !strings.HasPrefix(got, "1 scene, ") {
		t.Fatalf("import summary counts %q", got)
	}
	again := get(t, h, loc+"/export").Body.Bytes()
	var a, b map[string]any
	json.Unmarshal(exported, &a)
	json.Unmarshal(again, &b)
	delete(a, "name")
	delete(b, "name")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("import changed the layout:\n%s\n%s", ja, jb)
	}

	// Two broken controls: both problems listed, no project created.
	bad := `{"scenes":[{"sceneID":"default","controls":[
		{"controlID":"a","kind":"button","position":[{"size":"large","x":0,"y":0,"width":10,"height":5}]},
		{"controlID":"b","kind":"button","position":[{"size":"large","x":2,"y":2,"width":10,"height":5}]},
		{"controlID":"c","kind":"slider?","position":[]}]}]}`
	before, _ := s.db.FindProjects(context.Background(), mustOwner(t, s).ID)
	rec = studioUpload(t, h, "/studio/import", "layout", "bad.json", []byte(bad))
	d = doc(t, rec)
	if rec.Code != http.StatusUnprocessableEntity || d.Find(testid("import-error")).Length() < 2 {
		t.Fatalf("bad import: %d %s", rec.Code, d.Find(testid("import-errors")).Text())
	}
	text := d.Find(testid("import-errors")).Text()
	if !strings.Contains(text, "overlaps") || !strings.Contains(text, "slider") {
		t.Fatalf("the report misses a problem: %s", text)
	}
	after, _ := s.db.FindProjects(context.Background(), mustOwner(t, s).ID)
	if len(after) != len(before) {
		t.Fatal("a refused import created a project")
	}
	if rec := studioUpload(t, h, "/studio/import", "layout", "x.json", []byte("{nope")); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("malformed import: %d", rec.Code)
	}
}

func TestStudioPublishMakesReadOnlyAndNewDraftEdits(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Publish")
	btn := addControl(t, s, base, "button")
	if rec := studioPost(t, h, base+"/publish", nil); rec.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", rec.Code, rec.Body.String())
	}
	d := doc(t, get(t, h, base))
	if d.Find(testid("new-draft")).Length() != 1 || d.Find(testid("add-button")).Length() != 0 || d.Find(testid("resize-handle")).Length() != 0 {
		t.Fatal("a published version still offers editing")
	}
	rec := studioPost(t, h, base+"/move", moveForm(btn, "large", 30, 5, 10, 5))
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "read-only") {
		t.Fatalf("move in a published version: %d %s", rec.Code, rec.Body.String())
	}
	rec = studioPost(t, h, base+"/draft", nil)
	loc := rec.Header().Get("HX-Redirect")
	if loc == "" || loc == base {
		t.Fatalf("new draft: %d %q", rec.Code, loc)
	}
	dsc := savedScene(t, s, loc, "default")
	draft := dsc.Control(btn.ControlID)
	if rec := studioPost(t, h, loc+"/move", moveForm(*draft, "large", 30, 5, 10, 5)); rec.Code != http.StatusOK {
		t.Fatalf("move in the new draft: %d", rec.Code)
	}
}

func TestStudioScenesAndGroups(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Scenes")
	for _, id := range []string{"boss", "lobby"} {
		if rec := studioPost(t, h, base+"/scenes", url.Values{"new_scene": {id}, "scene": {"default"}}); rec.Code != http.StatusOK {
			t.Fatalf("add %s: %d", id, rec.Code)
		}
	}
	rec := studioPost(t, h, base+"/scenes", url.Values{"new_scene": {"boss"}, "scene": {"default"}})
	if d := doc(t, rec); rec.Code != http.StatusUnprocessableEntity || d.Find(testid("scene-error")).Length() != 1 {
		t.Fatalf("duplicate scene: %d", rec.Code)
	}
	if rec := studioPost(t, h, base+"/groups", url.Values{"group": {"vips"}, "scene": {"boss"}}); rec.Code != http.StatusOK {
		t.Fatalf("add group: %d %s", rec.Code, rec.Body.String())
	}
	if rec := studioPost(t, h, base+"/scenes/rename", url.Values{"new_scene": {"final boss"}, "scene": {"boss"}}); rec.Code != http.StatusOK {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body.String())
	}
	groupScene := func(id string) string {
		v, err := s.db.FindVersion(context.Background(), versionOf(t, base))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range v.Groups {
			if g.GroupID == id {
				return g.SceneID
			}
		}
		return ""
	}
	if got := groupScene("vips"); got != "final boss" {
		t.Fatalf("group follows the rename to %q", got)
	}
	rec = studioPost(t, h, base+"/scenes/delete", url.Values{"reassign": {"lobby"}, "scene": {"final boss"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("delete scene: %d %s", rec.Code, rec.Body.String())
	}
	if got := groupScene("vips"); got != "lobby" {
		t.Fatalf("group reassigned to %q, want lobby", got)
	}
	if rec := studioPost(t, h, base+"/scenes/delete", url.Values{"reassign": {"lobby"}, "scene": {"default"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("deleting the default scene: %d", rec.Code)
	}
	if rec := studioPost(t, h, base+"/groups/delete", url.Values{"group": {"vips"}, "scene": {"default"}}); rec.Code != http.StatusOK || groupScene("vips") != "" {
		t.Fatalf("delete group: %d", rec.Code)
	}
}

func TestStudioOtherUsersVersionIsNotFound(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "Mine")
	stranger := studio.User{ID: mustOwner(t, s).ID + 1000}
	if _, err := s.storeEditor(context.Background(), stranger, versionOf(t, base), "default"); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("a stranger loads the version: %v", err)
	}
	if _, err := s.db.FindUserVersion(context.Background(), stranger.ID, versionOf(t, base)); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("a stranger loads the whole version: %v", err)
	}
	ps, _ := s.db.FindProjects(context.Background(), mustOwner(t, s).ID)
	ctx := context.Background()
	if err := s.storeRenameProject(ctx, stranger, ps[0].ID, "theirs"); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("a stranger renames the project: %v", err)
	}
	if _, err := s.storeDuplicateProject(ctx, stranger, ps[0].ID); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("a stranger duplicates the project: %v", err)
	}
	if err := s.storeDeleteProject(ctx, stranger, ps[0].ID); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("a stranger deletes the project: %v", err)
	}
	if after, _ := s.db.FindProjects(ctx, mustOwner(t, s).ID); len(after) != 1 || after[0].Name != "Mine" {
		t.Fatalf("the owner's projects changed: %+v", after)
	}
	if rec := get(t, s.Handler(), "/studio/versions/999999"); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown version: %d", rec.Code)
	}
}

func TestStudioUndoRedoOfSceneAndGroupEdits(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Structure")
	undo := func(entry, history string) *httptest.ResponseRecorder {
		t.Helper()
		rec := studioPost(t, h, base+"/restore", url.Values{"payload": {entry}, "history": {history}, "scene": {"default"}})
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", history, rec.Code, rec.Body.String())
		}
		return rec
	}
	version := func() *studio.Version {
		v, err := s.db.FindVersion(context.Background(), versionOf(t, base))
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	groupScene := func(id string) string {
		for _, g := range version().Groups {
			if g.GroupID == id {
				return g.SceneID
			}
		}
		return ""
	}

	rec := studioPost(t, h, base+"/scenes", url.Values{"new_scene": {"boss"}, "scene": {"default"}})
	_, addScene := historyOf(t, rec)
	if rec := studioPost(t, h, base+"/controls", url.Values{"kind": {"button"}, "scene": {"boss"}}); rec.Code != http.StatusOK {
		t.Fatalf("add control: %d", rec.Code)
	}
	studioPost(t, h, base+"/groups", url.Values{"group": {"vips"}, "scene": {"boss"}})

	// Delete the scene, undo: scene, control and group assignment return.
	rec = studioPost(t, h, base+"/scenes/delete", url.Values{"reassign": {"default"}, "scene": {"boss"}})
	kind, delEntry := historyOf(t, rec)
	if kind != "edit" || version().Scene("boss") != nil || groupScene("vips") != "default" {
		t.Fatalf("delete scene: %s", rec.Body.String())
	}
	_, redoDel := historyOf(t, undo(delEntry, "undo"))
	v := version()
	if v.Scene("boss") == nil || len(v.Scene("boss").Controls) != 1 || groupScene("vips") != "boss" {
		t.Fatalf("undo delete scene: %+v groups %+v", v.Scenes, v.Groups)
	}
	undo(redoDel, "redo")
	if version().Scene("boss") != nil || groupScene("vips") != "default" {
		t.Fatal("redo delete scene")
	}
	// Undoing the add (of a scene since deleted) is refused as stale.
	if rec := studioPost(t, h, base+"/restore", url.Values{"payload": {addScene}, "history": {"undo"}, "scene": {"default"}}); rec.Code != http.StatusConflict {
		t.Fatalf("undo add of a deleted scene: %d", rec.Code)
	}

	// Rename and group edits undo too.
	studioPost(t, h, base+"/scenes", url.Values{"new_scene": {"lobby"}, "scene": {"default"}})
	rec = studioPost(t, h, base+"/scenes/rename", url.Values{"new_scene": {"hall"}, "scene": {"lobby"}})
	_, ren := historyOf(t, rec)
	undo(ren, "undo")
	if version().Scene("lobby") == nil || version().Scene("hall") != nil {
		t.Fatal("undo rename")
	}
	var rev int64
	for _, g := range version().Groups {
		if g.GroupID == "vips" {
			rev = g.Revision
		}
	}
	rec = studioPost(t, h, base+"/groups/update", url.Values{"group": {"vips"}, "group_scene": {"lobby"}, "revision": {strconv.FormatInt(rev, 10)}, "scene": {"default"}})
	_, set := historyOf(t, rec)
	if groupScene("vips") != "lobby" {
		t.Fatalf("set group: %s", rec.Body.String())
	}
	undo(set, "undo")
	if groupScene("vips") != "default" {
		t.Fatalf("undo set group: %s", groupScene("vips"))
	}
	rec = studioPost(t, h, base+"/groups/delete", url.Values{"group": {"vips"}, "scene": {"default"}})
	_, delGroup := historyOf(t, rec)
	undo(delGroup, "undo")
	if groupScene("vips") != "default" {
		t.Fatal("undo delete group")
	}
}

func TestStudioImportWithWarningsSaysWhatWasLeftOut(t *testing.T) {
	s := newTestServer(t)
	data, err := os.ReadFile("../studio/testdata/firebot-v5-project.json")
	if err != nil {
		t.Fatal(err)
	}
	rec := studioUpload(t, s.Handler(), "/studio/import", "layout", "firebot.json", data)
	d := doc(t, rec)
	if rec.Code != http.StatusOK || d.Find(testid("import-warning")).Length() == 0 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	href := d.Find(testid("open-imported")).AttrOr("href", "")
	if rec := get(t, s.Handler(), href); rec.Code != http.StatusOK || doc(t, rec).Find(testid("canvas")).Length() != 1 {
		t.Fatalf("the imported project's editor %q: %d", href, rec.Code)
	}
}

// TestStudioConcurrentSavesOfOneRevisionOneWins races saves built on the
// same revision (two tabs dropping the same control at once): exactly one
// is saved, every other gets the 409, and the stored control is the
// winner's.
func TestStudioConcurrentSavesOfOneRevisionOneWins(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Race")
	btn := addControl(t, s, base, "button")
	const n = 8
	codes := make(chan int, n)
	xs := make(chan int, n)
	for i := 0; i < n; i++ {
		go func(x int) {
			rec := studioPost(t, h, base+"/move", moveForm(btn, "large", x, 10, 10, 5))
			if rec.Code == http.StatusOK {
				xs <- x
			}
			codes <- rec.Code
		}(20 + 5*i)
	}
	ok, stale := 0, 0
	for i := 0; i < n; i++ {
		switch c := <-codes; c {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			stale++
		default:
			t.Errorf("a racing save answered %d", c)
		}
	}
	if ok != 1 || stale != n-1 {
		t.Fatalf("%d saved, %d stale; want exactly one saved", ok, stale)
	}
	sc := savedScene(t, s, base, "default")
	if got := positionOn(t, sc.Control(btn.ControlID), "large").X; got != <-xs || sc.Control(btn.ControlID).Revision != btn.Revision+1 {
		t.Fatalf("stored x %d rev %d", got, sc.Control(btn.ControlID).Revision)
	}
}

func TestStudioOversizedRequestIsRefusedUnread(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "Big")
	huge := strings.Repeat("x", 18<<20)
	rec := studioPost(t, s.Handler(), base+"/move", url.Values{"moves": {huge}, "scene": {"default"}})
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("an 18 MB edit: %d", rec.Code)
	}
	rec = studioUpload(t, s.Handler(), "/studio/import", "layout", "big.json", []byte(huge))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("an 18 MB import: %d", rec.Code)
	}
	// Just under the import limit is read and refused as a layout.
	rec = studioUpload(t, s.Handler(), "/studio/import", "layout", "big.json", []byte(`{"scenes":`+strings.Repeat(" ", studio.MaxImportBytes-20)+`"x"}`))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a 16 MB import: %d", rec.Code)
	}
}

func TestStudioPropertiesShowsEveryProblemAtOnce(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "All at once")
	btn := addControl(t, s, base, "button")
	rec := studioPost(t, s.Handler(), base+"/properties", propsForm(btn, "large", map[string]string{"cost": "abc", "x": "79", "progress": "2"}))
	d := doc(t, rec)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("%d", rec.Code)
	}
	for _, f := range []string{"cost", "x", "progress"} {
		if d.Find(testid("error-"+f)).Length() != 1 {
			t.Errorf("no error beside %s: %s", f, d.Find(testid("props")).Text())
		}
	}
	if d.Find(testid("error-cost")).Text() != "must be a whole number" {
		t.Fatalf("cost error %q", d.Find(testid("error-cost")).Text())
	}
}

func TestStudioVersionControlCapHolds(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 20,000 controls")
	}
	s := newTestServer(t)
	id, err := s.db.ImportLayout(context.Background(), mustOwner(t, s).ID, benchLayout(studio.MaxControls/100, 100))
	if err != nil {
		t.Fatal(err)
	}
	base := "/studio/versions/" + strconv.FormatInt(id, 10)
	rec := studioPost(t, s.Handler(), base+"/controls", url.Values{"kind": {"label"}, "scene": {"default"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "at most") {
		t.Fatalf("the 20,001st control: %d", rec.Code)
	}
	if n := len(savedScene(t, s, base, "default").Controls); n != 100 {
		t.Fatalf("default scene has %d controls", n)
	}
}

func TestStudioSwapsCarryNoAssets(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "Swaps")
	for _, rec := range []*httptest.ResponseRecorder{
		get(t, s.Handler(), "/studio", "HX-Request", "true"),
		get(t, s.Handler(), base, "HX-Request", "true"),
	} {
		d := doc(t, rec)
		if rec.Code != http.StatusOK || d.Find(`link, script[src]`).Length() != 0 || d.Find("title").Length() != 0 {
			t.Fatalf("an HTMX swap carries page assets: %s", rec.Body.String()[:200])
		}
	}
	if d := doc(t, get(t, s.Handler(), "/studio")); d.Find(`link[href="/static/css/studio.css"]`).Length() != 1 {
		t.Fatal("the projects page lacks its stylesheet")
	}
}

func TestStudioDeleteControlsAndUndoBringsThemBack(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Delete")
	btn := addControl(t, s, base, "button")
	joy := addControl(t, s, base, "joystick")
	btn.Text = studio.Ptr("keep me")
	if rec := studioPost(t, h, base+"/properties", propsForm(btn, "large", map[string]string{"text": "keep me"})); rec.Code != http.StatusOK {
		t.Fatalf("props: %d", rec.Code)
	}
	sc := savedScene(t, s, base, "default")
	items, _ := json.Marshal([]idRevision{{btn.ControlID, sc.Control(btn.ControlID).Revision}, {joy.ControlID, joy.Revision}})
	// With a stale revision of one of them: nothing is deleted.
	stale, _ := json.Marshal([]idRevision{{btn.ControlID, btn.Revision}, {joy.ControlID, joy.Revision}})
	if rec := studioPost(t, h, base+"/delete-controls", url.Values{"controls": {string(stale)}, "scene": {"default"}}); rec.Code != http.StatusConflict {
		t.Fatalf("stale delete: %d", rec.Code)
	}
	if n := len(savedScene(t, s, base, "default").Controls); n != 2 {
		t.Fatalf("a stale delete removed controls: %d left", n)
	}
	rec := studioPost(t, h, base+"/delete-controls", url.Values{"controls": {string(items)}, "scene": {"default"}})
	if rec.Code != http.StatusOK || len(savedScene(t, s, base, "default").Controls) != 0 {
		t.Fatalf("delete: %d", rec.Code)
	}
	_, entry := historyOf(t, rec)
	if rec := studioPost(t, h, base+"/restore", url.Values{"payload": {entry}, "history": {"undo"}, "scene": {"default"}}); rec.Code != http.StatusOK {
		t.Fatalf("undo delete: %d %s", rec.Code, rec.Body.String())
	}
	sc = savedScene(t, s, base, "default")
	if len(sc.Controls) != 2 || sc.Control(joy.ControlID) == nil {
		t.Fatalf("undo brought back %d controls", len(sc.Controls))
	}
	if txt, _ := sc.Control(btn.ControlID).Get("text"); txt != "keep me" || len(studio.MissingGrids(*sc.Control(btn.ControlID))) != 0 {
		t.Fatalf("the restored button lost its text or positions: %q", txt)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withText is a copy of c with its text set to text ("" unsets it).
func withText(c studio.Control, text string) studio.Control {
	c = c.Clone()
	_ = c.Set("text", text)
	c.Revision = 0
	return c
}

// savedControl reads a control of the default scene as saved.
func savedControl(t *testing.T, s *Server, base, id string) studio.Control {
	t.Helper()
	sc := savedScene(t, s, base, "default")
	c := sc.Control(id)
	if c == nil {
		t.Fatalf("no control %q", id)
	}
	return *c
}

// A Dev Lab version names no layout: the project is named after the file,
// and it ends on the same summary as every import.
func TestStudioImportOfAnUnnamedLayoutTakesTheFilesName(t *testing.T) {
	s := newTestServer(t)
	data, err := os.ReadFile("../studio/testdata/mixer-lab-version.json")
	if err != nil {
		t.Fatal(err)
	}
	rec := studioUpload(t, s.Handler(), "/studio/import", "layout", "My stream board.json", data)
	d := doc(t, rec)
	if rec.Code != http.StatusOK || d.Find(testid("import-summary")).Length() != 1 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if got := d.Find(testid("imported-name")).Text(); got != "Imported “My stream board”" {
		t.Fatalf("imported as %q", got)
	}
	if !strings.Contains(d.Find(testid("projects")).Text(), "My stream board") {
		t.Fatal("the project list does not show the file's name")
	}
}

func ptr[T any](v T) *T { return &v }
