package persistence

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

// deletedLobby makes a draft whose scene "lobby" (two controls, shown to
// group "vips") was just deleted, and returns the scene as it was.
func deletedLobby(t *testing.T) (*DB, int64, studio.Scene) {
	t.Helper()
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	// A scene with custom properties and controls: what an undone deletion
	// restores.
	made := studio.Scene{SceneID: "lobby", Custom: map[string]json.RawMessage{"bg": json.RawMessage(`"red"`)},
		Controls: []studio.Control{btn("a", pos(studio.Large, 0, 0, 10, 5)), btn("b", pos(studio.Large, 20, 0, 10, 5))}}
	if _, err := db.RestoreScene(ctx, vid, made, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGroup(ctx, vid, studio.Group{GroupID: "vips", SceneID: "lobby"}); err != nil {
		t.Fatal(err)
	}
	lobby, err := db.FindScene(ctx, vid, "lobby")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteScene(ctx, vid, "lobby", ""); err != nil {
		t.Fatal(err)
	}
	return db, vid, lobby
}

func TestRestoreSceneBringsBackControlsAndGroups(t *testing.T) {
	db, vid, lobby := deletedLobby(t)
	ctx := context.Background()
	restored, err := db.RestoreScene(ctx, vid, lobby, []string{"vips", "deleted-since"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.FindVersion(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	s := v.Scene("lobby")
	if s == nil || len(s.Controls) != 2 || string(s.Custom["bg"]) != `"red"` {
		t.Fatalf("restored scene %+v", s)
	}
	for _, c := range lobby.Controls {
		got := s.Control(c.ControlID)
		if got == nil || got.Position[0] != c.Position[0] || got.Revision <= c.Revision || got.Revision != restored.Control(c.ControlID).Revision {
			t.Fatalf("control %q restored as %+v (was revision %d)", c.ControlID, got, c.Revision)
		}
	}
	if len(v.Groups) != 2 || v.Groups[1].GroupID != "vips" || v.Groups[1].SceneID != "lobby" {
		t.Fatalf("groups %+v; vips should show the lobby again", v.Groups)
	}
	if l := v.Layout(); l.Validate() != nil {
		t.Fatalf("restored version is invalid: %v", l.Validate())
	}
}

func TestRestoreSceneIsAllOrNothing(t *testing.T) {
	db, vid, lobby := deletedLobby(t)
	ctx := context.Background()
	overlapping := lobby.Clone()
	overlapping.Controls[1].SetPosition(pos(studio.Large, 5, 0, 10, 5))
	tests := []struct {
		name  string
		scene studio.Scene
		code  string
	}{
		{"invalid scene", overlapping, studio.EINVALID},
		{"scene made again meanwhile", studio.Scene{SceneID: "default"}, studio.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := db.FindVersion(ctx, vid)
			_, err := db.RestoreScene(ctx, vid, tt.scene, []string{"vips"})
			wantCode(t, err, tt.code)
			after, _ := db.FindVersion(ctx, vid)
			if !sameLayout(t, before.Layout(), after.Layout()) {
				t.Fatal("a refused restore changed the version")
			}
		})
	}
	if err := db.PublishVersion(ctx, vid); err != nil {
		t.Fatal(err)
	}
	_, err := db.RestoreScene(ctx, vid, lobby, nil)
	wantCode(t, err, studio.ECONFLICT)
}

// TestRestoreSceneKeepsControlCap fills a version to one control short of
// the cap: a two-control scene cannot come back, and nothing of it does.
func TestRestoreSceneKeepsControlCap(t *testing.T) {
	db, _, lobby := deletedLobby(t)
	ctx := context.Background()
	l := studio.NewLayout("Full")
	l.Scenes = nil
	for s := 0; len(l.Scenes)*100 < studio.MaxControls-1; s++ {
		sc := studio.Scene{SceneID: "s" + string(rune('a'+s/26)) + string(rune('a'+s%26))}
		if s == 0 {
			sc.SceneID = studio.DefaultSceneID
		}
		for i := 0; i < 100 && s*100+i < studio.MaxControls-1; i++ {
			sc.Controls = append(sc.Controls, studio.Control{ControlID: "c" + string(rune('a'+i/26)) + string(rune('a'+i%26)), Kind: studio.KindLabel})
		}
		l.Scenes = append(l.Scenes, sc)
	}
	u, err := db.CreateUser(ctx, "filler")
	if err != nil {
		t.Fatal(err)
	}
	full, err := db.ImportLayout(ctx, u.ID, l)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.RestoreScene(ctx, full, lobby, nil)
	wantCode(t, err, studio.EINVALID)
	if _, err := db.FindScene(ctx, full, "lobby"); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("a refused restore left the scene: %v", err)
	}
	one := lobby.Clone()
	one.Controls = one.Controls[:1]
	if _, err := db.RestoreScene(ctx, full, one, nil); err != nil {
		t.Fatalf("restoring up to the cap: %v", err)
	}
}
