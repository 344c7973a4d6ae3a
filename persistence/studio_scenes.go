package persistence

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
)

func insertScene(ctx context.Context, tx *sql.Tx, versionID int64, s *studio.Scene, ord int) (int64, error) {
	custom, err := studio.CustomJSON(s.Custom)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO scenes(version_id, scene_id, ord, custom) VALUES (?, ?, ?, ?)`,
		versionID, s.SceneID, ord, custom)
	if isUniqueViolation(err) {
		return 0, &studio.Error{Code: studio.ECONFLICT, Field: "sceneID", Message: fmt.Sprintf("a scene %q already exists", s.SceneID)}
	}
	if err != nil {
		return 0, fmt.Errorf("insert scene %q: %w", s.SceneID, err)
	}
	s.Revision = 1
	return res.LastInsertId()
}

// sceneRef returns the row id of a scene of a version; ENOTFOUND if none.
func sceneRef(ctx context.Context, q queryer, versionID int64, sceneID string) (int64, error) {
	var ref int64
	err := q.QueryRowContext(ctx, `SELECT id FROM scenes WHERE version_id = ? AND scene_id = ?`, versionID, sceneID).Scan(&ref)
	if noRows(err) {
		return 0, studio.Errorf(studio.ENOTFOUND, "version %d has no scene %q", versionID, sceneID)
	}
	return ref, err
}

// sceneForEdit checks the version is a draft and loads one scene with its
// controls, inside the transaction that will save the change.
func sceneForEdit(ctx context.Context, tx *sql.Tx, versionID int64, sceneID string) (int64, studio.Scene, error) {
	if _, err := editable(ctx, tx, versionID); err != nil {
		return 0, studio.Scene{}, err
	}
	ref, err := sceneRef(ctx, tx, versionID, sceneID)
	if err != nil {
		return 0, studio.Scene{}, err
	}
	scenes, err := loadScenes(ctx, tx, versionID, sceneID, true)
	if err != nil {
		return 0, studio.Scene{}, err
	}
	if len(scenes) != 1 {
		return 0, studio.Scene{}, studio.Errorf(studio.ENOTFOUND, "version %d has no scene %q", versionID, sceneID)
	}
	return ref, scenes[0], nil
}

// FindScene returns one scene of a version with its controls (what the
// editor shows at a time).
func (db *DB) FindScene(ctx context.Context, versionID int64, sceneID string) (studio.Scene, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return studio.Scene{}, err
	}
	defer tx.Rollback()
	if _, err := versionSummary(ctx, tx, versionID); err != nil {
		return studio.Scene{}, err
	}
	scenes, err := loadScenes(ctx, tx, versionID, sceneID, true)
	if err != nil {
		return studio.Scene{}, err
	}
	if len(scenes) != 1 {
		return studio.Scene{}, studio.Errorf(studio.ENOTFOUND, "version %d has no scene %q", versionID, sceneID)
	}
	return scenes[0], nil
}

// nextSceneOrd is the place of a scene added to the version, refused when
// the version already holds studio.MaxScenes.
func nextSceneOrd(ctx context.Context, tx *sql.Tx, versionID int64) (int, error) {
	var n, ord int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(ord), -1) + 1 FROM scenes WHERE version_id = ?`, versionID).Scan(&n, &ord); err != nil {
		return 0, err
	}
	if n >= studio.MaxScenes {
		return 0, studio.Errorf(studio.EINVALID, "a version holds at most %d scenes", studio.MaxScenes)
	}
	return ord, nil
}

// CreateScene adds an empty scene to a draft (RestoreScene of nothing).
func (db *DB) CreateScene(ctx context.Context, versionID int64, sceneID string) (studio.Scene, error) {
	return db.RestoreScene(ctx, versionID, studio.Scene{SceneID: sceneID}, nil)
}

