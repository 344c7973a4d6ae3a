package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Arranging medium from large: GET shows it unsaved, POST saves it as one
// edit, and one undo puts every control back.
func TestStudioArrangeFromLargePreviewsThenSavesOneUndoStep(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Arrange")
	a := addControl(t, s, base, "button")
	b := addControl(t, s, base, "button")
	// Medium edited by hand (it no longer follows large), then b moved to
	// the far right of large: arranging medium brings it after a.
	if rec := studioPost(t, h, base+"/move", moveForm(b, "medium", 0, 20, 10, 5)); rec.Code != http.StatusOK {
		t.Fatalf("move: %d", rec.Code)
	}
	b = savedControl(t, s, base, b.ControlID)
	if rec := studioPost(t, h, base+"/move", moveForm(b, "large", 60, 10, 20, 8)); rec.Code != http.StatusOK {
		t.Fatalf("move: %d", rec.Code)
	}
	before := savedScene(t, s, base, "default")

	form := url.Values{"scene": {"default"}, "grid": {"medium"}}
	rec := get(t, h, base+"/arrange?"+form.Encode())
	d := doc(t, rec)
	if rec.Code != http.StatusOK || d.Find(testid("arrange-preview")).Length() != 1 || d.Find(testid("arrange-apply")).Length() != 1 {
		t.Fatalf("no preview: %d %s", rec.Code, d.Find(testid("workspace")).Text())
	}
	if ws := d.Find(testid("workspace")); ws.AttrOr("data-readonly", "") != "true" {
		t.Fatal("the canvas can be edited during the preview")
	}
	if got := savedScene(t, s, base, "default"); string(mustJSON(t, got)) != string(mustJSON(t, before)) {
		t.Fatal("the preview saved")
	}

	rec = studioPost(t, h, base+"/arrange", form)
	if rec.Code != http.StatusOK {
		t.Fatalf("apply: %d %s", rec.Code, rec.Body.String())
	}
	after := savedScene(t, s, base, "default")
	if err := after.Validate(); err != nil {
		t.Fatal(err)
	}
	pa := positionOn(t, after.Control(a.ControlID), "medium")
	pb := positionOn(t, after.Control(b.ControlID), "medium")
	if !(pb.Y > pa.Y || pb.Y == pa.Y && pb.X > pa.X) || pb.Width <= pa.Width {
		t.Fatalf("medium does not follow large: a %v, b %v", pa, pb)
	}
	kind, entry := historyOf(t, rec)
	if kind != "edit" {
		t.Fatalf("arranging made a %q entry", kind)
	}
	rec = studioPost(t, h, base+"/restore", url.Values{"payload": {entry}, "history": {"undo"}, "scene": {"default"}, "grid": {"medium"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("undo: %d", rec.Code)
	}
	undone := savedScene(t, s, base, "default")
	for _, id := range []string{a.ControlID, b.ControlID} {
		if positionOn(t, undone.Control(id), "medium") != positionOn(t, before.Control(id), "medium") {
			t.Fatalf("one undo did not put %s back", id)
		}
	}

	// Arranged already: nothing to preview, it says so.
	studioPost(t, h, base+"/arrange", form)
	rec = get(t, h, base+"/arrange?"+form.Encode())
	if d := doc(t, rec); rec.Code != http.StatusOK || d.Find(testid("arrange-preview")).Length() != 0 ||
		!strings.Contains(d.Find(testid("flash")).Text(), "already follows") {
		t.Fatalf("arranging twice: %d %s", rec.Code, d.Find(testid("flash")).Text())
	}

	// Large itself is not arranged from large.
	if rec := get(t, h, base+"/arrange?scene=default&grid=large"); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("arrange large: %d", rec.Code)
	}
}
