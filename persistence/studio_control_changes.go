package persistence

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
)

// SaveControls saves one edit of a draft's scene in one transaction: all
// of it or nothing. The domain judges the edit (studio.ControlChanges.Apply:
// revisions, kinds, the whole scene's rules) against the scene as stored
// inside the transaction; the store adds only what SQL must guard: the
// version's studio.MaxControls cap and, on every statement, the revision
// the edit expected. Every written control gets the same new revision,
// which is returned.
func (db *DB) SaveControls(ctx context.Context, versionID int64, sceneID string, changes studio.ControlChanges) (int64, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	var rev int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		ref, scene, err := sceneForSave(ctx, tx, versionID, sceneID)
		if err != nil {
			return err
		}
		before := len(scene.Controls)
		if err := changes.Apply(&scene); err != nil {
			return err
		}
		if info, err := bundleInfo(ctx, tx, versionID); err != nil {
			return err
		} else if err := changes.CheckBundle(sceneID, info != nil); err != nil {
			return err
		}
		if added := len(scene.Controls) - before; added > 0 {
			if err := checkControlCount(ctx, tx, versionID, added); err != nil {
				return err
			}
		}
		if rev, err = nextControlRevision(ctx, tx, versionID); err != nil {
			return err
		}
		if err := writeChanges(ctx, tx, changes, ref, sceneID, rev); err != nil {
			return err
		}
		return db.touch(ctx, tx, versionID)
	})
	return rev, err
}

// UpdateControl saves one control (c.Revision being the revision the
// editor loaded) through SaveControls and returns it with its new
// revision: the live console's save-back.
func (db *DB) UpdateControl(ctx context.Context, versionID int64, sceneID string, c studio.Control) (studio.Control, error) {
	c = c.Clone()
	rev, err := db.SaveControls(ctx, versionID, sceneID, studio.ControlChanges{{ControlID: c.ControlID, Expect: c.Revision, After: &c}})
	if err != nil {
		return studio.Control{}, err
	}
	c.Revision = rev
	return c, nil
}

// sceneForSave is sceneForEdit for a save the editor made from a page: a
// scene gone since the page loaded is a concurrent edit (ECONFLICT), not a
// wrong address.
func sceneForSave(ctx context.Context, tx *sql.Tx, versionID int64, sceneID string) (int64, studio.Scene, error) {
	ref, scene, err := sceneForEdit(ctx, tx, versionID, sceneID)
	if studio.ErrorCode(err) == studio.ENOTFOUND {
		if _, verr := versionSummary(ctx, tx, versionID); verr != nil {
			return 0, scene, verr
		}
		return 0, scene, studio.Errorf(studio.ECONFLICT, "scene %q no longer exists (deleted in another tab?)", sceneID)
	}
	return ref, scene, err
}

// writeChanges stores the changes; each statement's revision guard holds
// even against a writer that skipped Apply.
func writeChanges(ctx context.Context, tx *sql.Tx, changes studio.ControlChanges, ref int64, sceneID string, rev int64) error {
	var creates []studio.Control
	for _, ch := range changes {
		switch {
		case ch.After == nil:
			res, err := tx.ExecContext(ctx, `DELETE FROM controls WHERE scene_ref = ? AND control_id = ? AND revision = ?`, ref, ch.ControlID, ch.Expect)
			if err != nil {
				return fmt.Errorf("delete control %q: %w", ch.ControlID, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return studio.StaleControl(sceneID, ch.ControlID)
			}
		case ch.Expect == 0:
			creates = append(creates, *ch.After)
		default:
			c := *ch.After
			if err := saveControl(ctx, tx, ref, &c, ch.Expect, sceneID, rev); err != nil {
				return err
			}
		}
	}
	if len(creates) == 0 {
		return nil
	}
	var ord int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ord), -1) + 1 FROM controls WHERE scene_ref = ?`, ref).Scan(&ord); err != nil {
		return fmt.Errorf("order of new controls: %w", err)
	}
	ins, err := tx.PrepareContext(ctx, insertControlSQL)
	if err != nil {
		return err
	}
	defer ins.Close()
	for i := range creates {
		if err := insertControl(ctx, ins, ref, &creates[i], ord+i, rev); err != nil {
			return err
		}
	}
	return nil
}
