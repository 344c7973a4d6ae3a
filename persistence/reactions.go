package persistence

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
)

// Reactions are stored per control: one row holds a control's list. A row
// whose control has gone (deleted, renamed, its scene deleted) is ignored on
// read, so it never breaks a version and is left behind by a copy.

// loadReactions reads a version's reactions, keeping those whose control
// exists in scenes, in scene and control order.
func loadReactions(ctx context.Context, tx *sql.Tx, versionID int64, scenes []studio.Scene) ([]studio.Reaction, error) {
	rows, err := tx.QueryContext(ctx, `SELECT scene_id, control_id, body FROM reactions WHERE version_id = ?`, versionID)
	if err != nil {
		return nil, fmt.Errorf("reactions of version %d: %w", versionID, err)
	}
	defer rows.Close()
	byControl := map[[2]string][]studio.Reaction{}
	for rows.Next() {
		var sceneID, controlID, body string
		if err := rows.Scan(&sceneID, &controlID, &body); err != nil {
			return nil, err
		}
		rs, err := decodeReactions(sceneID, controlID, body)
		if err != nil {
			return nil, err
		}
		byControl[[2]string{sceneID, controlID}] = rs
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []studio.Reaction
	for _, s := range scenes {
		for _, c := range s.Controls {
			out = append(out, byControl[[2]string{s.SceneID, c.ControlID}]...)
		}
	}
	return out, nil
}

func decodeReactions(sceneID, controlID, body string) ([]studio.Reaction, error) {
	var rs []studio.Reaction
	if err := json.Unmarshal([]byte(body), &rs); err != nil {
		return nil, fmt.Errorf("reactions of control %q in scene %q: %w", controlID, sceneID, err)
	}
	for i := range rs {
		rs[i].SceneID, rs[i].ControlID = sceneID, controlID
	}
	return rs, nil
}

// insertReactions writes a new version's reactions (already validated
// with its layout), one row per control.
func insertReactions(ctx context.Context, tx *sql.Tx, versionID int64, rs []studio.Reaction) error {
	var order [][2]string
	byControl := map[[2]string][]studio.Reaction{}
	for _, r := range rs {
		k := [2]string{r.SceneID, r.ControlID}
		if _, ok := byControl[k]; !ok {
			order = append(order, k)
		}
		byControl[k] = append(byControl[k], r)
	}
	for _, k := range order {
		body, err := json.Marshal(byControl[k])
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reactions(version_id, scene_id, control_id, body) VALUES (?, ?, ?, ?)`,
			versionID, k[0], k[1], string(body)); err != nil {
			return fmt.Errorf("insert reactions: %w", err)
		}
	}
	return nil
}

// ControlReactions is one control's reactions and the revision of the
// list, which a save must carry (0: the control has none yet).
type ControlReactions struct {
	Reactions []studio.Reaction
	Revision  int64
}

// FindControlReactions returns a control's reactions.
func (db *DB) FindControlReactions(ctx context.Context, versionID int64, sceneID, controlID string) (ControlReactions, error) {
	var out ControlReactions
	var body string
	err := db.sql.QueryRowContext(ctx, `SELECT body, revision FROM reactions WHERE version_id = ? AND scene_id = ? AND control_id = ?`,
		versionID, sceneID, controlID).Scan(&body, &out.Revision)
	if noRows(err) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("reactions of control %q: %w", controlID, err)
	}
	out.Reactions, err = decodeReactions(sceneID, controlID, body)
	return out, err
}

// SaveControlReactions replaces a control's reactions in a draft. revision
// is the list's revision the editor loaded: an older one is refused
// (ECONFLICT) so a save in another tab is not overwritten. Every reaction
// is checked against the version; a bad one refuses the whole save
// (a *studio.ValidationError). An empty list removes the row.
func (db *DB) SaveControlReactions(ctx context.Context, versionID int64, sceneID, controlID string, rs []studio.Reaction, revision int64) (int64, error) {
	var next int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		v, err := loadVersion(ctx, tx, versionID)
		if err != nil {
			return err
		}
		sc := v.Scene(sceneID)
		if sc == nil {
			return studio.Errorf(studio.ENOTFOUND, "scene %q does not exist", sceneID)
		}
		c := sc.Control(controlID)
		if c == nil {
			return studio.Errorf(studio.ENOTFOUND, "control %q no longer exists in scene %q", controlID, sceneID)
		}
		groups := map[string]bool{}
		for _, g := range v.Groups {
			groups[g.GroupID] = true
		}
		for i := range rs {
			rs[i].SceneID, rs[i].ControlID = sceneID, controlID
		}
		if msgs := studio.ValidateReactions(rs, c.Kind, groups, v.Scene); len(msgs) > 0 {
			ve := &studio.ValidationError{}
			for _, m := range msgs {
				ve.Problems = append(ve.Problems, studio.Problem{SceneID: sceneID, ControlID: controlID, Field: "reactions", Message: m})
			}
			return ve
		}
		var cur int64
		err = tx.QueryRowContext(ctx, `SELECT revision FROM reactions WHERE version_id = ? AND scene_id = ? AND control_id = ?`,
			versionID, sceneID, controlID).Scan(&cur)
		if err != nil && !noRows(err) {
			return err
		}
		if cur != revision {
			return studio.Errorf(studio.ECONFLICT, "the reactions of %q were changed elsewhere; reload to see them", controlID)
		}
		if len(rs) == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM reactions WHERE version_id = ? AND scene_id = ? AND control_id = ?`, versionID, sceneID, controlID); err != nil {
				return err
			}
			next = 0
			return db.touch(ctx, tx, versionID)
		}
		body, err := json.Marshal(rs)
		if err != nil {
			return err
		}
		next = cur + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO reactions(version_id, scene_id, control_id, body, revision) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT(version_id, scene_id, control_id) DO UPDATE SET body = excluded.body, revision = excluded.revision`,
			versionID, sceneID, controlID, string(body), next); err != nil {
			return fmt.Errorf("save reactions: %w", err)
		}
		return db.touch(ctx, tx, versionID)
	})
	return next, err
}
