package persistence

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
)

// Control bundles: one per version at most (migrations/0009). A bundle
// changes only while its version is a draft, like everything else in it.

// SaveBundle replaces the draft version's bundle (validated first).
func (db *DB) SaveBundle(ctx context.Context, versionID int64, b *studio.Bundle) (studio.BundleInfo, error) {
	if err := b.Validate(); err != nil {
		return studio.BundleInfo{}, err
	}
	info := b.Info()
	info.UploadedAt = db.now().UnixMilli()
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM version_bundles WHERE version_id = ?`, versionID); err != nil {
			return fmt.Errorf("replace bundle: %w", err)
		}
		var manifest any
		if len(b.Manifest) > 0 {
			manifest = []byte(b.Manifest)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO version_bundles(version_id, digest, manifest, files, bytes, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?)`, versionID, info.Digest, manifest, info.Files, info.Bytes, info.UploadedAt)
		if err != nil {
			return fmt.Errorf("insert bundle: %w", err)
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO bundle_files(version_id, path, content) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, f := range b.Files {
			if _, err := ins.ExecContext(ctx, versionID, f.Path, f.Content); err != nil {
				return fmt.Errorf("insert bundle file %q: %w", f.Path, err)
			}
		}
		return db.touch(ctx, tx, versionID)
	})
	return info, err
}

// DeleteBundle removes the draft version's bundle; ENOTFOUND if it has
// none. Controls of custom kinds stay (the editor then flags them, and
// publishing is refused until a bundle is back).
func (db *DB) DeleteBundle(ctx context.Context, versionID int64) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM version_bundles WHERE version_id = ?`, versionID)
		if err != nil {
			return fmt.Errorf("delete bundle: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return studio.Errorf(studio.ENOTFOUND, "version %d has no control bundle", versionID)
		}
		return db.touch(ctx, tx, versionID)
	})
}

// FindBundleInfo returns the version's bundle summary, or nil.
func (db *DB) FindBundleInfo(ctx context.Context, versionID int64) (*studio.BundleInfo, error) {
	return bundleInfo(ctx, db.sql, versionID)
}

// FindBundleFile returns one file of the version's bundle if its digest
// is still digest (an old address finds nothing): ENOTFOUND otherwise.
func (db *DB) FindBundleFile(ctx context.Context, versionID int64, digest, path string) ([]byte, error) {
	var content []byte
	err := db.sql.QueryRowContext(ctx, `SELECT f.content FROM bundle_files f
		JOIN version_bundles b ON b.version_id = f.version_id
		WHERE f.version_id = ? AND b.digest = ? AND f.path = ?`, versionID, digest, path).Scan(&content)
	if noRows(err) {
		return nil, studio.Errorf(studio.ENOTFOUND, "no such bundle file")
	}
	if err != nil {
		return nil, fmt.Errorf("bundle file: %w", err)
	}
	return content, nil
}

// FindBundle returns the version's whole bundle (ENOTFOUND without one).
func (db *DB) FindBundle(ctx context.Context, versionID int64) (*studio.Bundle, error) {
	var b studio.Bundle
	var manifest []byte
	err := db.sql.QueryRowContext(ctx, `SELECT manifest FROM version_bundles WHERE version_id = ?`, versionID).Scan(&manifest)
	if noRows(err) {
		return nil, studio.Errorf(studio.ENOTFOUND, "version %d has no control bundle", versionID)
	}
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	b.Manifest = manifest
	rows, err := db.sql.QueryContext(ctx, `SELECT path, content FROM bundle_files WHERE version_id = ? ORDER BY path`, versionID)
	if err != nil {
		return nil, fmt.Errorf("bundle files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f studio.BundleFile
		if err := rows.Scan(&f.Path, &f.Content); err != nil {
			return nil, err
		}
		b.Files = append(b.Files, f)
	}
	return &b, rows.Err()
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func bundleInfo(ctx context.Context, q rowQueryer, versionID int64) (*studio.BundleInfo, error) {
	var info studio.BundleInfo
	var manifest []byte
	err := q.QueryRowContext(ctx, `SELECT digest, manifest, files, bytes, uploaded_at FROM version_bundles WHERE version_id = ?`,
		versionID).Scan(&info.Digest, &manifest, &info.Files, &info.Bytes, &info.UploadedAt)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bundle of version %d: %w", versionID, err)
	}
	named := (&studio.Bundle{Manifest: manifest}).Info()
	info.Name, info.Version = named.Name, named.Version
	return &info, nil
}

// copyBundle gives version to the bundle of version from, if it has one:
// a new draft and a duplicated project keep their bundle.
func copyBundle(ctx context.Context, tx *sql.Tx, from, to int64) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO version_bundles(version_id, digest, manifest, files, bytes, uploaded_at)
		SELECT ?, digest, manifest, files, bytes, uploaded_at FROM version_bundles WHERE version_id = ?`, to, from)
	if err != nil {
		return fmt.Errorf("copy bundle: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO bundle_files(version_id, path, content)
		SELECT ?, path, content FROM bundle_files WHERE version_id = ?`, to, from)
	if err != nil {
		return fmt.Errorf("copy bundle files: %w", err)
	}
	return nil
}
