package persistence

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// Moderate records a ban or a mute on a channel, replacing an earlier one
// of the same kind on the same viewer (a new mute sets a new end).
func (db *DB) Moderate(ctx context.Context, m studio.Moderation) (studio.Moderation, error) {
	if err := m.Validate(); err != nil {
		return m, err
	}
	m.CreatedAt = db.now().UnixMilli()
	var userID, viewerID, until any
	if m.UserID != 0 {
		userID = m.UserID
	} else {
		viewerID = m.ViewerID
	}
	if m.Until != 0 {
		until = m.Until
	}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM channel_moderation WHERE channel_id = ? AND kind = ? AND (user_id = ? OR viewer_id = ?)`,
			m.ChannelID, m.Kind, userID, viewerID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO channel_moderation(channel_id, kind, user_id, viewer_id, username, until, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ChannelID, m.Kind, userID, viewerID, m.Username, until, m.CreatedAt)
		if err != nil {
			return err
		}
		m.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return m, fmt.Errorf("%s on channel %d: %w", m.Kind, m.ChannelID, err)
	}
	return m, nil
}

// LiftModeration removes a ban or mute of the channel (studio.ErrNotFound
// if it has no entry with that id).
func (db *DB) LiftModeration(ctx context.Context, channelID, id int64) (studio.Moderation, error) {
	var m studio.Moderation
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if m, err = scanModeration(tx.QueryRowContext(ctx, moderationSelect+` WHERE channel_id = ? AND id = ?`, channelID, id)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM channel_moderation WHERE id = ?`, id)
		return err
	})
	if noRows(err) {
		return m, studio.Errorf(studio.ENOTFOUND, "no such ban or mute: it was lifted already")
	}
	if err != nil {
		return m, fmt.Errorf("lift moderation %d: %w", id, err)
	}
	return m, nil
}

// ListModeration lists a channel's bans and mutes in force at now, newest
// first; ended mutes are deleted on the way.
func (db *DB) ListModeration(ctx context.Context, channelID int64, now time.Time) ([]studio.Moderation, error) {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM channel_moderation WHERE channel_id = ? AND until IS NOT NULL AND until <= ?`,
		channelID, now.UnixMilli()); err != nil {
		return nil, fmt.Errorf("moderation of channel %d: %w", channelID, err)
	}
	rows, err := db.sql.QueryContext(ctx, moderationSelect+` WHERE channel_id = ? ORDER BY id DESC`, channelID)
	if err != nil {
		return nil, fmt.Errorf("moderation of channel %d: %w", channelID, err)
	}
	defer rows.Close()
	var out []studio.Moderation
	for rows.Next() {
		m, err := scanModeration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ModerationStanding says whether a viewer (a user, or an anonymous
// viewer's id; either may be zero) is banned from or muted on a channel at
// now. The mediator asks it for every participant that connects.
func (db *DB) ModerationStanding(ctx context.Context, channelID, userID int64, viewerID string, now time.Time) (studio.Standing, error) {
	var st studio.Standing
	if userID == 0 && viewerID == "" {
		return st, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT kind, until FROM channel_moderation
		WHERE channel_id = ? AND (user_id = ? OR viewer_id = ?) AND (until IS NULL OR until > ?)`,
		channelID, userID, viewerID, now.UnixMilli())
	if err != nil {
		return st, fmt.Errorf("standing on channel %d: %w", channelID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var until sql.NullInt64
		if err := rows.Scan(&kind, &until); err != nil {
			return st, err
		}
		switch kind {
		case studio.ModerationBan:
			st.Banned = true
		case studio.ModerationMute:
			if t := time.UnixMilli(until.Int64); t.After(st.MutedUntil) {
				st.MutedUntil = t
			}
		}
	}
	return st, rows.Err()
}

const moderationSelect = `SELECT id, channel_id, kind, COALESCE(user_id, 0), COALESCE(viewer_id, ''), username, COALESCE(until, 0), created_at FROM channel_moderation`

func scanModeration(r interface{ Scan(...any) error }) (studio.Moderation, error) {
	var m studio.Moderation
	err := r.Scan(&m.ID, &m.ChannelID, &m.Kind, &m.UserID, &m.ViewerID, &m.Username, &m.Until, &m.CreatedAt)
	return m, err
}
