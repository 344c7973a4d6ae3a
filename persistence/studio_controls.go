package persistence

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mixstudio/mixstudio/studio"
)

// encodedControl is a control as its row stores it.
type encodedControl struct {
	positions, props []byte
	missing          bool // not placed on some grid (0005's column)
}

func encodeControl(c *studio.Control) (encodedControl, error) {
	var e encodedControl
	ps := c.Position
	if ps == nil {
		ps = []studio.Position{}
	}
	var err error
	if e.positions, err = json.Marshal(ps); err != nil {
		return e, err
	}
	e.missing = len(studio.MissingGrids(*c)) > 0
	e.props, err = c.PropsJSON()
	return e, err
}

const insertControlSQL = `INSERT INTO controls(scene_ref, control_id, kind, ord, positions, props, missing, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// nextControlRevision takes the version's next control revision (0005's
// counter). Every control a save writes gets it, so a revision is never
// given twice in a version: a control deleted and restored by an undo
// cannot match a revision a stale tab saw before the deletion.
func nextControlRevision(ctx context.Context, tx *sql.Tx, versionID int64) (int64, error) {
	var rev int64
	err := tx.QueryRowContext(ctx, `UPDATE versions SET control_revision = control_revision + 1 WHERE id = ? RETURNING control_revision`, versionID).Scan(&rev)
	if err != nil {
		return 0, fmt.Errorf("next control revision of version %d: %w", versionID, err)
	}
	return rev, nil
}

// execer is a *sql.Tx or a statement prepared in one (many inserts).
type execer interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
}

// txExec runs one statement text in a transaction.
type txExec struct {
	tx    *sql.Tx
	query string
}

func (e txExec) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return e.tx.ExecContext(ctx, e.query, args...)
}

// insertControl adds c to a scene with the given revision.
func insertControl(ctx context.Context, ins execer, sceneRef int64, c *studio.Control, ord int, revision int64) error {
	e, err := encodeControl(c)
	if err != nil {
		return fmt.Errorf("encode control %q: %w", c.ControlID, err)
	}
	_, err = ins.ExecContext(ctx, sceneRef, c.ControlID, c.Kind, ord, e.positions, e.props, e.missing, revision)
	if isUniqueViolation(err) {
		return &studio.Error{Code: studio.ECONFLICT, Field: "controlID", Message: fmt.Sprintf("the scene already has a control %q", c.ControlID)}
	}
	if err != nil {
		return fmt.Errorf("insert control %q: %w", c.ControlID, err)
	}
	c.Revision = revision
	return nil
}

func missingControl(sceneID, controlID string) error {
	return studio.Errorf(studio.ENOTFOUND, "scene %q has no control %q (deleted elsewhere?)", sceneID, controlID)
}

// CreateControl adds a control to a scene of a draft. The scene with the
// new control must pass every rule (no overlap, sizes...). The control is
// returned with its first revision.
func (db *DB) CreateControl(ctx context.Context, versionID int64, sceneID string, c studio.Control) (studio.Control, error) {
	c = c.Clone()
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		ref, s, err := sceneForEdit(ctx, tx, versionID, sceneID)
		if err != nil {
			return err
		}
		if s.Control(c.ControlID) != nil {
			return &studio.Error{Code: studio.ECONFLICT, Field: "controlID", Message: fmt.Sprintf("scene %q already has a control %q", sceneID, c.ControlID)}
		}
		if err := checkControlCount(ctx, tx, versionID, 1); err != nil {
			return err
		}
		s.Controls = append(s.Controls, c)
		if err := s.Validate(); err != nil {
			return err
		}
		var ord int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ord), -1) + 1 FROM controls WHERE scene_ref = ?`, ref).Scan(&ord); err != nil {
			return err
		}
		rev, err := nextControlRevision(ctx, tx, versionID)
		if err != nil {
			return err
		}
		if err := insertControl(ctx, txExec{tx, insertControlSQL}, ref, &c, ord, rev); err != nil {
			return err
		}
		return db.touch(ctx, tx, versionID)
	})
	return c, err
}

func checkControlCount(ctx context.Context, tx *sql.Tx, versionID int64, adding int) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM controls c JOIN scenes s ON s.id = c.scene_ref WHERE s.version_id = ?`, versionID).Scan(&n)
	if err != nil {
		return err
	}
	if n+adding > studio.MaxControls {
		return studio.Errorf(studio.EINVALID, "a version holds at most %d controls", studio.MaxControls)
	}
	return nil
}

// saveControl writes c if its stored revision is still expect, and gives
// it revision rev (from nextControlRevision).
func saveControl(ctx context.Context, tx *sql.Tx, sceneRef int64, c *studio.Control, expect int64, sceneID string, rev int64) error {
	e, err := encodeControl(c)
	if err != nil {
		return fmt.Errorf("encode control %q: %w", c.ControlID, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE controls SET positions = ?, props = ?, missing = ?, revision = ?
		WHERE scene_ref = ? AND control_id = ? AND revision = ?`, e.positions, e.props, e.missing, rev, sceneRef, c.ControlID, expect)
	if err != nil {
		return fmt.Errorf("save control %q: %w", c.ControlID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return studio.StaleControl(sceneID, c.ControlID)
	}
	c.Revision = rev
	return nil
}

