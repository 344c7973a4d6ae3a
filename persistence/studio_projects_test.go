package persistence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func TestImportExportThroughTheDatabaseIsByteIdentical(t *testing.T) {
	db, _, uid := newDraft(t)
	ctx := context.Background()
	l := studio.NewLayout("Round trip")
	j := studio.Control{ControlID: "stick", Kind: studio.KindJoystick, Position: []studio.Position{pos(studio.Large, 0, 0, 10, 10), pos(studio.Small, 0, 0, 10, 10)}}
	j.Angle, j.SampleRate = studio.Ptr(1.5), studio.Ptr[int64](50)
	b := btn("b", pos(studio.Large, 20, 0, 10, 5))
	b.Text, b.Progress, b.BackgroundColor = studio.Ptr("é \"q\""), studio.Ptr(0.3), studio.Ptr("#abc")
	b.Custom = map[string]json.RawMessage{"nested": json.RawMessage(`{"z":[1,{"a":null}],"a":true}`)}
	l.Scenes[0].Controls = []studio.Control{j, b, btn("hidden")}
	l.Scenes[0].Custom = map[string]json.RawMessage{"bg": json.RawMessage(`"#000"`)}
	l.Scenes = append(l.Scenes, studio.Scene{SceneID: "two"})
	l.Groups = append(l.Groups, studio.Group{GroupID: "g2", SceneID: "two"})
	want, err := studio.Export(l)
	if err != nil {
		t.Fatal(err)
	}
	vid, err := db.ImportLayout(ctx, uid, l)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.ExportLayout(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := studio.Export(got)
	if !bytes.Equal(want, out) {
		t.Fatalf("stored layout differs:\n%s\n---\n%s", want, out)
	}
}

func TestImportOfInvalidLayoutSavesNothing(t *testing.T) {
	db, _, uid := newDraft(t)
	l := studio.NewLayout("Bad")
	l.Scenes[0].Controls = []studio.Control{btn("a", pos(studio.Large, 0, 0, 10, 5)), btn("b", pos(studio.Large, 1, 1, 10, 5))}
	_, err := db.ImportLayout(context.Background(), uid, l)
	wantCode(t, err, studio.EINVALID)
	var n int
	db.sql.QueryRow(`SELECT COUNT(*) FROM projects WHERE name = 'Bad'`).Scan(&n)
	if n != 0 {
		t.Fatal("an invalid import created a project")
	}
}

func TestLayoutForGameClient(t *testing.T) {
	db, vid, owner := newDraft(t)
	ctx := context.Background()
	other, _ := db.CreateUser(ctx, "someone")
	v, _ := db.FindVersion(ctx, vid)
	code, err := db.SetSharecode(ctx, v.ProjectID)
	if err != nil || len(code) < 8 {
		t.Fatalf("sharecode %q %v", code, err)
	}
	tests := []struct {
		name      string
		version   int64
		user      int64
		sharecode string
		want      error
	}{
		{"owner", vid, owner, "", nil},
		{"owner with a wrong code", vid, owner, "nope", nil},
		{"other user with the code", vid, other.ID, code, nil},
		{"other user without code", vid, other.ID, "", studio.ErrForbidden},
		{"other user with a wrong code", vid, other.ID, code + "x", studio.ErrForbidden},
		{"unknown version", vid + 100, owner, "", studio.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := db.LayoutForGameClient(ctx, tt.version, tt.user, tt.sharecode)
			if tt.want == nil {
				if err != nil || l.Scene("default") == nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if err := db.RevokeSharecode(ctx, v.ProjectID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LayoutForGameClient(ctx, vid, other.ID, code); !errors.Is(err, studio.ErrForbidden) {
		t.Fatalf("revoked code still works: %v", err)
	}
	if _, err := db.LayoutForGameClient(ctx, vid, other.ID, ""); !errors.Is(err, studio.ErrForbidden) {
		t.Fatalf("empty code matches no code: %v", err)
	}
}

func TestProjectOperations(t *testing.T) {
	db, vid, uid := newDraft(t)
	ctx := context.Background()
	v, _ := db.FindVersion(ctx, vid)
	if _, err := createControl(ctx, db, vid, "default", btn("a", pos(studio.Large, 0, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	if err := db.RenameProject(ctx, v.ProjectID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.RenameProject(ctx, v.ProjectID, ""), studio.EINVALID)
	wantCode(t, db.RenameProject(ctx, 999, "x"), studio.ENOTFOUND)
	dup, err := db.DuplicateProject(ctx, v.ProjectID, uid)
	if err != nil {
		t.Fatal(err)
	}
	if dup.Name != "Renamed (copy)" || len(dup.Versions) != 1 || dup.Sharecode != "" {
		t.Fatalf("duplicate %+v", dup)
	}
	dv, _ := db.FindVersion(ctx, dup.Versions[0].ID)
	if dv.Scene("default").Control("a") == nil {
		t.Fatal("duplicate lost a control")
	}
	ps, _ := db.FindProjects(ctx, uid)
	if len(ps) != 2 {
		t.Fatalf("%d projects", len(ps))
	}
	if err := db.DeleteProject(ctx, v.ProjectID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindVersion(ctx, vid); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("version of a deleted project: %v", err)
	}
	// Version ids are never reused: a stale game client cannot reach a new project.
	_, nv, err := db.CreateProject(ctx, uid, "New")
	if err != nil || nv.ID <= dv.ID {
		t.Fatalf("new version id %d after %d: %v", nv.ID, dv.ID, err)
	}
	wantCode(t, db.DeleteProject(ctx, v.ProjectID), studio.ENOTFOUND)
}

func TestEnsureSharecodeKeepsTheCodeItFinds(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u, err := db.EnsureOwner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := db.CreateProject(ctx, u.ID, "Shared")
	if err != nil {
		t.Fatal(err)
	}
	first, created, err := db.EnsureSharecode(ctx, p.ID)
	if err != nil || !created || len(first) < 8 {
		t.Fatalf("first: %q created %v err %v", first, created, err)
	}
	again, created, err := db.EnsureSharecode(ctx, p.ID)
	if err != nil || created || again != first {
		t.Fatalf("again: %q created %v err %v, want %q kept", again, created, err, first)
	}
	rotated, err := db.SetSharecode(ctx, p.ID)
	if err != nil || rotated == first {
		t.Fatalf("rotate: %q %v", rotated, err)
	}
	if _, _, err := db.EnsureSharecode(ctx, 9999); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("unknown project: %v", err)
	}
}
