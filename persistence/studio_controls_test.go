package persistence

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func TestControlLifecycle(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	c := btn("fire", pos(studio.Large, 0, 0, 10, 5))
	c.Text = studio.Ptr("Fire")
	c.Custom = map[string]json.RawMessage{"sound": json.RawMessage(`"boom"`)}
	saved, err := createControl(ctx, db, vid, "default", c)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Revision != 1 {
		t.Fatalf("revision %d", saved.Revision)
	}
	saved.Cost = studio.Ptr[int64](5)
	saved, err = db.UpdateControl(ctx, vid, "default", saved)
	if err != nil || saved.Revision != 2 {
		t.Fatalf("update: %v rev %d", err, saved.Revision)
	}
	moved, err := moveControls(ctx, db, vid, "default", []move{
		{ControlID: "fire", Revision: 2, Grid: studio.Small, Position: &studio.Position{X: 1, Y: 1, Width: 10, Height: 5}},
	})
	if err != nil || len(moved) != 1 || moved[0].Revision != 3 {
		t.Fatalf("move: %v %+v", err, moved)
	}
	s, err := db.FindScene(ctx, vid, "default")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Control("fire")
	if got == nil || *got.Text != "Fire" || *got.Cost != 5 || string(got.Custom["sound"]) != `"boom"` || len(got.Position) != 2 || got.Revision != 3 {
		t.Fatalf("stored control %+v", got)
	}
	if p, _ := got.PositionOn(studio.Small); p != pos(studio.Small, 1, 1, 10, 5) {
		t.Fatalf("small position %+v", p)
	}
	// Hide it on small without deleting it.
	if _, err := moveControls(ctx, db, vid, "default", []move{{ControlID: "fire", Revision: 3, Grid: studio.Small}}); err != nil {
		t.Fatal(err)
	}
	s, _ = db.FindScene(ctx, vid, "default")
	if len(s.Control("fire").Position) != 1 {
		t.Fatalf("not hidden on small: %+v", s.Control("fire").Position)
	}
	// A delete naming a control that is gone refuses the whole delete.
	if _, err := createControl(ctx, db, vid, "default", btn("other", pos(studio.Large, 40, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	if err := deleteControls(ctx, db, vid, "default", "fire", "ghost"); studio.ErrorCode(err) != studio.ECONFLICT {
		t.Fatalf("delete with a missing id: %v", err)
	}
	if s, _ := db.FindScene(ctx, vid, "default"); s.Control("fire") == nil {
		t.Fatal("a failed delete removed a control")
	}
	if err := deleteControls(ctx, db, vid, "default", "fire", "other"); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.FindScene(ctx, vid, "default"); len(s.Controls) != 0 {
		t.Fatalf("after delete: %+v", s.Controls)
	}
}

func TestWritesAreValidatedFirst(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	for _, c := range []studio.Control{btn("a", pos(studio.Large, 0, 0, 10, 5)), btn("c", pos(studio.Large, 20, 0, 10, 5))} {
		if _, err := createControl(ctx, db, vid, "default", c); err != nil {
			t.Fatal(err)
		}
	}
	bad := []struct {
		name string
		do   func() error
		code string
	}{
		{"overlapping control", func() error {
			_, err := createControl(ctx, db, vid, "default", btn("b", pos(studio.Large, 5, 0, 10, 5)))
			return err
		}, studio.EINVALID},
		{"duplicate id", func() error {
			_, err := createControl(ctx, db, vid, "default", btn("a"))
			return err
		}, studio.ECONFLICT},
		{"off the grid", func() error {
			_, err := createControl(ctx, db, vid, "default", btn("b", pos(studio.Medium, 40, 0, 10, 5)))
			return err
		}, studio.EINVALID},
		{"bad value", func() error {
			c := btn("b")
			c.Progress = studio.Ptr(7.0)
			_, err := createControl(ctx, db, vid, "default", c)
			return err
		}, studio.EINVALID},
		{"scene gone since the page loaded", func() error {
			_, err := createControl(ctx, db, vid, "nope", btn("b"))
			return err
		}, studio.ECONFLICT},
		{"unknown version", func() error {
			_, err := createControl(ctx, db, 999, "default", btn("b"))
			return err
		}, studio.ENOTFOUND},
		{"kind change", func() error {
			_, err := db.UpdateControl(ctx, vid, "default", studio.Control{ControlID: "a", Kind: studio.KindLabel, Revision: 1})
			return err
		}, studio.EINVALID},
		{"move onto another", func() error {
			_, err := moveControls(ctx, db, vid, "default", []move{{ControlID: "c", Revision: 2, Grid: studio.Large, Position: &studio.Position{X: 2, Y: 2, Width: 10, Height: 5}}})
			return err
		}, studio.EINVALID},
		{"unknown grid", func() error {
			_, err := moveControls(ctx, db, vid, "default", []move{{ControlID: "a", Revision: 1, Grid: "huge", Position: &studio.Position{Width: 3, Height: 3}}})
			return err
		}, studio.EINVALID},
		{"bad scene id", func() error { _, err := db.CreateScene(ctx, vid, ""); return err }, studio.EINVALID},
		{"existing scene", func() error { _, err := db.CreateScene(ctx, vid, "default"); return err }, studio.ECONFLICT},
		{"group on missing scene", func() error {
			_, err := db.CreateGroup(ctx, vid, studio.Group{GroupID: "vip", SceneID: "nope"})
			return err
		}, studio.EINVALID},
		{"delete default group", func() error { return db.DeleteGroup(ctx, vid, "default") }, studio.EINVALID},
		{"delete default scene", func() error { return db.DeleteScene(ctx, vid, "default", "x") }, studio.EINVALID},
		{"rename default scene", func() error { return db.RenameScene(ctx, vid, "default", "x") }, studio.EINVALID},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := db.FindVersion(ctx, vid)
			wantCode(t, tt.do(), tt.code)
			after, _ := db.FindVersion(ctx, vid)
			if !sameLayout(t, before.Layout(), after.Layout()) {
				t.Fatal("a refused write changed the version")
			}
		})
	}
	// A ValidationError names the control, grid and field.
	_, err := createControl(ctx, db, vid, "default", btn("b", pos(studio.Large, 5, 0, 10, 5)))
	var v *studio.ValidationError
	if !errors.As(err, &v) || len(v.Problems) != 1 || v.Problems[0].ControlID != "b" || v.Problems[0].Grid != studio.Large || v.Problems[0].Field != "position" {
		t.Fatalf("validation error %#v", err)
	}
}

func TestMoveControlsIsAllOrNothing(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	rev := map[string]int64{}
	for i, id := range []string{"a", "b", "c"} {
		c, err := createControl(ctx, db, vid, "default", btn(id, pos(studio.Large, i*10, 0, 10, 5)))
		if err != nil {
			t.Fatal(err)
		}
		rev[id] = c.Revision
	}
	// a and b swap rows legally, c lands on b's new place: refused, nothing moves.
	_, err := moveControls(ctx, db, vid, "default", []move{
		{ControlID: "a", Revision: rev["a"], Grid: studio.Large, Position: &studio.Position{X: 0, Y: 10, Width: 10, Height: 5}},
		{ControlID: "b", Revision: rev["b"], Grid: studio.Large, Position: &studio.Position{X: 40, Y: 10, Width: 10, Height: 5}},
		{ControlID: "c", Revision: rev["c"], Grid: studio.Large, Position: &studio.Position{X: 45, Y: 12, Width: 10, Height: 5}},
	})
	wantCode(t, err, studio.EINVALID)
	s, _ := db.FindScene(ctx, vid, "default")
	for i, id := range []string{"a", "b", "c"} {
		if p := s.Control(id).Position[0]; p.X != i*10 || p.Y != 0 || s.Control(id).Revision != rev[id] {
			t.Fatalf("%s moved by a refused batch: %+v", id, p)
		}
	}
	// Swapping two controls' places is legal only as one batch.
	moved, err := moveControls(ctx, db, vid, "default", []move{
		{ControlID: "a", Revision: rev["a"], Grid: studio.Large, Position: &studio.Position{X: 10, Width: 10, Height: 5}},
		{ControlID: "b", Revision: rev["b"], Grid: studio.Large, Position: &studio.Position{X: 0, Width: 10, Height: 5}},
	})
	if err != nil || len(moved) != 2 {
		t.Fatalf("swap: %v", err)
	}
}
