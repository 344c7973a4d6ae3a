package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestStudioStaleTabRefusedAfterUndoRestoresControl: tab A loaded a
// control; tab B deletes it and undoes the deletion. The control is back,
// but not at the revision tab A saw, so tab A's move is refused (409) and
// the restored control keeps its place.
func TestStudioStaleTabRefusedAfterUndoRestoresControl(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Undo")
	tabA := addControl(t, s, base, "button") // what tab A shows
	items, _ := json.Marshal([]idRevision{{tabA.ControlID, tabA.Revision}})
	rec := studioPost(t, h, base+"/delete-controls", url.Values{"controls": {string(items)}, "scene": {"default"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("delete: %d", rec.Code)
	}
	_, entry := historyOf(t, rec)
	if rec := studioPost(t, h, base+"/restore", url.Values{"payload": {entry}, "history": {"undo"}, "scene": {"default"}}); rec.Code != http.StatusOK {
		t.Fatalf("undo delete: %d %s", rec.Code, rec.Body.String())
	}
	sc := savedScene(t, s, base, "default")
	restored := sc.Control(tabA.ControlID)
	if restored == nil || restored.Revision == tabA.Revision {
		t.Fatalf("restored control %+v has the revision tab A saw (%d)", restored, tabA.Revision)
	}
	before := positionOn(t, restored, "large")
	if rec := studioPost(t, h, base+"/move", moveForm(tabA, "large", 60, 10, 10, 5)); rec.Code != http.StatusConflict {
		t.Fatalf("tab A's stale move: %d", rec.Code)
	}
	sc = savedScene(t, s, base, "default")
	if now := positionOn(t, sc.Control(tabA.ControlID), "large"); now != before {
		t.Fatalf("tab A's stale move was saved: %+v, was %+v", now, before)
	}
}
