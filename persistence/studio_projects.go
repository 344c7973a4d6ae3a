package persistence

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"fmt"
	"strings"

	"github.com/mixstudio/mixstudio/studio"
)

const projectColumns = `id, owner_user_id, name, COALESCE(sharecode, ''), created_at, updated_at`

func scanProject(r rowScanner) (studio.Project, error) {
	var p studio.Project
	var created, updated int64
	if err := r.Scan(&p.ID, &p.OwnerID, &p.Name, &p.Sharecode, &created, &updated); err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	return p, nil
}

// insertProject creates the project row and returns its id.
func (db *DB) insertProject(ctx context.Context, tx *sql.Tx, ownerID int64, name string) (int64, error) {
	if err := studio.ValidateProjectName(name); err != nil {
		return 0, err
	}
	now := db.now().UnixMilli()
	res, err := tx.ExecContext(ctx, `INSERT INTO projects(owner_user_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		ownerID, name, now, now)
	if err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return 0, studio.Errorf(studio.ENOTFOUND, "user %d does not exist", ownerID)
		}
		return 0, fmt.Errorf("insert project: %w", err)
	}
	return res.LastInsertId()
}

// CreateProject creates a project with a first draft (version 1) holding
// the default scene and group.
func (db *DB) CreateProject(ctx context.Context, ownerID int64, name string) (studio.Project, studio.Version, error) {
	var projectID, versionID int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if projectID, err = db.insertProject(ctx, tx, ownerID, name); err != nil {
			return err
		}
		versionID, err = db.insertVersion(ctx, tx, projectID, studio.NewLayout(name))
		return err
	})
	if err != nil {
		return studio.Project{}, studio.Version{}, err
	}
	p, err := db.FindProjectByID(ctx, projectID)
	if err != nil {
		return p, studio.Version{}, err
	}
	v, err := db.FindVersion(ctx, versionID)
	return p, v, err
}

// FindProjects lists a user's projects, most recently changed first, each
// with its versions (newest first).
func (db *DB) FindProjects(ctx context.Context, ownerID int64) ([]studio.Project, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE owner_user_id = ? ORDER BY updated_at DESC, id DESC`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("find projects: %w", err)
	}
	var out []studio.Project
	index := map[int64]int{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		index[p.ID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.sql.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions v JOIN projects p ON p.id = v.project_id
		WHERE p.owner_user_id = ? ORDER BY v.number DESC`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("find versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVersionSummary(rows)
		if err != nil {
			return nil, err
		}
		if i, ok := index[v.ProjectID]; ok {
			out[i].Versions = append(out[i].Versions, v)
		}
	}
	return out, rows.Err()
}

// FindProjectByID returns a project with its versions (newest first).
func (db *DB) FindProjectByID(ctx context.Context, id int64) (studio.Project, error) {
	p, err := scanProject(db.sql.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = ?`, id))
	if noRows(err) {
		return p, studio.Errorf(studio.ENOTFOUND, "project %d does not exist", id)
	}
	if err != nil {
		return p, fmt.Errorf("find project %d: %w", id, err)
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions v WHERE v.project_id = ? ORDER BY v.number DESC`, id)
	if err != nil {
		return p, fmt.Errorf("versions of project %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVersionSummary(rows)
		if err != nil {
			return p, err
		}
		p.Versions = append(p.Versions, v)
	}
	return p, rows.Err()
}

// RenameProject changes a project's name.
func (db *DB) RenameProject(ctx context.Context, id int64, name string) error {
	if err := studio.ValidateProjectName(name); err != nil {
		return err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE projects SET name = ?, updated_at = ? WHERE id = ?`, name, db.now().UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("rename project: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return studio.Errorf(studio.ENOTFOUND, "project %d does not exist", id)
	}
	return nil
}

// DuplicateProject copies a project's newest version into a new project
// "NAME (copy)" owned by ownerID, as its draft version 1. The copy has no
// sharecode.
func (db *DB) DuplicateProject(ctx context.Context, id, ownerID int64) (studio.Project, error) {
	var newID int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		src, err := scanProject(tx.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = ?`, id))
		if noRows(err) {
			return studio.Errorf(studio.ENOTFOUND, "project %d does not exist", id)
		}
		if err != nil {
			return err
		}
		var versionID int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM versions WHERE project_id = ? ORDER BY number DESC LIMIT 1`, id).Scan(&versionID); err != nil {
			return fmt.Errorf("newest version of project %d: %w", id, err)
		}
		v, err := loadVersion(ctx, tx, versionID)
		if err != nil {
			return err
		}
		name := src.Name + " (copy)"
		if len([]rune(name)) > studio.MaxNameLen {
			name = src.Name
		}
		if newID, err = db.insertProject(ctx, tx, ownerID, name); err != nil {
			return err
		}
		copyID, err := db.insertVersion(ctx, tx, newID, v.Layout())
		if err != nil {
			return err
		}
		if err := copyVersionFiles(ctx, tx, versionID, copyID); err != nil {
			return err
		}
		return copyBundle(ctx, tx, versionID, copyID)
	})
	if err != nil {
		return studio.Project{}, err
	}
	return db.FindProjectByID(ctx, newID)
}

