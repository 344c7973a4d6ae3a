package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TransactionLifetime is how long a charge can be captured (spec: "Charges
// are expired five minutes after they're created").
const TransactionLifetime = 5 * time.Minute

var (
	// ErrUnknownTransaction: unknown, of another channel, expired or
	// already captured (protocol 4006).
	ErrUnknownTransaction = errors.New("unknown or expired transaction")
	// ErrNotEnoughSparks: the participant's balance is below the cost
	// (protocol 4007).
	ErrNotEnoughSparks = errors.New("not enough sparks")
)

// ChargeTransaction records an uncaptured charge. A balance already below
// the cost is refused up front (the spec's best-effort validation); the
// real check happens again at capture.
func (db *DB) ChargeTransaction(ctx context.Context, id string, channelID, userID int64, controlID string, cost int64, now time.Time) error {
	if cost <= 0 {
		return fmt.Errorf("charge %s: cost %d is not positive", id, cost)
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		balance, err := sparksBalance(ctx, tx, userID)
		if err != nil {
			return fmt.Errorf("charge %s: %w", id, err)
		}
		if balance < cost {
			return fmt.Errorf("charge %s of %d sparks (balance %d): %w", id, cost, balance, ErrNotEnoughSparks)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO transactions(id, channel_id, user_id, control_id, cost, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, channelID, userID, controlID, cost, now.UnixMilli(), now.Add(TransactionLifetime).UnixMilli())
		if err != nil {
			return fmt.Errorf("charge %s: %w", id, err)
		}
		return nil
	})
}

// CaptureTransaction deducts a charge, in one SQL transaction: the charge
// must be known on this channel, unexpired and uncaptured; the balance
// must cover it; then the ledger debit is written and the charge marked
// captured. Running it twice captures once.
func (db *DB) CaptureTransaction(ctx context.Context, id string, channelID int64, now time.Time) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		var userID, cost, expiresAt int64
		var capturedAt sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT user_id, cost, expires_at, captured_at FROM transactions WHERE id = ? AND channel_id = ?`,
			id, channelID).Scan(&userID, &cost, &expiresAt, &capturedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("capture %s: %w", id, ErrUnknownTransaction)
		}
		if err != nil {
			return fmt.Errorf("capture %s: %w", id, err)
		}
		if capturedAt.Valid || now.UnixMilli() >= expiresAt {
			return fmt.Errorf("capture %s (captured %v, expires %d): %w", id, capturedAt.Valid, expiresAt, ErrUnknownTransaction)
		}
		balance, err := sparksBalance(ctx, tx, userID)
		if err != nil {
			return fmt.Errorf("capture %s: %w", id, err)
		}
		if balance < cost {
			return fmt.Errorf("capture %s of %d sparks (balance %d): %w", id, cost, balance, ErrNotEnoughSparks)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sparks_ledger(user_id, amount, reason, ref, created_at) VALUES (?, ?, 'capture', ?, ?)`,
			userID, -cost, id, now.UnixMilli()); err != nil {
			return fmt.Errorf("capture %s: debit: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE transactions SET captured_at = ? WHERE id = ? AND captured_at IS NULL`, now.UnixMilli(), id)
		if err != nil {
			return fmt.Errorf("capture %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("capture %s: raced: %w", id, ErrUnknownTransaction)
		}
		return nil
	})
}
