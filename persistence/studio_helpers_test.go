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