// DeleteProject deletes a project with all its versions. Their ids are
// never reused.
func (db *DB) DeleteProject(ctx context.Context, id int64) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM projects WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete project: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return studio.Errorf(studio.ENOTFOUND, "project %d does not exist", id)
	}
	return nil
}

// sharecodeBytes of entropy: 6 bytes give an 8-character code, short enough
// to type into a game's settings, too many to guess.
const sharecodeBytes = 6

// SetSharecode gives the project a new random sharecode (replacing any
// old one, which stops working) and returns it. Other users' game clients
// may then use the project's versions by sending it.
func (db *DB) SetSharecode(ctx context.Context, projectID int64) (string, error) {
	for range 5 {
		code := newSecret(sharecodeBytes)
		res, err := db.sql.ExecContext(ctx, `UPDATE projects SET sharecode = ?, updated_at = ? WHERE id = ?`, code, db.now().UnixMilli(), projectID)
		if isUniqueViolation(err) {
			continue // astronomically unlikely; draw again
		}
		if err != nil {
			return "", fmt.Errorf("set sharecode: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return "", studio.Errorf(studio.ENOTFOUND, "project %d does not exist", projectID)
		}
		return code, nil
	}
	return "", studio.Errorf(studio.EINTERNAL, "could not draw a unique sharecode")
}

// EnsureSharecode returns the project's sharecode, drawing one if it has
// none (in one statement, so two callers at once get the same code);
// created tells which.
func (db *DB) EnsureSharecode(ctx context.Context, projectID int64) (code string, created bool, err error) {
	for range 5 {
		fresh := newSecret(sharecodeBytes)
		_, err := db.sql.ExecContext(ctx, `UPDATE projects SET sharecode = ?, updated_at = ? WHERE id = ? AND sharecode IS NULL`, fresh, db.now().UnixMilli(), projectID)
		if isUniqueViolation(err) {
			continue
		}
		if err != nil {
			return "", false, fmt.Errorf("ensure sharecode: %w", err)
		}
		p, err := db.FindProjectByID(ctx, projectID)
		if err != nil {
			return "", false, err
		}
		return p.Sharecode, p.Sharecode == fresh, nil
	}
	return "", false, studio.Errorf(studio.EINTERNAL, "could not draw a unique sharecode")
}

// RevokeSharecode removes the project's sharecode: only its owner's game
// clients can use it again.
func (db *DB) RevokeSharecode(ctx context.Context, projectID int64) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE projects SET sharecode = NULL, updated_at = ? WHERE id = ?`, db.now().UnixMilli(), projectID)
	if err != nil {
		return fmt.Errorf("revoke sharecode: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return studio.Errorf(studio.ENOTFOUND, "project %d does not exist", projectID)
	}
	return nil
}

// sharecodeMatches compares in constant time, so response timing does not
// reveal how much of a guessed code was right.
func sharecodeMatches(stored, given string) bool {
	return stored != "" && given != "" && subtle.ConstantTimeCompare([]byte(stored), []byte(given)) == 1
}
