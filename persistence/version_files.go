package persistence

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
)

// MaxVersionFileBytes bounds one uploaded file (an alert's image or sound);
// MaxVersionFiles bounds how many a version has.
const (
	MaxVersionFileBytes = 4 << 20
	MaxVersionFiles     = 100
)

// VersionFile is a file uploaded to a version: an image or a sound its
// alerts use.
type VersionFile struct {
	Name        string
	ContentType string
	Size        int64
	Data        []byte // empty in listings
}

// SaveVersionFile stores (or replaces) a draft's file.
func (db *DB) SaveVersionFile(ctx context.Context, versionID int64, f VersionFile) error {
	if !studio.ValidFileName(f.Name) {
		return studio.Errorf(studio.EINVALID, "%q is not a file name: use letters, digits, spaces, dots, dashes and underscores", f.Name)
	}
	if len(f.Data) > MaxVersionFileBytes {
		return studio.Errorf(studio.EINVALID, "the file is %d bytes; at most %d are accepted", len(f.Data), MaxVersionFileBytes)
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM version_files WHERE version_id = ? AND name != ?`, versionID, f.Name).Scan(&n); err != nil {
			return err
		}
		if n >= MaxVersionFiles {
			return studio.Errorf(studio.EINVALID, "a version holds at most %d files", MaxVersionFiles)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO version_files(version_id, name, content_type, data, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT(version_id, name) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, created_at = excluded.created_at`,
			versionID, f.Name, f.ContentType, f.Data, db.now().UnixMilli())
		if err != nil {
			return fmt.Errorf("save file %q: %w", f.Name, err)
		}
		return db.touch(ctx, tx, versionID)
	})
}

// FindVersionFile returns one file with its bytes.
func (db *DB) FindVersionFile(ctx context.Context, versionID int64, name string) (VersionFile, error) {
	f := VersionFile{Name: name}
	err := db.sql.QueryRowContext(ctx, `SELECT content_type, data FROM version_files WHERE version_id = ? AND name = ?`, versionID, name).
		Scan(&f.ContentType, &f.Data)
	if noRows(err) {
		return f, studio.Errorf(studio.ENOTFOUND, "no file %q in version %d", name, versionID)
	}
	f.Size = int64(len(f.Data))
	return f, err
}

// ListVersionFiles lists a version's files by name, without their bytes.
func (db *DB) ListVersionFiles(ctx context.Context, versionID int64) ([]VersionFile, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT name, content_type, length(data) FROM version_files WHERE version_id = ? ORDER BY name`, versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VersionFile
	for rows.Next() {
		var f VersionFile
		if err := rows.Scan(&f.Name, &f.ContentType, &f.Size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// copyVersionFiles gives a new draft the files of the version it copies.
func copyVersionFiles(ctx context.Context, tx *sql.Tx, from, to int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO version_files(version_id, name, content_type, data, created_at)
		SELECT ?, name, content_type, data, created_at FROM version_files WHERE version_id = ?`, to, from)
	if err != nil {
		return fmt.Errorf("copy files: %w", err)
	}
	return nil
}
