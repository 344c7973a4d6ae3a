package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mixstudio/mixstudio/studio"
)

// runImport creates a project owned by the studio's owner from a layout
// file (our export, a bare {"scenes": [...]}, a Mixer Developer Lab version
// or a Firebot v5 MixPlay project). It prints the new version ID on stdout,
// and warnings and problems on stderr; nothing is saved if any problem is found.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	dbPath := fs.String("db", "mixstudio.db", "SQLite database file")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("import: want one layout file, got %d arguments", len(pos))
	}
	data, err := readLimited(pos[0], studio.MaxImportBytes)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	layout, report, err := studio.Import(data)
	for _, w := range report.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err != nil {
		var v *studio.ValidationError
		if errors.As(err, &v) {
			for _, p := range v.Problems {
				fmt.Fprintln(stderr, "problem:", p)
			}
			return fmt.Errorf("import %s: %d problems; nothing was saved", pos[0], len(v.Problems))
		}
		return fmt.Errorf("import %s: %s", pos[0], studio.ErrorMessage(err))
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	owner, err := db.EnsureOwner(ctx)
	if err != nil {
		return fmt.Errorf("import: studio owner: %w", err)
	}
	id, err := db.ImportLayout(ctx, owner.ID, layout)
	if err != nil {
		return fmt.Errorf("import %s: %w", pos[0], err)
	}
	fmt.Fprintln(stdout, id)
	return nil
}

// readLimited reads a file, refusing one larger than limit bytes before
// reading it all into memory.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

// runExport writes a version's layout JSON to stdout or, with -o, to a file
// (written whole or not at all).
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr)
	dbPath := fs.String("db", "mixstudio.db", "SQLite database file")
	out := fs.String("o", "", "write to this file instead of stdout")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("export: want one VERSION_ID, got %d arguments", len(pos))
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("export: VERSION_ID must be a positive number, not %q", pos[0])
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("export: database %s: %w", *dbPath, err)
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	layout, err := db.ExportLayout(ctx, id)
	if err != nil {
		return fmt.Errorf("export: %s", studio.ErrorMessage(err))
	}
	data, err := studio.Export(layout)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// The bundle sits beside the layout, never inside it: say so.
	if info, err := db.FindBundleInfo(ctx, id); err == nil && info != nil {
		fmt.Fprintf(stderr, "export: version %d has a control bundle (%s) that the layout JSON does not carry; upload it again with mixstudio bundle upload\n", id, info.Label())
	}
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	return writeFileAtomic(*out, data)
}

// writeFileAtomic writes through a temporary file renamed into place, so a
// crash never leaves a half-written export.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
