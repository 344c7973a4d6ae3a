package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/mixstudio/mixstudio/studio"
)

// runSharecode prints the share code of a version's project (drawing one
// when it has none), or rotates it (a new code; the old one stops
// working) or revokes it (only the owner's game clients may then run the
// project's versions). Another user's game client runs the version on its
// own channel by sending X-Interactive-Version: VERSION_ID and
// X-Interactive-Sharecode: CODE. The code belongs to the project: every
// version of it is shared alike.
func runSharecode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sharecode", stderr)
	dbPath := fs.String("db", "mixstudio.db", "SQLite database file")
	rotate := fs.Bool("rotate", false, "replace the code with a new one (the old one stops working)")
	revoke := fs.Bool("revoke", false, "remove the code: only the owner may run the version")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("sharecode: want one VERSION_ID, got %d arguments", len(pos))
	}
	if *rotate && *revoke {
		return fmt.Errorf("sharecode: --rotate and --revoke cannot go together")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("sharecode: VERSION_ID must be a positive number, not %q", pos[0])
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("sharecode: database %s: %w", *dbPath, err)
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.FindVersionOutline(ctx, id)
	if err != nil {
		return fmt.Errorf("sharecode: %s", studio.ErrorMessage(err))
	}
	switch {
	case *revoke:
		if err := db.RevokeSharecode(ctx, v.ProjectID); err != nil {
			return fmt.Errorf("sharecode: %s", studio.ErrorMessage(err))
		}
		fmt.Fprintf(stderr, "revoked: only the owner's game clients may run %q now\n", v.ProjectName)
		return nil
	case *rotate:
		code, err := db.SetSharecode(ctx, v.ProjectID)
		if err != nil {
			return fmt.Errorf("sharecode: %s", studio.ErrorMessage(err))
		}
		fmt.Fprintln(stdout, code)
		return nil
	}
	code, created, err := db.EnsureSharecode(ctx, v.ProjectID)
	if err != nil {
		return fmt.Errorf("sharecode: %s", studio.ErrorMessage(err))
	}
	if created {
		fmt.Fprintf(stderr, "created a share code for %q (every version of it)\n", v.ProjectName)
	}
	fmt.Fprintln(stdout, code)
	return nil
}
