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
