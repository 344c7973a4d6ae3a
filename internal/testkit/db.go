package testkit

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/mixstudio/mixstudio/persistence"
)

// MustOpenDB opens a fresh database file under tb.TempDir() through
// persistence.Open (migrations applied) and closes it when tb ends.
func MustOpenDB(tb testing.TB) *persistence.DB {
	tb.Helper()
	db, err := persistence.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// QuietLogger discards everything; the product logs a lot under test.
func QuietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
