package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/mixstudio/mixstudio/studio"
)

// OwnerUsername is the name given to the studio's owner at first start.
const OwnerUsername = "owner"

const userColumns = `id, username, level, channel_id, created_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(r rowScanner) (studio.User, error) {
	var u studio.User
	var created int64
	if err := r.Scan(&u.ID, &u.Username, &u.Level, &u.ChannelID, &created); err != nil {
		return studio.User{}, err
	}
	u.CreatedAt = fromMillis(created)
	return u, nil
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func userWhere(ctx context.Context, q queryer, what, where string, args ...any) (studio.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...))
	if noRows(err) {
		return studio.User{}, studio.Errorf(studio.ENOTFOUND, "no such user: %s", what)
	}
	if err != nil {
		return studio.User{}, fmt.Errorf("find user %s: %w", what, err)
	}
	return u, nil
}

// UserByID finds a user by id (studio.ErrNotFound if none).
func (db *DB) UserByID(ctx context.Context, id int64) (studio.User, error) {
	return userWhere(ctx, db.sql, fmt.Sprint(id), `id = ?`, id)
}

// UserByName finds a user by name, case-insensitively.
func (db *DB) UserByName(ctx context.Context, name string) (studio.User, error) {
	return userWhere(ctx, db.sql, name, `username = ?`, name)
}

// UserByChannel finds the user owning a channel (studio.ErrNotFound if none).
func (db *DB) UserByChannel(ctx context.Context, channelID int64) (studio.User, error) {
	return userWhere(ctx, db.sql, fmt.Sprintf("channel %d", channelID), `channel_id = ?`, channelID)
}

// CreateUser adds an account with its own channel. The channel id is the
// next free one above 1000, so channel and user ids don't look alike.
// A taken name is studio.ErrConflict.
func (db *DB) CreateUser(ctx context.Context, username string) (studio.User, error) {
	if err := studio.ValidateUsername(username); err != nil {
		return studio.User{}, err
	}
	var u studio.User
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = createUser(ctx, tx, username, db.now().UnixMilli())
		return err
	})
	return u, err
}

func createUser(ctx context.Context, tx *sql.Tx, username string, nowMs int64) (studio.User, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO users(username, level, channel_id, created_at)
		VALUES (?, 0, (SELECT COALESCE(MAX(channel_id), 1000) + 1 FROM users), ?)`, username, nowMs)
	if err != nil {
		if isUniqueViolation(err) {
			return studio.User{}, &studio.Error{Code: studio.ECONFLICT, Message: "that username is taken", Field: "username"}
		}
		return studio.User{}, fmt.Errorf("create user %s: %w", username, err)
	}
	id, _ := res.LastInsertId()
	return userWhere(ctx, tx, username, `id = ?`, id)
}

// EnsureUser returns the named user, creating it if missing.
func (db *DB) EnsureUser(ctx context.Context, username string) (studio.User, error) {
	u, err := db.UserByName(ctx, username)
	if err == nil || !errors.Is(err, studio.ErrNotFound) {
		return u, err
	}
	u, err = db.CreateUser(ctx, username)
	if errors.Is(err, studio.ErrConflict) { // created meanwhile by another caller
		return db.UserByName(ctx, username)
	}
	return u, err
}

// EnsureOwner returns the studio's owner, creating the account (named
// "owner", or "owner2"... if a viewer took that name) on first call.
func (db *DB) EnsureOwner(ctx context.Context) (studio.User, error) {
	var u studio.User
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM studio_owner WHERE singleton = 1`).Scan(&id)
		if err == nil {
			u, err = userWhere(ctx, tx, "owner", `id = ?`, id)
			return err
		}
		if !noRows(err) {
			return fmt.Errorf("find owner: %w", err)
		}
		name := OwnerUsername
		for i := 2; ; i++ {
			u, err = createUser(ctx, tx, name, db.now().UnixMilli())
			if !errors.Is(err, studio.ErrConflict) {
				break
			}
			name = fmt.Sprintf("%s%d", OwnerUsername, i)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO studio_owner(singleton, user_id) VALUES (1, ?)`, u.ID)
		return err
	})
	return u, err
}

// IsOwner reports whether userID is the studio's owner.
func (db *DB) IsOwner(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM studio_owner WHERE user_id = ?`, userID).Scan(&n)
	return n > 0, err
}

// SetPassword stores a bcrypt hash of the user's new password.
func (db *DB) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := studio.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	_, err = db.sql.ExecContext(ctx, `INSERT INTO user_passwords(user_id, hash, updated_at) VALUES (?, ?, ?)
		ON CONFLICT(user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
		userID, string(hash), db.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return nil
}

// HasPassword reports whether the user can sign in with a password.
func (db *DB) HasPassword(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_passwords WHERE user_id = ?`, userID).Scan(&n)
	return n > 0, err
}

// passwordCost is bcrypt's work factor for stored passwords.
const passwordCost = bcrypt.DefaultCost

// dummyHash is compared against when the user doesn't exist or has no
// password, so that a wrong name takes as long as a wrong password (no
// user enumeration by timing): the same cost as a stored password. Made
// on first use, so that commands that never sign anyone in do not pay.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("mixstudio-no-such-user"), passwordCost)
	return h
})

// Authenticate checks a username and password; any mismatch is
// studio.ErrUnauthorized with one message, whichever part was wrong.
func (db *DB) Authenticate(ctx context.Context, username, password string) (studio.User, error) {
	refused := studio.Errorf(studio.EUNAUTHORIZED, "wrong username or password")
	u, err := db.UserByName(ctx, username)
	if errors.Is(err, studio.ErrNotFound) {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return studio.User{}, refused
	}
	if err != nil {
		return studio.User{}, err
	}
	var hash string
	err = db.sql.QueryRowContext(ctx, `SELECT hash FROM user_passwords WHERE user_id = ?`, u.ID).Scan(&hash)
	if noRows(err) {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return studio.User{}, refused
	}
	if err != nil {
		return studio.User{}, fmt.Errorf("read password of %s: %w", username, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return studio.User{}, refused
	}
	return u, nil
}

// isUniqueViolation recognises SQLite's UNIQUE constraint failure.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}