// RenameScene changes a scene's id; the groups showing it follow. The
// default scene keeps its id.
func (db *DB) RenameScene(ctx context.Context, versionID int64, sceneID, newID string) error {
	if sceneID == studio.DefaultSceneID {
		return &studio.Error{Code: studio.EINVALID, Field: "sceneID", Message: "the default scene cannot be renamed"}
	}
	if err := (&studio.Scene{SceneID: newID}).Validate(); err != nil {
		return err
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		ref, err := sceneRef(ctx, tx, versionID, sceneID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE scenes SET scene_id = ?, revision = revision + 1 WHERE id = ?`, newID, ref)
		if isUniqueViolation(err) {
			return &studio.Error{Code: studio.ECONFLICT, Field: "sceneID", Message: fmt.Sprintf("a scene %q already exists", newID)}
		}
		if err != nil {
			return fmt.Errorf("rename scene: %w", err)
		}
		return db.touch(ctx, tx, versionID)
	})
}

// DeleteScene deletes a scene and its controls; the groups that showed it
// show reassignTo instead ("" means the default scene), as the protocol's
// deleteScenes does. The default scene cannot be deleted.
func (db *DB) DeleteScene(ctx context.Context, versionID int64, sceneID, reassignTo string) error {
	if reassignTo == "" {
		reassignTo = studio.DefaultSceneID
	}
	if sceneID == studio.DefaultSceneID {
		return &studio.Error{Code: studio.EINVALID, Field: "sceneID", Message: "the default scene cannot be deleted"}
	}
	if reassignTo == sceneID {
		return &studio.Error{Code: studio.EINVALID, Field: "reassignSceneID", Message: "groups cannot be moved to the scene being deleted"}
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		ref, err := sceneRef(ctx, tx, versionID, sceneID)
		if err != nil {
			return err
		}
		to, err := sceneRef(ctx, tx, versionID, reassignTo)
		if err != nil {
			return &studio.Error{Code: studio.EINVALID, Field: "reassignSceneID", Message: fmt.Sprintf("scene %q to move the groups to does not exist", reassignTo)}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participant_groups SET scene_ref = ?, revision = revision + 1 WHERE scene_ref = ?`, to, ref); err != nil {
			return fmt.Errorf("reassign groups: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scenes WHERE id = ?`, ref); err != nil {
			return fmt.Errorf("delete scene: %w", err)
		}
		return db.touch(ctx, tx, versionID)
	})
}

// decodeControl fills c (id and kind set) from its stored columns.
func decodeControl(c *studio.Control, positions, props []byte) error {
	var err error
	if c.Position, err = studio.DecodePositions(positions); err != nil {
		return fmt.Errorf("control %q: stored positions: %w", c.ControlID, err)
	}
	if err := studio.DecodeProps(c, props); err != nil {
		return fmt.Errorf("control %q: stored properties: %w", c.ControlID, err)
	}
	return nil
}

// FindSceneSummaries lists a version's scenes in order with their number
// of controls and of controls missing from at least one grid, without
// decoding any control (an editor's scene tabs on a big project).
func (db *DB) FindSceneSummaries(ctx context.Context, versionID int64) ([]studio.SceneSummary, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := versionSummary(ctx, tx, versionID); err != nil {
		return nil, err
	}
	// controls.missing is kept on every write (encodeControl), and the
	// index on (scene_ref, missing) answers this without reading a row.
	rows, err := tx.QueryContext(ctx, `SELECT s.scene_id, COUNT(c.scene_ref), COALESCE(SUM(c.missing), 0)
		FROM scenes s LEFT JOIN controls c INDEXED BY controls_missing_by_scene ON c.scene_ref = s.id
		WHERE s.version_id = ? GROUP BY s.id ORDER BY s.ord`, versionID)
	if err != nil {
		return nil, fmt.Errorf("scenes of version %d: %w", versionID, err)
	}
	defer rows.Close()
	var out []studio.SceneSummary
	for rows.Next() {
		var s studio.SceneSummary
		if err := rows.Scan(&s.SceneID, &s.Controls, &s.Missing); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RestoreScene brings a deleted scene back into a draft, with its custom
// properties and controls, and points the groups named in groupIDs at it
// again (those deleted since are skipped): one transaction, so an undo of
// a scene deletion is never left half done. The scene is validated whole,
// the version's scene and control caps hold, and its controls get a new
// revision (never one a tab saw before the deletion). The restored scene
// is returned.
func (db *DB) RestoreScene(ctx context.Context, versionID int64, s studio.Scene, groupIDs []string) (studio.Scene, error) {
	s = s.Clone()
	if err := s.Validate(); err != nil {
		return s, err
	}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		ord, err := nextSceneOrd(ctx, tx, versionID)
		if err != nil {
			return err
		}
		if len(s.Controls) > 0 {
			if err := checkControlCount(ctx, tx, versionID, len(s.Controls)); err != nil {
				return err
			}
		}
		ref, err := insertScene(ctx, tx, versionID, &s, ord)
		if err != nil {
			return err
		}
		if len(s.Controls) > 0 {
			rev, err := nextControlRevision(ctx, tx, versionID)
			if err != nil {
				return err
			}
			ins, err := tx.PrepareContext(ctx, insertControlSQL)
			if err != nil {
				return err
			}
			defer ins.Close()
			for i := range s.Controls {
				if err := insertControl(ctx, ins, ref, &s.Controls[i], i, rev); err != nil {
					return err
				}
			}
		}
		for _, id := range groupIDs {
			if _, err := tx.ExecContext(ctx, `UPDATE participant_groups SET scene_ref = ?, revision = revision + 1
				WHERE version_id = ? AND group_id = ?`, ref, versionID, id); err != nil {
				return fmt.Errorf("point group %q at scene %q: %w", id, s.SceneID, err)
			}
		}
		return db.touch(ctx, tx, versionID)
	})
	return s, err
}
