package persistence

import (
	"context"
	"fmt"
)

// LiveChannel is a channel the live console runs, kept so that a show
// that was live when the server stopped resumes when it starts.
type LiveChannel struct {
	ChannelID     int64
	UserID        int64
	VersionID     int64
	RemoteURL     string
	RemoteToken   string
	RemoteVersion string
	// State is the console's JSON of what was changed live (live/console
	// owns its shape).
	State     []byte
	StartedAt int64
}

// SaveLiveChannel records (or replaces) a channel's live row.
func (db *DB) SaveLiveChannel(ctx context.Context, lc LiveChannel) error {
	now := db.now().UnixMilli()
	if lc.StartedAt == 0 {
		lc.StartedAt = now
	}
	if len(lc.State) == 0 {
		lc.State = []byte("{}")
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO live_channels(channel_id, user_id, version_id, remote_url, remote_token, remote_version, state, started_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(channel_id) DO UPDATE SET user_id = excluded.user_id, version_id = excluded.version_id,
			remote_url = excluded.remote_url, remote_token = excluded.remote_token, remote_version = excluded.remote_version,
			state = excluded.state, started_at = excluded.started_at, updated_at = excluded.updated_at`,
		lc.ChannelID, lc.UserID, lc.VersionID, lc.RemoteURL, lc.RemoteToken, lc.RemoteVersion, string(lc.State), lc.StartedAt, now)
	if err != nil {
		return fmt.Errorf("save live channel %d: %w", lc.ChannelID, err)
	}
	return nil
}

// SetLiveChannelState replaces the state of a channel's live row (nothing
// happens if the channel has none).
func (db *DB) SetLiveChannelState(ctx context.Context, channelID int64, state []byte) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE live_channels SET state = ?, updated_at = ? WHERE channel_id = ?`,
		string(state), db.now().UnixMilli(), channelID)
	if err != nil {
		return fmt.Errorf("save live state of channel %d: %w", channelID, err)
	}
	return nil
}

// DeleteLiveChannel forgets a channel's live row.
func (db *DB) DeleteLiveChannel(ctx context.Context, channelID int64) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM live_channels WHERE channel_id = ?`, channelID); err != nil {
		return fmt.Errorf("delete live channel %d: %w", channelID, err)
	}
	return nil
}

// ListLiveChannels returns every channel's live row.
func (db *DB) ListLiveChannels(ctx context.Context) ([]LiveChannel, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT channel_id, user_id, version_id, remote_url, remote_token, remote_version, state, started_at
		FROM live_channels ORDER BY channel_id`)
	if err != nil {
		return nil, fmt.Errorf("live channels: %w", err)
	}
	defer rows.Close()
	var out []LiveChannel
	for rows.Next() {
		var lc LiveChannel
		var state string
		if err := rows.Scan(&lc.ChannelID, &lc.UserID, &lc.VersionID, &lc.RemoteURL, &lc.RemoteToken, &lc.RemoteVersion, &state, &lc.StartedAt); err != nil {
			return nil, err
		}
		lc.State = []byte(state)
		out = append(out, lc)
	}
	return out, rows.Err()
}
