package persistence

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// MustOpenDB opens a fresh database file under tb.TempDir().
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestOpenAppliesMigrationsOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	known, _ := listMigrations()
	var n, max int
	db.sql.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &max)
	if n != len(known) || max != known[len(known)-1].version {
		t.Fatalf("applied %d up to %d; want %d", n, max, len(known))
	}
	db.Close()

	db, err = Open(ctx, path) // again: nothing new to apply, no error
	if err != nil {
		t.Fatal(err)
	}
	db.sql.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	db.Close()
	if n != len(known) {
		t.Fatalf("reopening applied migrations again: %d rows", n)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.sql.Exec(`INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)`)
	db.Close()
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "newer mixstudio") {
		t.Fatalf("Open on a newer schema: %v", err)
	}
}

func TestForeignKeysAndWALAreOnForEveryConnection(t *testing.T) {
	db := MustOpenDB(t)
	db.sql.SetMaxOpenConns(3)
	for i := 0; i < 3; i++ {
		conn, err := db.sql.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var fk int
		var mode string
		conn.QueryRowContext(context.Background(), `PRAGMA foreign_keys`).Scan(&fk)
		conn.QueryRowContext(context.Background(), `PRAGMA journal_mode`).Scan(&mode)
		if fk != 1 || mode != "wal" {
			t.Fatalf("connection %d: foreign_keys=%d journal_mode=%s", i, fk, mode)
		}
	}
}

func TestPendingMigrationsFillsGapsInOrder(t *testing.T) {
	known := []migration{{1, "0001_a.sql"}, {2, "0002_b.sql"}, {3, "0003_c.sql"}, {4, "0004_d.sql"}}
	todo, err := pendingMigrations(known, map[int]bool{1: true, 3: true, 4: true})
	if err != nil || len(todo) != 1 || todo[0].version != 2 {
		t.Fatalf("gap: %v %v", todo, err)
	}
	todo, _ = pendingMigrations(known, map[int]bool{})
	for i, m := range todo {
		if m.version != i+1 {
			t.Fatalf("fresh database: %v not in order", todo)
		}
	}
	if _, err := pendingMigrations(known, map[int]bool{1: true, 7: true}); err == nil {
		t.Fatal("an unknown applied migration was accepted")
	}
}
