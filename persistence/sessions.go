package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// SessionTTL is how long a browser stays signed in.
const SessionTTL = 30 * 24 * time.Hour

// CreateSession starts a browser session and returns the cookie value
// (stored only hashed).
func (db *DB) CreateSession(ctx context.Context, userID int64) (string, error) {
	id := newSecret(tokenBytes)
	now := db.now()
	_, err := db.sql.ExecContext(ctx, `INSERT INTO sessions(user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		userID, hashSecret(id), millis(now), millis(now.Add(SessionTTL)))
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return id, nil
}

// UserBySession returns the user of a live session; studio.ErrUnauthorized
// for an unknown or expired one.
func (db *DB) UserBySession(ctx context.Context, session string) (studio.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, `SELECT u.id, u.username, u.level, u.channel_id, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ? AND s.expires_at > ?`,
		hashSecret(session), millis(db.now())))
	if noRows(err) {
		return studio.User{}, studio.Errorf(studio.EUNAUTHORIZED, "not signed in")
	}
	if err != nil {
		return studio.User{}, fmt.Errorf("look up session: %w", err)
	}
	return u, nil
}

// DeleteSession ends a session (signing out); unknown ids are no error.
func (db *DB) DeleteSession(ctx context.Context, session string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hashSecret(session))
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// SignInLinkTTL is how long a one-time sign-in link printed to the log works.
const SignInLinkTTL = 24 * time.Hour

// CreateSignInLink mints a one-time sign-in secret for userID (the owner's
// way in when sign-in is required and no password is set yet).
func (db *DB) CreateSignInLink(ctx context.Context, userID int64) (string, error) {
	secret := newSecret(tokenBytes)
	now := db.now()
	_, err := db.sql.ExecContext(ctx, `INSERT INTO tokens(user_id, kind, hash, scope, created_at, expires_at)
		VALUES (?, 'signin', ?, '', ?, ?)`, userID, hashSecret(secret), millis(now), millis(now.Add(SignInLinkTTL)))
	if err != nil {
		return "", fmt.Errorf("create sign-in link: %w", err)
	}
	return secret, nil
}

// UseSignInLink consumes a one-time sign-in secret: it works once.
func (db *DB) UseSignInLink(ctx context.Context, secret string) (studio.User, error) {
	now := millis(db.now())
	var userID int64
	err := db.sql.QueryRowContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE hash = ? AND kind = 'signin'
		AND revoked_at IS NULL AND expires_at > ? RETURNING user_id`, now, hashSecret(secret), now).Scan(&userID)
	if noRows(err) {
		return studio.User{}, studio.Errorf(studio.EUNAUTHORIZED, "this sign-in link is invalid, used or expired")
	}
	if err != nil {
		return studio.User{}, fmt.Errorf("use sign-in link: %w", err)
	}
	return db.UserByID(ctx, userID)
}

// EndOtherSessions signs the user out everywhere but the session keep
// (after a password change); keep may be empty to end them all.
func (db *DB) EndOtherSessions(ctx context.Context, userID int64, keep string) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND hash <> ?`, userID, hashSecret(keep))
	if err != nil {
		return 0, fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return res.RowsAffected()
}
