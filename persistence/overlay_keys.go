package persistence

import (
	"context"
	"crypto/subtle"
	"fmt"
)

// OverlayKey returns the channel's overlay key, creating one the first
// time. The key is kept readable (not hashed): the streamer copies the
// overlay URL again whenever needed, and the key opens a read-only page.
func (db *DB) OverlayKey(ctx context.Context, channelID int64) (string, error) {
	var key string
	err := db.sql.QueryRowContext(ctx, `SELECT key FROM overlay_keys WHERE channel_id = ?`, channelID).Scan(&key)
	if err == nil {
		return key, nil
	}
	if !noRows(err) {
		return "", fmt.Errorf("overlay key: %w", err)
	}
	key = newSecret(18)
	// Two first requests at once: the second keeps the first one's key.
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO overlay_keys(channel_id, key, created_at) VALUES (?, ?, ?) ON CONFLICT(channel_id) DO NOTHING`,
		channelID, key, db.now().UnixMilli()); err != nil {
		return "", fmt.Errorf("create overlay key: %w", err)
	}
	err = db.sql.QueryRowContext(ctx, `SELECT key FROM overlay_keys WHERE channel_id = ?`, channelID).Scan(&key)
	return key, err
}

// RotateOverlayKey replaces the channel's overlay key; the old URL stops
// working at once.
func (db *DB) RotateOverlayKey(ctx context.Context, channelID int64) (string, error) {
	key := newSecret(18)
	_, err := db.sql.ExecContext(ctx, `INSERT INTO overlay_keys(channel_id, key, created_at) VALUES (?, ?, ?)
		ON CONFLICT(channel_id) DO UPDATE SET key = excluded.key, created_at = excluded.created_at`, channelID, key, db.now().UnixMilli())
	if err != nil {
		return "", fmt.Errorf("rotate overlay key: %w", err)
	}
	return key, nil
}

// OverlayKeyMatches reports whether key is the channel's current overlay
// key (false when the channel has none yet).
func (db *DB) OverlayKeyMatches(ctx context.Context, channelID int64, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	var cur string
	err := db.sql.QueryRowContext(ctx, `SELECT key FROM overlay_keys WHERE channel_id = ?`, channelID).Scan(&cur)
	if noRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(cur), []byte(key)) == 1, nil
}
