package persistence

import (
	"context"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
)

// The one access rule of the studio: a project and its versions are their
// owner's alone. The editor, the project list, the live console page and
// the console's go-live all load through the functions below; another
// user's project or version answers "not found", exactly as a missing id
// does, so ids reveal nothing.

// owns is that rule.
func owns(ownerID, userID int64, what string, id int64) error {
	if ownerID != userID {
		return studio.Errorf(studio.ENOTFOUND, "%s %d does not exist", what, id)
	}
	return nil
}

// FindUserProject returns project id with its versions if userID owns it.
func (db *DB) FindUserProject(ctx context.Context, userID, id int64) (studio.Project, error) {
	p, err := db.FindProjectByID(ctx, id)
	if err != nil {
		return studio.Project{}, err
	}
	if err := owns(p.OwnerID, userID, "project", id); err != nil {
		return studio.Project{}, err
	}
	return p, nil
}

// FindUserVersion returns version id with all its scenes, controls and
// groups if userID owns its project.
func (db *DB) FindUserVersion(ctx context.Context, userID, id int64) (studio.Version, error) {
	if err := db.checkVersionOwner(ctx, userID, id); err != nil {
		return studio.Version{}, err
	}
	return db.FindVersion(ctx, id)
}

// FindUserVersionOutline returns the outline of version id (see
// FindVersionOutline) if userID owns its project.
func (db *DB) FindUserVersionOutline(ctx context.Context, userID, id int64) (studio.Version, error) {
	if err := db.checkVersionOwner(ctx, userID, id); err != nil {
		return studio.Version{}, err
	}
	return db.FindVersionOutline(ctx, id)
}

// checkVersionOwner applies the rule before anything of the version is
// read.
func (db *DB) checkVersionOwner(ctx context.Context, userID, id int64) error {
	var owner int64
	err := db.sql.QueryRowContext(ctx,
		`SELECT p.owner_user_id FROM versions v JOIN projects p ON p.id = v.project_id WHERE v.id = ?`, id).Scan(&owner)
	if noRows(err) {
		return studio.Errorf(studio.ENOTFOUND, "version %d does not exist", id)
	}
	if err != nil {
		return fmt.Errorf("owner of version %d: %w", id, err)
	}
	return owns(owner, userID, "version", id)
}
