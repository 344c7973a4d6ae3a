package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/mixstudio/mixstudio/studio"
)

// runBundle is `mixstudio bundle upload VERSION_ID DIR_OR_ZIP` and
// `mixstudio bundle remove VERSION_ID`: a version's control bundle
// (docs/custom-controls.md).
func runBundle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bundle", stderr)
	dbPath := fs.String("db", "mixstudio.db", "SQLite database file")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || (pos[0] != "upload" && pos[0] != "remove") {
		fs.Usage()
		return fmt.Errorf("bundle: want upload VERSION_ID DIR_OR_ZIP, or remove VERSION_ID")
	}
	want := map[string]int{"upload": 3, "remove": 2}[pos[0]]
	if len(pos) != want {
		fs.Usage()
		return fmt.Errorf("bundle %s: want %d arguments, got %d", pos[0], want-1, len(pos)-1)
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("bundle: VERSION_ID must be a positive number, not %q", pos[1])
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("bundle: database %s: %w", *dbPath, err)
	}
	var b *studio.Bundle
	if pos[0] == "upload" {
		// Read before opening the database: a bad folder changes nothing.
		if b, err = studio.ReadBundlePath(pos[2]); err != nil {
			return fmt.Errorf("bundle upload: %s", studio.ErrorMessage(err))
		}
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if b == nil {
		if err := db.DeleteBundle(ctx, id); err != nil {
			return fmt.Errorf("bundle remove: %s", studio.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "removed the control bundle of version %d\n", id)
		return nil
	}
	info, err := db.SaveBundle(ctx, id, b)
	if err != nil {
		return fmt.Errorf("bundle upload: %s", studio.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "version %d: %s, %d files, %d bytes, digest %s\n", id, info.Label(), info.Files, info.Bytes, info.Digest)
	return nil
}
