// Package persistence is the SQLite store: it opens the database, applies
// the embedded migrations and implements the repositories the other
// packages use. Repositories take a context and return studio types.
package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mixstudio/mixstudio/migrations"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is the application's database handle.
type DB struct {
	sql *sql.DB
	now func() time.Time
}

// Open opens (creating if needed) the SQLite file at path and migrates it.
// Pragmas go in the DSN so that every pooled connection gets them; BEGIN
// IMMEDIATE makes a writing transaction take the lock up front, so two
// writers queue on busy_timeout instead of failing mid-transaction.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{sql: sqldb, now: time.Now}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return db, nil
}

// Close checkpoints the WAL into the main file and closes the pool.
func (db *DB) Close() error {
	_, _ = db.sql.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return db.sql.Close()
}

// SQL exposes the pool for the repositories of other packages' tests.
func (db *DB) SQL() *sql.DB { return db.sql }

// Tx runs fn in one transaction: committed if fn returns nil, rolled back
// otherwise. Every save is one call to Tx.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type migration struct {
	version int
	name    string
}

// migrate applies, in order and one transaction each, every embedded
// migration the database has not recorded yet. Gaps are filled too (a file
// numbered below one already applied, as when two branches each add one),
// so applied-ness is per file, not "everything above the maximum". A
// database that records a migration this build does not know was written
// by a newer build and is refused rather than misread.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	known, err := listMigrations()
	if err != nil {
		return err
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	todo, err := pendingMigrations(known, applied)
	if err != nil {
		return err
	}
	for _, m := range todo {
		body, err := fs.ReadFile(migrations.FS, m.name)
		if err != nil {
			return err
		}
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, db.now().UnixMilli())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) appliedMigrations(ctx context.Context) (map[int]bool, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// pendingMigrations is the known migrations not yet applied, in order; an
// applied version this build does not know means a newer build wrote it.
func pendingMigrations(known []migration, applied map[int]bool) ([]migration, error) {
	isKnown := map[int]bool{}
	var todo []migration
	for _, m := range known {
		isKnown[m.version] = true
		if !applied[m.version] {
			todo = append(todo, m)
		}
	}
	for v := range applied {
		if !isKnown[v] {
			return nil, fmt.Errorf("database schema has migration %d, which this build does not know: it was written by a newer mixstudio", v)
		}
	}
	return todo, nil
}

func listMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %q is not named NNNN_name.sql", e.Name())
		}
		out = append(out, migration{version: v, name: e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, errors.New("two migrations share version " + strconv.Itoa(out[i].version))
		}
	}
	return out, nil
}
