package persistence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

func TestCreateProjectStartsWithDefaultSceneAndGroup(t *testing.T) {
	db, vid, uid := newDraft(t)
	v, err := db.FindVersion(context.Background(), vid)
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 1 || v.State != studio.Draft || v.ProjectName != "Game" {
		t.Fatalf("version %+v", v.VersionSummary)
	}
	if len(v.Scenes) != 1 || v.Scenes[0].SceneID != "default" || len(v.Groups) != 1 || v.Groups[0].GroupID != "default" || v.Groups[0].SceneID != "default" {
		t.Fatalf("content %+v %+v", v.Scenes, v.Groups)
	}
	o, err := db.FindVersionOutline(context.Background(), vid)
	if err != nil || len(o.Scenes) != 1 || o.Scenes[0].SceneID != "default" || len(o.Groups) != 1 || o.ProjectName != "Game" {
		t.Fatalf("outline %+v %v", o, err)
	}
	if _, err := db.FindVersionOutline(context.Background(), vid+1); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("outline of a missing version: %v", err)
	}
	ps, err := db.FindProjects(context.Background(), uid)
	if err != nil || len(ps) != 1 || len(ps[0].Versions) != 1 || ps[0].Versions[0].ID != vid {
		t.Fatalf("FindProjects = %+v, %v", ps, err)
	}
	if _, _, err := db.CreateProject(context.Background(), uid, "  "); studio.ErrorCode(err) != studio.EINVALID {
		t.Fatalf("blank name: %v", err)
	}
	if _, _, err := db.CreateProject(context.Background(), 999, "x"); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("unknown owner: %v", err)
	}
}

