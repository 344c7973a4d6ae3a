package persistence

import (
	"bytes"
	"context"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func pos(size string, x, y, w, h int) studio.Position {
	return studio.Position{Size: size, X: x, Y: y, Width: w, Height: h}
}

func btn(id string, ps ...studio.Position) studio.Control {
	return studio.Control{ControlID: id, Kind: studio.KindButton, Position: ps}
}

// newDraft opens a database with a user and a project; it returns the
// draft's version id and the user's id.
func newDraft(t testing.TB) (*DB, int64, int64) {
	t.Helper()
	db := MustOpenDB(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	_, v, err := db.CreateProject(ctx, u.ID, "Game")
	if err != nil {
		t.Fatal(err)
	}
	return db, v.ID, u.ID
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if studio.ErrorCode(err) != code {
		t.Fatalf("want %s, got %v (code %q)", code, err, studio.ErrorCode(err))
	}
}

func sameLayout(t testing.TB, a, b studio.Layout) bool {
	t.Helper()
	ea, err := studio.Export(a)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := studio.Export(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(ea, eb)
}

// creates, updates and deletes build an edit the way the editor does;
// changes joins them into one save.
func creates(cs ...studio.Control) studio.ControlChanges {
	out := make(studio.ControlChanges, len(cs))
	for i := range cs {
		c := cs[i].Clone()
		out[i] = studio.ControlChange{ControlID: c.ControlID, After: &c}
	}
	return out
}

// updates expects each control at the revision it carries.
func updates(cs ...studio.Control) studio.ControlChanges {
	out := creates(cs...)
	for i := range out {
		out[i].Expect = cs[i].Revision
	}
	return out
}

// deletes expects each control at the revision it carries.
func deletes(cs ...studio.Control) studio.ControlChanges {
	out := make(studio.ControlChanges, len(cs))
	for i, c := range cs {
		out[i] = studio.ControlChange{ControlID: c.ControlID, Expect: c.Revision}
	}
	return out
}

func changes(parts ...studio.ControlChanges) studio.ControlChanges {
	var out studio.ControlChanges
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// createControl saves one new control the way the editor does and returns
// it with its revision.
func createControl(ctx context.Context, db *DB, vid int64, sceneID string, c studio.Control) (studio.Control, error) {
	rev, err := db.SaveControls(ctx, vid, sceneID, creates(c))
	c = c.Clone()
	c.Revision = rev
	return c, err
}

// move places (or, with Position nil, hides) one control on one grid,
// expecting the control at Revision: one control of an editor's drag.
type move struct {
	ControlID string
	Revision  int64
	Grid      string
	Position  *studio.Position
}

// moveControls saves moves as the editor's drag does (SaveControls) and
// returns the moved controls as saved.
func moveControls(ctx context.Context, db *DB, vid int64, sceneID string, moves []move) ([]studio.Control, error) {
	s, err := db.FindScene(ctx, vid, sceneID)
	if err != nil {
		return nil, err
	}
	var cs studio.ControlChanges
	for _, m := range moves {
		c := btn(m.ControlID)
		if cur := s.Control(m.ControlID); cur != nil {
			c = cur.Clone()
		}
		if m.Position == nil {
			c.RemovePosition(m.Grid)
		} else {
			p := *m.Position
			p.Size = m.Grid
			c.SetPosition(p)
		}
		cs = append(cs, studio.ControlChange{ControlID: m.ControlID, Expect: m.Revision, After: &c})
	}
	rev, err := db.SaveControls(ctx, vid, sceneID, cs)
	if err != nil {
		return nil, err
	}
	out := make([]studio.Control, len(cs))
	for i, ch := range cs {
		out[i] = *ch.After
		out[i].Revision = rev
	}
	return out, nil
}

// deleteControls deletes controls at the revisions they have now.
func deleteControls(ctx context.Context, db *DB, vid int64, sceneID string, ids ...string) error {
	s, err := db.FindScene(ctx, vid, sceneID)
	if err != nil {
		return err
	}
	var cs studio.ControlChanges
	for _, id := range ids {
		var rev int64 = -1 // a control that is gone: stale
		if c := s.Control(id); c != nil {
			rev = c.Revision
		}
		cs = append(cs, studio.ControlChange{ControlID: id, Expect: rev})
	}
	_, err = db.SaveControls(ctx, vid, sceneID, cs)
	return err
}
