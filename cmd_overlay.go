package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/web"
)

// runOverlay prints a channel's overlay URL (with its key) for an OBS
// browser source: `overlay [--db] [--user NAME] [--rotate] [--url BASE]`.
// --rotate makes a new key first, so the old URL stops working.
func runOverlay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("overlay", stderr)
	dbPath := fs.String("db", "mixstudio.db", "SQLite database file")
	user := fs.String("user", "", "the channel's owner (default: the studio's owner)")
	rotate := fs.Bool("rotate", false, "make a new key; the old URL stops working")
	base := fs.String("url", "http://127.0.0.1:8080", "where OBS reaches the server (serve's --public-url, or its --addr)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("overlay: unexpected argument %q", rest[0])
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	var u studio.User
	if *user == "" {
		u, err = db.EnsureOwner(ctx)
	} else {
		u, err = db.UserByName(ctx, *user)
	}
	if err != nil {
		return fmt.Errorf("overlay: %w", err)
	}
	var key string
	if *rotate {
		key, err = db.RotateOverlayKey(ctx, u.ChannelID)
	} else {
		key, err = db.OverlayKey(ctx, u.ChannelID)
	}
	if err != nil {
		return fmt.Errorf("overlay: %w", err)
	}
	fmt.Fprintln(stdout, web.OverlayURL(*base, u.ChannelID, key))
	return nil
}