func TestPublishedVersionRefusesEdits(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	if _, err := createControl(ctx, db, vid, "default", btn("a", pos(studio.Large, 0, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateScene(ctx, vid, "shop"); err != nil {
		t.Fatal(err)
	}
	if err := db.PublishVersion(ctx, vid); err != nil {
		t.Fatal(err)
	}
	before, _ := db.FindVersion(ctx, vid)
	if before.State != studio.Published || before.PublishedAt.IsZero() {
		t.Fatalf("after publish: %+v", before.VersionSummary)
	}
	edits := map[string]func() error{
		"SaveControls create": func() error { _, err := createControl(ctx, db, vid, "default", btn("b")); return err },
		"UpdateControl": func() error {
			c := btn("a", pos(studio.Large, 0, 0, 10, 5))
			c.Revision = 1
			_, err := db.UpdateControl(ctx, vid, "default", c)
			return err
		},
		"SaveControls move": func() error {
			_, err := moveControls(ctx, db, vid, "default", []move{{ControlID: "a", Revision: 1, Grid: studio.Large}})
			return err
		},
		"SaveControls delete": func() error { return deleteControls(ctx, db, vid, "default", "a") },
		"CreateScene":         func() error { _, err := db.CreateScene(ctx, vid, "new"); return err },
		"RenameScene":         func() error { return db.RenameScene(ctx, vid, "shop", "store") },
		"DeleteScene":         func() error { return db.DeleteScene(ctx, vid, "shop", "default") },
		"CreateGroup": func() error {
			_, err := db.CreateGroup(ctx, vid, studio.Group{GroupID: "g", SceneID: "default"})
			return err
		},
		"UpdateGroup": func() error {
			_, err := db.UpdateGroup(ctx, vid, studio.Group{GroupID: "default", SceneID: "shop", Revision: 1})
			return err
		},
		"DeleteGroup":    func() error { return db.DeleteGroup(ctx, vid, "vip") },
		"PublishVersion": func() error { return db.PublishVersion(ctx, vid) },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			err := edit()
			wantCode(t, err, studio.ECONFLICT)
			if !strings.Contains(studio.ErrorMessage(err), "published") || !strings.Contains(studio.ErrorMessage(err), "new draft") {
				t.Fatalf("message %q should say why and what to do", studio.ErrorMessage(err))
			}
		})
	}
	// The schema refuses too, for any writer that skips the Go checks.
	for _, q := range []string{
		`UPDATE controls SET props = '{}'`,
		`UPDATE scenes SET custom = '{"x":1}'`,
		`UPDATE versions SET state = 'draft', published_at = NULL`,
		fmt.Sprintf(`INSERT INTO scenes(version_id, scene_id, ord) VALUES (%d, 'sneaky', 9)`, vid),
	} {
		if _, err := db.sql.Exec(q); err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Errorf("%s: %v", q, err)
		}
	}
	after, _ := db.FindVersion(ctx, vid)
	if !sameLayout(t, before.Layout(), after.Layout()) || after.State != studio.Published {
		t.Fatal("a published version changed")
	}

	// A new draft from it is editable and independent.
	draft, err := db.CreateDraftFrom(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	if draft.ID == vid || draft.Number != 2 || draft.State != studio.Draft || !sameLayout(t, before.Layout(), draft.Layout()) {
		t.Fatalf("draft %+v", draft.VersionSummary)
	}
	if err := deleteControls(ctx, db, draft.ID, "default", "a"); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.FindVersion(ctx, vid); v.Scene("default").Control("a") == nil {
		t.Fatal("editing the draft changed the published version")
	}
}

func TestScenesAndGroups(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	if _, err := db.CreateScene(ctx, vid, "shop"); err != nil {
		t.Fatal(err)
	}
	if _, err := createControl(ctx, db, vid, "shop", btn("buy", pos(studio.Large, 0, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGroup(ctx, vid, studio.Group{GroupID: "vip", SceneID: "shop"}); err != nil {
		t.Fatal(err)
	}
	if err := db.RenameScene(ctx, vid, "shop", "store"); err != nil {
		t.Fatal(err)
	}
	v, _ := db.FindVersion(ctx, vid)
	if v.Scene("store") == nil || v.Scene("store").Control("buy") == nil || v.Groups[1].SceneID != "store" {
		t.Fatalf("after rename: %+v %+v", v.Scenes, v.Groups)
	}
	wantCode(t, db.DeleteScene(ctx, vid, "store", "nowhere"), studio.EINVALID)
	wantCode(t, db.DeleteScene(ctx, vid, "store", "store"), studio.EINVALID)
	if err := db.DeleteScene(ctx, vid, "store", ""); err != nil { // "" = the default scene
		t.Fatal(err)
	}
	v, _ = db.FindVersion(ctx, vid)
	if len(v.Scenes) != 1 || v.Groups[1].GroupID != "vip" || v.Groups[1].SceneID != "default" {
		t.Fatalf("after delete: %+v %+v", v.Scenes, v.Groups)
	}
	var n int
	db.sql.QueryRow(`SELECT COUNT(*) FROM controls`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d controls left of a deleted scene", n)
	}
	if err := db.DeleteGroup(ctx, vid, "vip"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.DeleteGroup(ctx, vid, "vip"), studio.ENOTFOUND)
}

func TestFindSceneSummaries(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	all := []studio.Position{pos(studio.Large, 0, 0, 10, 5), pos(studio.Medium, 0, 0, 10, 5), pos(studio.Small, 0, 0, 10, 5)}
	for _, c := range []studio.Control{btn("full", all...), btn("hidden"), btn("large-only", pos(studio.Large, 20, 0, 10, 5))} {
		if _, err := createControl(ctx, db, vid, "default", c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CreateScene(ctx, vid, "empty"); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindSceneSummaries(ctx, vid)
	want := []studio.SceneSummary{{SceneID: "default", Controls: 3, Missing: 2}, {SceneID: "empty"}}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v %v, want %+v", got, err, want)
	}
	if _, err := db.FindSceneSummaries(ctx, vid+9); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("missing version: %v", err)
	}
}

func TestStudioTimestampsComeFromTheClock(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	now := time.Date(2020, 7, 22, 12, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	u, _ := db.CreateUser(ctx, "dev")
	p, v, err := db.CreateProject(ctx, u.ID, "Clocked")
	if err != nil {
		t.Fatal(err)
	}
	if !p.CreatedAt.Equal(now) || !v.UpdatedAt.Equal(now) {
		t.Fatalf("created %v updated %v, want %v", p.CreatedAt, v.UpdatedAt, now)
	}
	now = now.Add(time.Hour)
	if _, err := createControl(ctx, db, v.ID, "default", btn("a")); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if err := db.PublishVersion(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindVersion(ctx, v.ID)
	p, _ = db.FindProjectByID(ctx, p.ID)
	if !got.PublishedAt.Equal(now) || !p.UpdatedAt.Equal(now) || !p.CreatedAt.Equal(now.Add(-2*time.Hour)) {
		t.Fatalf("published %v, project updated %v created %v", got.PublishedAt, p.UpdatedAt, p.CreatedAt)
	}
}
