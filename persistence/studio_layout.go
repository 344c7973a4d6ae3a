package persistence

import (
	"context"
	"database/sql"

	"github.com/mixstudio/mixstudio/studio"
)

// ImportLayout creates a project owned by ownerID, named after the layout,
// whose draft version 1 holds the layout, and returns that version's id.
// The layout is validated first; nothing is saved if any rule is broken.
func (db *DB) ImportLayout(ctx context.Context, ownerID int64, l studio.Layout) (int64, error) {
	var versionID int64 // insertVersion validates the layout before writing
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		projectID, err := db.insertProject(ctx, tx, ownerID, l.Name)
		if err != nil {
			return err
		}
		versionID, err = db.insertVersion(ctx, tx, projectID, l)
		return err
	})
	return versionID, err
}

// ExportLayout returns a version's content as a Layout named after its
// project (studio.Export turns it into the file).
func (db *DB) ExportLayout(ctx context.Context, versionID int64) (studio.Layout, error) {
	v, err := db.FindVersion(ctx, versionID)
	if err != nil {
		return studio.Layout{}, err
	}
	return v.Layout(), nil
}

// LayoutForGameClient returns the layout a game client connecting with
// X-Interactive-Version versionID gets, draft or published. The client's
// user must own the project, or send the project's sharecode: ErrNotFound
// when there is no such version, ErrForbidden otherwise.
func (db *DB) LayoutForGameClient(ctx context.Context, versionID int64, userID int64, sharecode string) (studio.Layout, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return studio.Layout{}, err
	}
	defer tx.Rollback()
	var owner int64
	var code string
	err = tx.QueryRowContext(ctx, `SELECT p.owner_user_id, COALESCE(p.sharecode, '') FROM versions v
		JOIN projects p ON p.id = v.project_id WHERE v.id = ?`, versionID).Scan(&owner, &code)
	if noRows(err) {
		return studio.Layout{}, studio.Errorf(studio.ENOTFOUND, "interactive version %d does not exist", versionID)
	}
	if err != nil {
		return studio.Layout{}, err
	}
	if owner != userID && !sharecodeMatches(code, sharecode) {
		return studio.Layout{}, studio.Errorf(studio.EFORBIDDEN,
			"interactive version %d belongs to another user; its owner must share it with a sharecode", versionID)
	}
	v, err := loadVersion(ctx, tx, versionID)
	if err != nil {
		return studio.Layout{}, err
	}
	return v.Layout(), nil
}
