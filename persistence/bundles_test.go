package persistence

import (
	"context"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func testBundle(t *testing.T, index string) *studio.Bundle {
	t.Helper()
	b, err := studio.NewBundle(map[string][]byte{
		"index.html":   []byte(index),
		"scripts.js":   []byte("mixer.isLoaded()"),
		"package.json": []byte(`{"name":"board","version":"0.1.0"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBundleIsStoredCopiedAndDeletedWithItsVersion(t *testing.T) {
	db, vid, owner := newDraft(t)
	ctx := context.Background()
	info, err := db.SaveBundle(ctx, vid, testBundle(t, "<p>one"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Label() != "board@0.1.0" || info.Files != 3 {
		t.Fatalf("info %+v", info)
	}
	got, err := db.FindBundleFile(ctx, vid, info.Digest, "index.html")
	if err != nil || string(got) != "<p>one" {
		t.Fatalf("index %q %v", got, err)
	}
	// A new upload replaces the files; the old address finds nothing.
	info2, err := db.SaveBundle(ctx, vid, testBundle(t, "<p>two"))
	if err != nil || info2.Digest == info.Digest {
		t.Fatalf("second upload %+v %v", info2, err)
	}
	if _, err := db.FindBundleFile(ctx, vid, info.Digest, "index.html"); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("old digest: %v", err)
	}
	v, err := db.FindVersion(ctx, vid)
	if err != nil || v.Bundle == nil || v.Bundle.Digest != info2.Digest {
		t.Fatalf("version's bundle %+v %v", v.Bundle, err)
	}

	// Published: frozen, and a new draft carries the bundle along.
	if err := db.PublishVersion(ctx, vid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveBundle(ctx, vid, testBundle(t, "<p>three")); studio.ErrorCode(err) != studio.ECONFLICT {
		t.Fatalf("upload to a published version: %v", err)
	}
	if err := db.DeleteBundle(ctx, vid); studio.ErrorCode(err) != studio.ECONFLICT {
		t.Fatalf("delete from a published version: %v", err)
	}
	draft, err := db.CreateDraftFrom(ctx, vid)
	if err != nil || draft.Bundle == nil || draft.Bundle.Digest != info2.Digest {
		t.Fatalf("draft's bundle %+v %v", draft.Bundle, err)
	}
	if got, _ := db.FindBundleFile(ctx, draft.ID, info2.Digest, "scripts.js"); string(got) != "mixer.isLoaded()" {
		t.Fatalf("draft's file %q", got)
	}
	dup, err := db.DuplicateProject(ctx, v.ProjectID, owner)
	if err != nil {
		t.Fatal(err)
	}
	dupVersions, err := db.FindProjectByID(ctx, dup.ID)
	if err != nil {
		t.Fatal(err)
	}
	_ = dupVersions
	var dupVersion int64
	db.SQL().QueryRowContext(ctx, `SELECT id FROM versions WHERE project_id = ?`, dup.ID).Scan(&dupVersion)
	if b, err := db.FindBundle(ctx, dupVersion); err != nil || len(b.Files) != 3 {
		t.Fatalf("duplicate's bundle %v", err)
	}

	// Deleting the draft's bundle leaves the published one alone.
	if err := db.DeleteBundle(ctx, draft.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteBundle(ctx, draft.ID); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	if b, err := db.FindBundleInfo(ctx, vid); err != nil || b == nil {
		t.Fatalf("published bundle gone: %v", err)
	}
	// Deleting the project removes every file of its versions.
	if err := db.DeleteProject(ctx, v.ProjectID); err != nil {
		t.Fatal(err)
	}
	var n int
	db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM bundle_files WHERE version_id IN (?, ?)`, vid, draft.ID).Scan(&n)
	if n != 0 {
		t.Fatalf("%d files outlived their versions", n)
	}
}

func TestPublishRefusesCustomKindsWithoutABundle(t *testing.T) {
	db, _, owner := newDraft(t)
	ctx := context.Background()
	l, rep, err := studio.Import([]byte(`{"scenes":[{"sceneID":"default","controls":[
		{"controlID":"map","kind":"world-map","zoom":3,"position":[{"size":"large","width":20,"height":10,"x":0,"y":0}]}]}]}`))
	if err != nil || len(rep.Warnings) != 1 {
		t.Fatalf("import: %v %v", err, rep.Warnings)
	}
	vid, err := db.ImportLayout(ctx, owner, l)
	if err != nil {
		t.Fatal(err)
	}
	err = db.PublishVersion(ctx, vid)
	if studio.ErrorCode(err) != studio.EINVALID {
		t.Fatalf("publish without bundle: %v", err)
	}
	if _, err := db.SaveBundle(ctx, vid, testBundle(t, "<p>map")); err != nil {
		t.Fatal(err)
	}
	if err := db.PublishVersion(ctx, vid); err != nil {
		t.Fatalf("publish with bundle: %v", err)
	}
}
