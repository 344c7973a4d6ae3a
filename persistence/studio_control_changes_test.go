package persistence

import (
	"context"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

// createAll adds controls to the default scene and returns them as saved.
func createAll(t *testing.T, db *DB, vid int64, cs ...studio.Control) map[string]studio.Control {
	t.Helper()
	out := map[string]studio.Control{}
	if _, err := db.SaveControls(context.Background(), vid, "default", creates(cs...)); err != nil {
		t.Fatal(err)
	}
	s, err := db.FindScene(context.Background(), vid, "default")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		out[c.ControlID] = *s.Control(c.ControlID)
	}
	return out
}

func TestSaveControlsMixesCreateUpdateDelete(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	cs := createAll(t, db, vid, btn("a", pos(studio.Large, 0, 0, 10, 5)), btn("b", pos(studio.Large, 20, 0, 10, 5)))
	a := cs["a"]
	a.Text = studio.Ptr("A")
	// c takes b's place: legal only because b goes in the same save.
	rev, err := db.SaveControls(ctx, vid, "default", changes(creates(btn("c", pos(studio.Large, 20, 0, 10, 5))), updates(a), deletes(cs["b"])))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := db.FindScene(ctx, vid, "default")
	if len(s.Controls) != 2 || s.Control("b") != nil || s.Control("c") == nil || *s.Control("a").Text != "A" {
		t.Fatalf("saved scene %+v", s.Controls)
	}
	if s.Control("a").Revision != rev || s.Control("c").Revision != rev || rev <= cs["b"].Revision {
		t.Fatalf("revisions a %d c %d, save %d", s.Control("a").Revision, s.Control("c").Revision, rev)
	}
}

func TestSaveControlsRefusesWholeSave(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	cs := createAll(t, db, vid, btn("a", pos(studio.Large, 0, 0, 10, 5)), btn("b", pos(studio.Large, 20, 0, 10, 5)))
	moved := func(c studio.Control, x int) studio.Control {
		c = c.Clone()
		c.SetPosition(pos(studio.Large, x, 20, 10, 5))
		return c
	}
	stale := cs["b"]
	stale.Revision--
	label := studio.Control{ControlID: "a", Kind: studio.KindLabel, Revision: cs["a"].Revision}
	gone := btn("gone")
	gone.Revision = cs["b"].Revision // as a tab saw it before another deleted it
	tests := []struct {
		name    string
		scene   string
		changes studio.ControlChanges
		code    string
	}{
		{"stale update", "default", updates(moved(cs["a"], 0), moved(stale, 40)), studio.ECONFLICT},
		{"stale delete", "default", changes(updates(moved(cs["a"], 0)), deletes(stale)), studio.ECONFLICT},
		{"update of a deleted control", "default", updates(moved(gone, 0)), studio.ECONFLICT},
		{"create of an existing control", "default", creates(btn("a")), studio.ECONFLICT},
		{"overlap made by the save", "default", updates(moved(cs["a"], 0), moved(cs["b"], 5)), studio.EINVALID},
		{"kind change", "default", updates(label), studio.EINVALID},
		{"control named twice", "default", changes(updates(moved(cs["a"], 0)), deletes(cs["a"])), studio.EINVALID},
		{"scene deleted meanwhile", "lobby", creates(btn("x")), studio.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := db.FindVersion(ctx, vid)
			_, err := db.SaveControls(ctx, vid, tt.scene, tt.changes)
			wantCode(t, err, tt.code)
			after, _ := db.FindVersion(ctx, vid)
			if !sameLayout(t, before.Layout(), after.Layout()) {
				t.Fatal("a refused save changed the version")
			}
		})
	}
	if _, err := db.SaveControls(ctx, 999, "default", creates(btn("x"))); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("unknown version: %v", err)
	}
	if err := db.PublishVersion(ctx, vid); err != nil {
		t.Fatal(err)
	}
	_, err := db.SaveControls(ctx, vid, "default", creates(btn("x")))
	wantCode(t, err, studio.ECONFLICT)
}

