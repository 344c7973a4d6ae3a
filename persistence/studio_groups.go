package persistence

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
)

func insertGroup(ctx context.Context, tx *sql.Tx, versionID, sceneRef int64, g studio.Group, ord int) error {
	custom, err := studio.CustomJSON(g.Custom)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO participant_groups(version_id, group_id, scene_ref, ord, custom) VALUES (?, ?, ?, ?, ?)`,
		versionID, g.GroupID, sceneRef, ord, custom)
	if isUniqueViolation(err) {
		return &studio.Error{Code: studio.ECONFLICT, Field: "groupID", Message: fmt.Sprintf("a group %q already exists", g.GroupID)}
	}
	if err != nil {
		return fmt.Errorf("insert group %q: %w", g.GroupID, err)
	}
	return nil
}

// groupScene resolves the scene a group is to show; EINVALID if missing.
func groupScene(ctx context.Context, tx *sql.Tx, versionID int64, g studio.Group) (int64, error) {
	ref, err := sceneRef(ctx, tx, versionID, g.SceneID)
	if studio.ErrorCode(err) == studio.ENOTFOUND {
		return 0, &studio.Error{Code: studio.EINVALID, Field: "sceneID", Message: fmt.Sprintf("scene %q does not exist", g.SceneID)}
	}
	return ref, err
}

// CreateGroup adds a participant group to a draft.
func (db *DB) CreateGroup(ctx context.Context, versionID int64, g studio.Group) (studio.Group, error) {
	if err := g.Validate(); err != nil {
		return g, err
	}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		ref, err := groupScene(ctx, tx, versionID, g)
		if err != nil {
			return err
		}
		var n, ord int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(ord), -1) + 1 FROM participant_groups WHERE version_id = ?`, versionID).Scan(&n, &ord); err != nil {
			return err
		}
		if n >= studio.MaxGroups {
			return studio.Errorf(studio.EINVALID, "a version holds at most %d groups", studio.MaxGroups)
		}
		if err := insertGroup(ctx, tx, versionID, ref, g, ord); err != nil {
			return err
		}
		g.Revision = 1
		return db.touch(ctx, tx, versionID)
	})
	return g, err
}

// UpdateGroup saves a group's scene and custom properties; g.Revision must
// be the revision loaded.
func (db *DB) UpdateGroup(ctx context.Context, versionID int64, g studio.Group) (studio.Group, error) {
	if err := g.Validate(); err != nil {
		return g, err
	}
	custom, err := studio.CustomJSON(g.Custom)
	if err != nil {
		return g, err
	}
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		ref, err := groupScene(ctx, tx, versionID, g)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE participant_groups SET scene_ref = ?, custom = ?, revision = revision + 1
			WHERE version_id = ? AND group_id = ? AND revision = ?`, ref, custom, versionID, g.GroupID, g.Revision)
		if err != nil {
			return fmt.Errorf("update group: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var exists int
			tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM participant_groups WHERE version_id = ? AND group_id = ?`, versionID, g.GroupID).Scan(&exists)
			if exists == 0 {
				return studio.Errorf(studio.ENOTFOUND, "group %q does not exist", g.GroupID)
			}
			return studio.Errorf(studio.ECONFLICT, "group %q was changed elsewhere (another tab?) since you loaded it; reload to see that change, then edit again", g.GroupID)
		}
		g.Revision++
		return db.touch(ctx, tx, versionID)
	})
	return g, err
}

// DeleteGroup deletes a group of a draft; the default group stays.
func (db *DB) DeleteGroup(ctx context.Context, versionID int64, groupID string) error {
	if groupID == studio.DefaultGroupID {
		return &studio.Error{Code: studio.EINVALID, Field: "groupID", Message: "the default group cannot be deleted"}
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM participant_groups WHERE version_id = ? AND group_id = ?`, versionID, groupID)
		if err != nil {
			return fmt.Errorf("delete group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return studio.Errorf(studio.ENOTFOUND, "group %q does not exist", groupID)
		}
		return db.touch(ctx, tx, versionID)
	})
}
