package persistence

import (
	"context"
	"errors"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

const reactionsLayout = `{"format":"mixstudio/2","name":"r","scenes":[{"sceneID":"default","controls":[
 {"controlID":"horn","kind":"button","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]}]},
 {"sceneID":"extra","controls":[{"controlID":"gone","kind":"button","position":[{"size":"large","width":4,"height":4,"x":5,"y":0}]}]}],"groups":[],
 "reactions":[{"sceneID":"default","controlID":"horn","kind":"cooldown","seconds":5},
  {"sceneID":"extra","controlID":"gone","kind":"counter"}]}`

func TestReactionsAreSavedWithTheVersion(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	owner, err := db.EnsureOwner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := studio.Import([]byte(reactionsLayout))
	if err != nil {
		t.Fatal(err)
	}
	id, err := db.ImportLayout(ctx, owner.ID, l)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.FindVersion(ctx, id)
	if err != nil || len(v.Reactions) != 2 || v.Reactions[0].Seconds != 5 || v.Reactions[1].ControlID != "gone" {
		t.Fatalf("imported reactions: %+v %v", v.Reactions, err)
	}

	// A save carries the list's revision; a stale one is refused.
	cr, _ := db.FindControlReactions(ctx, id, "default", "horn")
	if cr.Revision != 1 || len(cr.Reactions) != 1 {
		t.Fatalf("horn: %+v", cr)
	}
	alert := studio.Reaction{Kind: studio.ReactAlert, Text: "{username}!", Sound: "horn.mp3"}
	rev, err := db.SaveControlReactions(ctx, id, "default", "horn", append(cr.Reactions, alert), cr.Revision)
	if err != nil || rev != 2 {
		t.Fatalf("save: %d %v", rev, err)
	}
	if _, err := db.SaveControlReactions(ctx, id, "default", "horn", nil, cr.Revision); !errors.Is(err, studio.ErrConflict) {
		t.Fatalf("stale save: %v", err)
	}
	// A bad reaction refuses the whole save, with the reason.
	bad := []studio.Reaction{{Kind: studio.ReactScene, Group: "nope", Scene: "default"}}
	var ve *studio.ValidationError
	if _, err := db.SaveControlReactions(ctx, id, "default", "horn", bad, 2); !errors.As(err, &ve) {
		t.Fatalf("bad reaction: %v", err)
	}
	if cr, _ := db.FindControlReactions(ctx, id, "default", "horn"); len(cr.Reactions) != 2 {
		t.Fatalf("a refused save changed the list: %+v", cr)
	}

	// A deleted control's reactions are left out, and not copied.
	if err := db.DeleteScene(ctx, id, "extra", studio.DefaultSceneID); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveVersionFile(ctx, id, VersionFile{Name: "horn.mp3", ContentType: "audio/mpeg", Data: []byte("ID3")}); err != nil {
		t.Fatal(err)
	}
	if err := db.PublishVersion(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveControlReactions(ctx, id, "default", "horn", nil, 2); !errors.Is(err, studio.ErrConflict) {
		t.Fatalf("published version's reactions changed: %v", err)
	}
	if err := db.SaveVersionFile(ctx, id, VersionFile{Name: "x.png", ContentType: "image/png", Data: []byte("x")}); !errors.Is(err, studio.ErrConflict) {
		t.Fatalf("file added to a published version: %v", err)
	}
	draft, err := db.CreateDraftFrom(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(draft.Reactions) != 2 || draft.Reactions[1].Kind != studio.ReactAlert {
		t.Fatalf("the draft's reactions: %+v", draft.Reactions)
	}
	if f, err := db.FindVersionFile(ctx, draft.ID, "horn.mp3"); err != nil || string(f.Data) != "ID3" {
		t.Fatalf("the draft's file: %+v %v", f, err)
	}
}

func TestOverlayKeyRotates(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	k1, err := db.OverlayKey(ctx, 7)
	if err != nil || len(k1) < 20 {
		t.Fatalf("key %q %v", k1, err)
	}
	if k, _ := db.OverlayKey(ctx, 7); k != k1 {
		t.Fatalf("a second read made a new key")
	}
	k2, _ := db.RotateOverlayKey(ctx, 7)
	for key, want := range map[string]bool{k1: false, k2: true, "": false} {
		if ok, _ := db.OverlayKeyMatches(ctx, 7, key); ok != want {
			t.Errorf("key %q matches: %v, want %v", key, ok, want)
		}
	}
	if ok, _ := db.OverlayKeyMatches(ctx, 8, k2); ok {
		t.Errorf("another channel's key matched")
	}
}