// TestStaleSaveRefusedAfterUndoRestoresControl is the case revisions once
// got wrong: tab A loads control x at revision N; tab B deletes x and then
// undoes the deletion, which creates x again. x must not be at revision N
// again, so tab A's save, made from what it saw before, is refused.
func TestStaleSaveRefusedAfterUndoRestoresControl(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	x := createAll(t, db, vid, btn("x", pos(studio.Large, 0, 0, 10, 5)))["x"]
	tabA := x.Clone() // what tab A loaded
	if _, err := db.SaveControls(ctx, vid, "default", deletes(x)); err != nil {
		t.Fatal(err)
	}
	restored := x.Clone() // the undo entry carries x as it was
	restored.Revision = 0
	if _, err := db.SaveControls(ctx, vid, "default", creates(restored)); err != nil {
		t.Fatal(err)
	}
	s, _ := db.FindScene(ctx, vid, "default")
	if s.Control("x") == nil || s.Control("x").Revision == tabA.Revision {
		t.Fatalf("restored x has revision %d, the one tab A saw", tabA.Revision)
	}
	tabA.SetPosition(pos(studio.Large, 40, 0, 10, 5))
	_, err := db.SaveControls(ctx, vid, "default", updates(tabA))
	wantCode(t, err, studio.ECONFLICT)
	_, err = moveControls(ctx, db, vid, "default", []move{{ControlID: "x", Revision: tabA.Revision, Grid: studio.Large, Position: &studio.Position{X: 40, Width: 10, Height: 5}}})
	wantCode(t, err, studio.ECONFLICT)
	_, err = db.UpdateControl(ctx, vid, "default", tabA)
	wantCode(t, err, studio.ECONFLICT)
	if s, _ := db.FindScene(ctx, vid, "default"); s.Control("x").Position[0].X != 0 {
		t.Fatal("tab A's stale save overwrote the restored control")
	}
}

// TestControlRevisionsNeverRepeat drives one control id through every
// kind of write, deletions and renames included, and checks no revision
// is ever handed out twice.
func TestControlRevisionsNeverRepeat(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	seen := map[int64]string{}
	see := func(step string, rev int64) {
		t.Helper()
		if prev, ok := seen[rev]; ok {
			t.Fatalf("%s: revision %d was already given at %s", step, rev, prev)
		}
		seen[rev] = step
	}
	x, err := createControl(ctx, db, vid, "default", btn("x", pos(studio.Large, 0, 0, 10, 5)))
	if err != nil {
		t.Fatal(err)
	}
	see("create", x.Revision)
	for round := 0; round < 3; round++ {
		moved, err := moveControls(ctx, db, vid, "default", []move{{ControlID: "x", Revision: x.Revision, Grid: studio.Large, Position: &studio.Position{X: round, Width: 10, Height: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		see("move", moved[0].Revision)
		if err := deleteControls(ctx, db, vid, "default", "x"); err != nil {
			t.Fatal(err)
		}
		rev, err := db.SaveControls(ctx, vid, "default", creates(btn("x", pos(studio.Large, 0, 0, 10, 5))))
		if err != nil {
			t.Fatal(err)
		}
		see("restore", rev)
		x.Revision = rev
	}
}

func TestSceneSummariesCountControlsMissingAGrid(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	label := func(id string, ps ...studio.Position) studio.Control {
		return studio.Control{ControlID: id, Kind: studio.KindLabel, Position: ps}
	}
	// The shortest stored three-grid positions and the longest two-grid
	// ones: a count based on the encoding's length would confuse them.
	all := label("all", pos(studio.Large, 0, 0, 2, 1), pos(studio.Medium, 0, 0, 2, 1), pos(studio.Small, 0, 0, 2, 1))
	two := btn("two", pos(studio.Large, 10, 10, 70, 10), pos(studio.Medium, 10, 10, 35, 15))
	one := label("one", pos(studio.Small, 0, 39, 2, 1))
	none := label("none")
	cs := createAll(t, db, vid, all, two, none)
	if _, err := db.SaveControls(ctx, vid, "default", creates(one)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateScene(ctx, vid, "empty"); err != nil {
		t.Fatal(err)
	}
	want := func(controls, missing int) {
		t.Helper()
		sums, err := db.FindSceneSummaries(ctx, vid)
		if err != nil {
			t.Fatal(err)
		}
		if len(sums) != 2 || sums[0] != (studio.SceneSummary{SceneID: "default", Controls: controls, Missing: missing}) ||
			sums[1] != (studio.SceneSummary{SceneID: "empty"}) {
			t.Fatalf("summaries %+v, want default %d/%d and an empty scene", sums, controls, missing)
		}
	}
	want(4, 3)
	// Placing "two" on small completes it; hiding "all" on medium breaks it.
	if _, err := moveControls(ctx, db, vid, "default", []move{
		{ControlID: "two", Revision: cs["two"].Revision, Grid: studio.Small, Position: &studio.Position{X: 10, Y: 0, Width: 3, Height: 2}},
		{ControlID: "all", Revision: cs["all"].Revision, Grid: studio.Medium},
	}); err != nil {
		t.Fatal(err)
	}
	want(4, 3)
	s, _ := db.FindScene(ctx, vid, "default")
	n := s.Control("none").Clone()
	for _, g := range studio.Grids {
		n.SetPosition(pos(g.Name, 5, 0, 2, 1))
	}
	if _, err := db.UpdateControl(ctx, vid, "default", n); err != nil {
		t.Fatal(err)
	}
	want(4, 2)
	// An imported or copied version is counted the same way.
	draft, err := db.CreateDraftFrom(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := db.FindSceneSummaries(ctx, draft.ID)
	if err != nil || sums[0].Missing != 2 || sums[0].Controls != 4 {
		t.Fatalf("copied version: %+v %v", sums, err)
	}
}
