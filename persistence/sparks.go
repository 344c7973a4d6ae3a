package persistence

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// Sparks are a ledger in sparks_ledger: every credit and debit is a row,
// the balance is their sum. Writers run in BEGIN IMMEDIATE transactions
// (see Open), so a debit's check and its row are atomic: concurrent
// debits queue and never overdraw.

// SparksBalance is the user's balance: the sum of their ledger.
func (db *DB) SparksBalance(ctx context.Context, userID int64) (int64, error) {
	return sparksBalance(ctx, db.sql, userID)
}

func sparksBalance(ctx context.Context, q queryer, userID int64) (int64, error) {
	var b int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM sparks_ledger WHERE user_id = ?`, userID).Scan(&b); err != nil {
		return 0, fmt.Errorf("sparks balance of user %d: %w", userID, err)
	}
	return b, nil
}

// CreditSparks adds amount (> 0) to the balance and returns the new one.
func (db *DB) CreditSparks(ctx context.Context, userID int64, amount int64, reason string) (int64, error) {
	if amount <= 0 {
		return 0, studio.Errorf(studio.EINVALID, "a credit must be positive, not %d", amount)
	}
	return db.addSparks(ctx, userID, amount, reason, "")
}

// DebitSparks takes amount (> 0) from the balance and returns the new one;
// an error matching both ErrNotEnoughSparks and studio.ErrNotEnoughSparks
// (an ECONFLICT) if the balance can't cover it.
// ref ties the entry to what it paid for (a transaction id).
func (db *DB) DebitSparks(ctx context.Context, userID int64, amount int64, reason, ref string) (int64, error) {
	if amount <= 0 {
		return 0, studio.Errorf(studio.EINVALID, "a debit must be positive, not %d", amount)
	}
	return db.addSparks(ctx, userID, -amount, reason, ref)
}

func (db *DB) addSparks(ctx context.Context, userID, amount int64, reason, ref string) (int64, error) {
	var balance int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		balance, err = addSparksTx(ctx, tx, userID, amount, reason, ref, db.now())
		return err
	})
	return balance, err
}

// addSparksTx writes one ledger row inside tx, refusing a debit that would
// take the balance below zero.
func addSparksTx(ctx context.Context, tx *sql.Tx, userID, amount int64, reason, ref string, now time.Time) (int64, error) {
	balance, err := sparksBalance(ctx, tx, userID)
	if err != nil {
		return 0, err
	}
	if balance+amount < 0 {
		return balance, fmt.Errorf("%d sparks from a balance of %d: %w (%w)", -amount, balance, ErrNotEnoughSparks, studio.ErrNotEnoughSparks)
	}
	var refArg any
	if ref != "" {
		refArg = ref
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sparks_ledger(user_id, amount, reason, ref, created_at) VALUES (?, ?, ?, ?, ?)`,
		userID, amount, reason, refArg, millis(now)); err != nil {
		if isForeignKeyViolation(err) {
			return 0, studio.Errorf(studio.ENOTFOUND, "no such user: %d", userID)
		}
		return 0, fmt.Errorf("sparks entry for user %d: %w", userID, err)
	}
	return balance + amount, nil
}

// SparksEntry is one ledger row.
type SparksEntry struct {
	ID        int64
	Amount    int64
	Reason    string
	Ref       string
	CreatedAt time.Time
}

// SparksHistory returns a user's latest ledger entries, newest first.
func (db *DB) SparksHistory(ctx context.Context, userID int64, limit int) ([]SparksEntry, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, amount, reason, COALESCE(ref, ''), created_at FROM sparks_ledger
		WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("sparks history: %w", err)
	}
	defer rows.Close()
	var out []SparksEntry
	for rows.Next() {
		var e SparksEntry
		var c int64
		if err := rows.Scan(&e.ID, &e.Amount, &e.Reason, &e.Ref, &c); err != nil {
			return nil, err
		}
		e.CreatedAt = fromMillis(c)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DefaultSparksPerMinute is what a viewer earns per minute watched unless
// the streamer set another rate.
const DefaultSparksPerMinute = 1

// WatchSparksRate returns the sparks per minute a channel's viewers earn.
func (db *DB) WatchSparksRate(ctx context.Context, channelID int64) (int64, error) {
	var r int64
	err := db.sql.QueryRowContext(ctx, `SELECT sparks_per_minute FROM channel_settings WHERE channel_id = ?`, channelID).Scan(&r)
	if noRows(err) {
		return DefaultSparksPerMinute, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sparks rate of channel %d: %w", channelID, err)
	}
	return r, nil
}

// SetWatchSparksRate sets a channel's sparks per minute (0 turns earning off).
func (db *DB) SetWatchSparksRate(ctx context.Context, channelID, perMinute int64) error {
	if perMinute < 0 || perMinute > 1_000_000 {
		return &studio.Error{Code: studio.EINVALID, Message: "sparks per minute go from 0 to 1000000", Field: "rate"}
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO channel_settings(channel_id, sparks_per_minute) VALUES (?, ?)
		ON CONFLICT(channel_id) DO UPDATE SET sparks_per_minute = excluded.sparks_per_minute`, channelID, perMinute)
	if err != nil {
		return fmt.Errorf("set sparks rate of channel %d: %w", channelID, err)
	}
	return nil
}

// AccrueWatchSparks pays a viewer for whole minutes watched on a channel
// between since and now, at perMinute, and returns what it credited.
// Minutes already paid (remembered per viewer and channel) are never paid
// again, so the caller may call it as often as it likes with the same
// since: the live part calls it every minute for each signed-in
// participant (since = when the socket joined) and once when it leaves.
func (db *DB) AccrueWatchSparks(ctx context.Context, userID, channelID int64, since, now time.Time, perMinute int64) (int64, error) {
	if perMinute <= 0 || !now.After(since) {
		return 0, nil
	}
	var credited int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		from := millis(since)
		var paid int64
		err := tx.QueryRowContext(ctx, `SELECT accrued_until FROM sparks_watch WHERE user_id = ? AND channel_id = ?`,
			userID, channelID).Scan(&paid)
		if err != nil && !noRows(err) {
			return fmt.Errorf("read watch accrual: %w", err)
		}
		if paid > from {
			from = paid
		}
		minutes := (millis(now) - from) / time.Minute.Milliseconds()
		if minutes <= 0 {
			return nil
		}
		until := from + minutes*time.Minute.Milliseconds()
		if _, err := tx.ExecContext(ctx, `INSERT INTO sparks_watch(user_id, channel_id, accrued_until) VALUES (?, ?, ?)
			ON CONFLICT(user_id, channel_id) DO UPDATE SET accrued_until = excluded.accrued_until`,
			userID, channelID, until); err != nil {
			return fmt.Errorf("record watch accrual: %w", err)
		}
		credited = minutes * perMinute
		_, err = addSparksTx(ctx, tx, userID, credited, "watch", fmt.Sprintf("channel:%d", channelID), now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return credited, nil
}

// isForeignKeyViolation recognises SQLite's FOREIGN KEY constraint failure.
func isForeignKeyViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}
