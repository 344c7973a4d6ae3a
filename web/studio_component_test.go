package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

func renderDoc(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sampleVersion is a draft with one scene: a button on all grids, a
// joystick only on large.
func sampleVersion() *studio.Version {
	btn := studio.Control{ControlID: `b"1<x>`, Kind: studio.KindButton, Revision: 4}
	btn.Text = studio.Ptr(`<img src=x onerror=alert(1)>`)
	for _, g := range studio.Grids {
		btn.SetPosition(studio.Position{Size: g.Name, X: 1, Y: 2, Width: 10, Height: 5})
	}
	joy := studio.Control{ControlID: "joy", Kind: studio.KindJoystick, Revision: 1}
	joy.SetPosition(studio.Position{Size: studio.Large, X: 20, Y: 0, Width: 10, Height: 10})
	v := &studio.Version{ProjectName: "P", Scenes: []studio.Scene{{SceneID: "default", Controls: []studio.Control{btn, joy}}},
		Groups: []studio.Group{{GroupID: "default", SceneID: "default", Revision: 1}}}
	v.ID, v.Number, v.State = 7, 1, studio.Draft
	return v
}

func TestWorkspaceComponentDraftAndReadOnly(t *testing.T) {
	v := sampleVersion()
	tabs := []templates.SceneTab{{ID: "default", Controls: 2, Missing: 1}}
	d := renderDoc(t, templates.Workspace(editorView(v, nil, tabs, editorState{sceneID: "default", grid: "medium", selected: []string{`b"1<x>`}})))

	if ws := d.Find(testid("workspace")); ws.AttrOr("data-base", "") != "/studio/versions/7" || ws.AttrOr("data-grid", "") != "medium" {
		t.Fatalf("workspace attributes: %v", ws.Nodes[0].Attr)
	}
	ctl := d.Find(testid("control"))
	if ctl.Length() != 1 || ctl.AttrOr("data-id", "") != `b"1<x>` || ctl.AttrOr("data-rev", "") != "4" || ctl.AttrOr("data-maxw", "") != "45" {
		t.Fatalf("medium canvas controls: %d %v", ctl.Length(), ctl.Nodes)
	}
	// The page draws the control from its JSON (with the play page's
	// modules): the text travels as data in an attribute, never as markup.
	if controlText(t, ctl) != `<img src=x onerror=alert(1)>` || d.Find("img").Length() != 0 {
		t.Fatal("control text is not escaped")
	}
	if m := d.Find(testid("missing-control")); m.Length() != 1 || m.AttrOr("data-id", "") != "joy" {
		t.Fatalf("the joystick missing from medium is not flagged")
	}
	if d.Find(testid("fill-from-large")).Length() != 1 || d.Find(testid("scene-missing")).Text() != "1 missing" {
		t.Fatal("no fill button or scene flag")
	}
	if d.Find(testid("props-form")).Length() != 1 || d.Find(testid("props-control-id")).Text() != `b"1<x>` {
		t.Fatal("the selected control's properties are not shown")
	}
	for _, id := range []string{"add-button", "add-joystick", "add-label", "add-textbox", "undo", "redo", "publish", "export", "preview", "view-json", "grid-large", "grid-medium", "grid-small", "resize-handle", "add-scene", "add-group"} {
		if d.Find(testid(id)).Length() == 0 {
			t.Errorf("draft workspace lacks %s", id)
		}
	}

	v.State = studio.Published
	d = renderDoc(t, templates.Workspace(editorView(v, nil, tabs, editorState{sceneID: "default", grid: "large"})))
	if d.Find(testid("workspace")).AttrOr("data-readonly", "") != "true" || d.Find(testid("new-draft")).Length() != 1 {
		t.Fatal("a published version is not marked read-only")
	}
	for _, id := range []string{"add-button", "resize-handle", "publish", "fill-from-large", "add-scene", "delete-scene", "add-group"} {
		if d.Find(testid(id)).Length() != 0 {
			t.Errorf("published workspace offers %s", id)
		}
	}
}

func TestPropsPanelComponentShowsErrorsBesideFields(t *testing.T) {
	v := sampleVersion()
	pv := propsView("/studio/versions/7", &v.Scenes[0].Controls[0], "large", false)
	pv.Fields[4].Error = "must be at least 0"
	pv.Position[0].Error = "overlaps control \"joy\""
	d := renderDoc(t, templates.PropsPanel(pv))
	field := d.Find(testid("prop-" + pv.Fields[4].Name)).Parent()
	if field.Find(testid("error-"+pv.Fields[4].Name)).Text() != "must be at least 0" || !field.HasClass("invalid") {
		t.Fatalf("error not beside %s", pv.Fields[4].Name)
	}
	if d.Find(testid("prop-x")).Parent().Find(testid("error-x")).Length() != 1 {
		t.Fatal("position error not beside x")
	}
	if d.Find(testid("unplace")).Length() != 1 || d.Find(testid("props-revision")).AttrOr("value", "") != "4" {
		t.Fatal("no unplace button or revision")
	}
}

// TestStudioSceneTabsCountMissingControls checks the scene tab's count of
// controls missing from some grid, at both ends: the shortest three-grid
// positions and the longest two-grid ones (an encoding-based count, as the
// editor once used, confuses them).
func TestStudioSceneTabsCountMissingControls(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "Tabs")
	scene := studio.Scene{SceneID: "default"}
	short := studio.Control{ControlID: "short", Kind: studio.KindLabel}
	for _, g := range studio.Grids {
		short.SetPosition(studio.Position{Size: g.Name, X: 0, Y: 0, Width: 2, Height: 1})
	}
	long := studio.Control{ControlID: "long", Kind: studio.KindButton}
	long.SetPosition(studio.Position{Size: studio.Large, X: 10, Y: 10, Width: 70, Height: 10})
	long.SetPosition(studio.Position{Size: studio.Medium, X: 10, Y: 10, Width: 35, Height: 15})
	one := studio.Control{ControlID: "one", Kind: studio.KindLabel}
	one.SetPosition(studio.Position{Size: studio.Small, X: 0, Y: 39, Width: 2, Height: 1})
	none := studio.Control{ControlID: "none", Kind: studio.KindLabel}
	scene.Controls = []studio.Control{short, long, one, none}
	if _, err := s.db.SaveControls(context.Background(), versionOf(t, base), "default", studio.Changes(&studio.Scene{}, &scene)); err != nil {
		t.Fatal(err)
	}
	tabs, err := s.db.FindSceneSummaries(context.Background(), versionOf(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if len(tabs) != 1 || tabs[0].Controls != 4 || tabs[0].Missing != 3 {
		t.Fatalf("tabs %+v, want 4 controls of which 3 miss a grid", tabs)
	}
	if d := doc(t, get(t, s.Handler(), base)); d.Find(testid("scene-missing")).Text() != "3 missing" {
		t.Fatalf("scene flag %q", d.Find(testid("scene-missing")).Text())
	}
}

func TestStudioPreviewAndSceneJSON(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "Preview")
	btn := addControl(t, s, base, "button")
	studioPost(t, s.Handler(), base+"/unplace", url.Values{"control": {btn.ControlID}, "revision": {"1"}, "scene": {"default"}, "grid": {"small"}})

	d := doc(t, get(t, s.Handler(), base+"/preview?scene=default"))
	for _, g := range studio.Grids {
		grid := d.Find(testid("preview-" + g.Name)).Find(testid("preview-grid"))
		if !strings.Contains(grid.AttrOr("style", ""), fmt.Sprintf("--cols:%d;--rows:%d", g.Width, g.Height)) {
			t.Fatalf("%s preview style %q", g.Name, grid.AttrOr("style", ""))
		}
		want := 1
		if g.Name == studio.Small {
			want = 0
		}
		if n := grid.Find(testid("preview-control")).Length(); n != want {
			t.Fatalf("%s preview shows %d controls", g.Name, n)
		}
	}
	if !strings.Contains(d.Find(testid("preview-small")).Find(testid("preview-hidden")).Text(), btn.ControlID) {
		t.Fatal("the small preview does not say what it hides")
	}
	rec := get(t, s.Handler(), base+"/scene-json?scene=default", "HX-Request", "true")
	body := doc(t, rec).Find(testid("scene-json-body")).Text()
	var sc studio.Scene
	if rec.Code != http.StatusOK || sc.UnmarshalJSON([]byte(body)) != nil || sc.Control(btn.ControlID) == nil {
		t.Fatalf("scene JSON: %d %s", rec.Code, body)
	}
}

// controlText is the text in a canvas host's control JSON.
func controlText(t *testing.T, host *goquery.Selection) string {
	t.Helper()
	var c struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(host.AttrOr("data-control", "")), &c); err != nil {
		t.Fatalf("control JSON: %v", err)
	}
	return c.Text
}