// MoveControls places or hides several controls of one scene on grids, in
// one transaction: all moves are saved or none. Each move carries the
// revision its control had when the editor loaded it. The moved controls
// are returned with their new revisions, in the order of moves.
func (db *DB) MoveControls(ctx context.Context, versionID int64, sceneID string, moves []studio.ControlMove) ([]studio.Control, error) {
	if len(moves) == 0 {
		return nil, nil
	}
	var out []studio.Control
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		ref, s, err := sceneForEdit(ctx, tx, versionID, sceneID)
		if err != nil {
			return err
		}
		moved := map[string]bool{}
		for _, m := range moves {
			c := s.Control(m.ControlID)
			if c == nil {
				return missingControl(sceneID, m.ControlID)
			}
			if moved[m.ControlID] {
				return &studio.Error{Code: studio.EINVALID, Field: "position", Message: fmt.Sprintf("control %q is moved twice in one save", m.ControlID)}
			}
			moved[m.ControlID] = true
			if c.Revision != m.Revision {
				return studio.StaleControl(sceneID, m.ControlID)
			}
			if _, ok := studio.GridByName(m.Grid); !ok {
				return &studio.Error{Code: studio.EINVALID, Field: "position", Message: fmt.Sprintf("unknown grid %q", m.Grid)}
			}
			if m.Position == nil {
				c.RemovePosition(m.Grid)
			} else {
				p := *m.Position
				p.Size = m.Grid
				c.SetPosition(p)
			}
		}
		if err := s.Validate(); err != nil {
			return err
		}
		rev, err := nextControlRevision(ctx, tx, versionID)
		if err != nil {
			return err
		}
		for _, m := range moves {
			c := s.Control(m.ControlID)
			if err := saveControl(ctx, tx, ref, c, c.Revision, sceneID, rev); err != nil {
				return err
			}
			out = append(out, *c)
		}
		return db.touch(ctx, tx, versionID)
	})
	return out, err
}

// RenameControl changes a control's id within its scene (the protocol never
// does, but a developer designing the layout may). revision must be the
// control's current revision; the renamed control is returned.
func (db *DB) RenameControl(ctx context.Context, versionID int64, sceneID, controlID, newID string, revision int64) (studio.Control, error) {
	var out studio.Control
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		ref, s, err := sceneForEdit(ctx, tx, versionID, sceneID)
		if err != nil {
			return err
		}
		c := s.Control(controlID)
		if c == nil {
			return missingControl(sceneID, controlID)
		}
		if c.Revision != revision {
			return studio.StaleControl(sceneID, controlID)
		}
		if newID != controlID && s.Control(newID) != nil {
			return &studio.Error{Code: studio.ECONFLICT, Field: "controlID", Message: fmt.Sprintf("scene %q already has a control %q", sceneID, newID)}
		}
		c.ControlID = newID
		if err := s.Validate(); err != nil {
			return err
		}
		rev, err := nextControlRevision(ctx, tx, versionID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE controls SET control_id = ?, revision = ?
			WHERE scene_ref = ? AND control_id = ? AND revision = ?`, newID, rev, ref, controlID, revision)
		if err != nil {
			return fmt.Errorf("rename control: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return studio.StaleControl(sceneID, controlID)
		}
		c.Revision = rev
		out = *c
		return db.touch(ctx, tx, versionID)
	})
	return out, err
}

// DeleteControls deletes controls of a scene of a draft, all or none.
func (db *DB) DeleteControls(ctx context.Context, versionID int64, sceneID string, controlIDs []string) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		ref, err := sceneRef(ctx, tx, versionID, sceneID)
		if err != nil {
			return err
		}
		var missing []string
		for _, id := range controlIDs {
			res, err := tx.ExecContext(ctx, `DELETE FROM controls WHERE scene_ref = ? AND control_id = ?`, ref, id)
			if err != nil {
				return fmt.Errorf("delete control %q: %w", id, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				missing = append(missing, fmt.Sprintf("%q", id))
			}
		}
		if len(missing) > 0 {
			return studio.Errorf(studio.ENOTFOUND, "scene %q has no control %s; nothing was deleted", sceneID, strings.Join(missing, ", "))
		}
		return db.touch(ctx, tx, versionID)
	})
}
