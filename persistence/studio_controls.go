package persistence

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

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
