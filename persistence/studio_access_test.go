package persistence

import (
	"context"
	"fmt"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

// Another user's project or version answers exactly as a missing one does.
func TestFindUserRefusesOtherUsersAsNotFound(t *testing.T) {
	db, versionID, ownerID := newDraft(t)
	ctx := context.Background()
	stranger, err := db.CreateUser(ctx, "stranger")
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.FindUserVersion(ctx, ownerID, versionID)
	if err != nil || v.ID != versionID || v.ProjectName != "Game" {
		t.Fatalf("the owner loads the version: %+v, %v", v.VersionSummary, err)
	}
	if o, err := db.FindUserVersionOutline(ctx, ownerID, versionID); err != nil || len(o.Scenes) == 0 {
		t.Fatalf("the owner loads the outline: %v", err)
	}
	if p, err := db.FindUserProject(ctx, ownerID, v.ProjectID); err != nil || p.Name != "Game" {
		t.Fatalf("the owner loads the project: %v", err)
	}

	for name, err := range map[string]error{
		"version":         second(db.FindUserVersion(ctx, stranger.ID, versionID)),
		"outline":         second(db.FindUserVersionOutline(ctx, stranger.ID, versionID)),
		"project":         second(db.FindUserProject(ctx, stranger.ID, v.ProjectID)),
		"missing version": second(db.FindUserVersion(ctx, ownerID, versionID+1000)),
		"missing project": second(db.FindUserProject(ctx, ownerID, v.ProjectID+1000)),
	} {
		if studio.ErrorCode(err) != studio.ENOTFOUND {
			t.Errorf("%s: want not found, got %v", name, err)
		}
	}
	// The stranger's message is the one a missing id gets.
	_, mine := db.FindUserVersion(ctx, stranger.ID, versionID)
	if got, want := studio.ErrorMessage(mine), fmt.Sprintf("version %d does not exist", versionID); got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
}

func second[T any](_ T, err error) error { return err }
