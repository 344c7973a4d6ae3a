package persistence

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// ShortcodeTTL is how long a device's code waits to be entered, and how
// long a granted code may be fetched and exchanged (spec: expires_in 120).
const ShortcodeTTL = 120 * time.Second

// CreateOAuthClient registers an application for the shortcode flow. With
// withSecret it also gets a secret, returned here once and stored hashed.
func (db *DB) CreateOAuthClient(ctx context.Context, name string, withSecret bool) (studio.OAuthClient, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return studio.OAuthClient{}, "", &studio.Error{Code: studio.EINVALID, Message: "an application's name has 1 to 100 characters", Field: "name"}
	}
	c := studio.OAuthClient{ClientID: newSecret(16), Name: name, HasSecret: withSecret, CreatedAt: fromMillis(millis(db.now()))}
	var secret string
	var secretHash any
	if withSecret {
		secret = newSecret(tokenBytes)
		secretHash = hashSecret(secret)
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO oauth_clients(client_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?)`,
		c.ClientID, c.Name, secretHash, millis(c.CreatedAt))
	if err != nil {
		return studio.OAuthClient{}, "", fmt.Errorf("register client %q: %w", name, err)
	}
	return c, secret, nil
}

// ListOAuthClients lists the registered applications, newest first.
func (db *DB) ListOAuthClients(ctx context.Context) ([]studio.OAuthClient, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT client_id, name, secret_hash IS NOT NULL, created_at FROM oauth_clients ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	defer rows.Close()
	var out []studio.OAuthClient
	for rows.Next() {
		var c studio.OAuthClient
		var created int64
		if err := rows.Scan(&c.ClientID, &c.Name, &c.HasSecret, &created); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMillis(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteOAuthClient removes an application; its pending shortcodes go with
// it, tokens already issued stay until revoked or expired.
func (db *DB) DeleteOAuthClient(ctx context.Context, clientID string) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM oauth_clients WHERE client_id = ?`, clientID)
	if err != nil {
		return fmt.Errorf("delete client: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return studio.Errorf(studio.ENOTFOUND, "no such application")
	}
	return nil
}

// ErrInvalidClient marks a refused client (OAuth's invalid_client, as
// opposed to a refused code or token); such errors are also
// studio.ErrUnauthorized.
var ErrInvalidClient = errors.New("invalid client")

// authenticateClient checks a client_id and, for a client that has one, its
// secret (hashes compared in constant time). Every failure is the same
// studio.ErrUnauthorized.
func authenticateClient(ctx context.Context, q queryer, clientID, secret string) (studio.OAuthClient, error) {
	refused := fmt.Errorf("%w (%w)", ErrInvalidClient, studio.Errorf(studio.EUNAUTHORIZED, "unknown client or wrong client secret"))
	var c studio.OAuthClient
	var stored []byte
	var created int64
	err := q.QueryRowContext(ctx, `SELECT client_id, name, secret_hash, created_at FROM oauth_clients WHERE client_id = ?`, clientID).
		Scan(&c.ClientID, &c.Name, &stored, &created)
	if noRows(err) {
		return studio.OAuthClient{}, refused
	}
	if err != nil {
		return studio.OAuthClient{}, fmt.Errorf("find client: %w", err)
	}
	c.CreatedAt, c.HasSecret = fromMillis(created), stored != nil
	if c.HasSecret && subtle.ConstantTimeCompare(stored, hashSecret(secret)) != 1 {
		return studio.OAuthClient{}, refused
	}
	return c, nil
}

// NewShortcode is what a device gets back from POST /oauth/shortcode.
type NewShortcode struct {
	Code      string
	Handle    string
	ExpiresIn time.Duration
}

// CreateShortcode starts the flow for a client: a 6-character code for a
// person to type and a secret handle for the device to poll with.
func (db *DB) CreateShortcode(ctx context.Context, clientID, clientSecret, scope string) (NewShortcode, error) {
	scopes, err := studio.ParseScopes(scope)
	if err != nil {
		return NewShortcode{}, err
	}
	handle := newSecret(tokenBytes)
	now := db.now()
	var code string
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := authenticateClient(ctx, tx, clientID, clientSecret); err != nil {
			return err
		}
		// Forget long-dead codes so that the live ones stay few and unique.
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_shortcodes WHERE expires_at < ?`, millis(now.Add(-time.Hour))); err != nil {
			return fmt.Errorf("prune shortcodes: %w", err)
		}
		for try := 0; ; try++ {
			code = randomShortcode()
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM oauth_shortcodes WHERE code = ? AND expires_at > ?`,
				code, millis(now)).Scan(&n); err != nil {
				return fmt.Errorf("check shortcode: %w", err)
			}
			if n == 0 {
				break
			}
			if try > 20 {
				return studio.Errorf(studio.ECONFLICT, "too many pending codes; try again in a minute")
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_shortcodes(code, handle_hash, client_id, scope, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, code, hashSecret(handle), clientID, strings.Join(scopes, " "), millis(now), millis(now.Add(ShortcodeTTL)))
		if err != nil {
			return fmt.Errorf("store shortcode: %w", err)
		}
		return nil
	})
	if err != nil {
		return NewShortcode{}, err
	}
	return NewShortcode{Code: code, Handle: handle, ExpiresIn: ShortcodeTTL}, nil
}

// randomShortcode draws 6 characters uniformly from the unambiguous
// alphabet (rejection sampling keeps it uniform).
func randomShortcode() string {
	const n = len(studio.ShortcodeAlphabet)
	limit := byte(256 - 256%n)
	out := make([]byte, 0, 6)
	var buf [16]byte
	for len(out) < 6 {
		rand.Read(buf[:])
		for _, b := range buf {
			if b < limit && len(out) < 6 {
				out = append(out, studio.ShortcodeAlphabet[int(b)%n])
			}
		}
	}
	return string(out)
}

// ShortcodeByCode finds a live, waiting code as typed at /go
// (studio.ErrNotFound for a wrong, expired or already answered one).
func (db *DB) ShortcodeByCode(ctx context.Context, code string) (studio.Shortcode, error) {
	code = studio.NormalizeShortcode(code)
	var s studio.Shortcode
	var scope string
	var exp int64
	err := db.sql.QueryRowContext(ctx, `SELECT s.code, s.client_id, c.name, s.scope, s.status, s.expires_at
		FROM oauth_shortcodes s JOIN oauth_clients c ON c.client_id = s.client_id
		WHERE s.code = ? AND s.status = 'waiting' AND s.expires_at > ?`, code, millis(db.now())).
		Scan(&s.Code, &s.ClientID, &s.ClientName, &scope, &s.Status, &exp)
	if noRows(err) {
		return studio.Shortcode{}, studio.Errorf(studio.ENOTFOUND, "no such code, or it expired")
	}
	if err != nil {
		return studio.Shortcode{}, fmt.Errorf("find shortcode: %w", err)
	}
	s.Scopes, s.ExpiresAt = strings.Fields(scope), fromMillis(exp)
	return s, nil
}

// AnswerShortcode records a signed-in user's decision on a waiting code.
// A granted code stays fetchable for ShortcodeTTL from now.
func (db *DB) AnswerShortcode(ctx context.Context, code string, userID int64, approve bool) error {
	code = studio.NormalizeShortcode(code)
	now := db.now()
	status, exp := studio.ShortcodeDenied, now.Add(ShortcodeTTL)
	if approve {
		status = studio.ShortcodeGranted
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE oauth_shortcodes SET status = ?, user_id = ?, expires_at = ?
		WHERE code = ? AND status = 'waiting' AND expires_at > ?`, status, userID, millis(exp), code, millis(now))
	if err != nil {
		return fmt.Errorf("answer shortcode: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return studio.Errorf(studio.ENOTFOUND, "no such code, or it expired")
	}
	return nil
}

// ShortcodeCheck is the answer to a device's poll.
type ShortcodeCheck struct {
	Status string // studio.ShortcodeWaiting, Granted or Denied
	// AuthCode is set when Granted: a fresh authorization code (each poll
	// mints a new one and voids the previous; it works once).
	AuthCode string
}

// CheckShortcode answers a device's poll by handle: studio.ErrNotFound for
// an unknown, expired or already exchanged handle.
func (db *DB) CheckShortcode(ctx context.Context, handle string) (ShortcodeCheck, error) {
	now := millis(db.now())
	var out ShortcodeCheck
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id, status FROM oauth_shortcodes WHERE handle_hash = ? AND expires_at > ?
			AND status <> 'exchanged'`, hashSecret(handle), now).Scan(&id, &out.Status)
		if noRows(err) {
			return studio.Errorf(studio.ENOTFOUND, "unknown or expired handle")
		}
		if err != nil {
			return fmt.Errorf("check shortcode: %w", err)
		}
		if out.Status != studio.ShortcodeGranted {
			return nil
		}
		out.AuthCode = newSecret(tokenBytes)
		_, err = tx.ExecContext(ctx, `UPDATE oauth_shortcodes SET auth_code_hash = ? WHERE id = ?`, hashSecret(out.AuthCode), id)
		return err
	})
	return out, err
}

// IssuedTokens is the answer of POST /oauth/token.
type IssuedTokens struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
	Scope        string
	UserID       int64
}

// ExchangeAuthCode trades an authorization code for an access and a
// refresh token. The code works once, only for the client it was issued
// to, and only until its shortcode expires; every failure is
// studio.ErrUnauthorized (invalid_grant).
func (db *DB) ExchangeAuthCode(ctx context.Context, clientID, clientSecret, authCode string) (IssuedTokens, error) {
	now := db.now()
	var out IssuedTokens
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := authenticateClient(ctx, tx, clientID, clientSecret); err != nil {
			return err
		}
		var id, userID int64
		var scope string
		err := tx.QueryRowContext(ctx, `SELECT id, user_id, scope FROM oauth_shortcodes WHERE auth_code_hash = ?
			AND client_id = ? AND status = 'granted' AND expires_at > ?`, hashSecret(authCode), clientID, millis(now)).
			Scan(&id, &userID, &scope)
		if noRows(err) {
			return studio.Errorf(studio.EUNAUTHORIZED, "invalid, used or expired authorization code")
		}
		if err != nil {
			return fmt.Errorf("exchange code: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_shortcodes SET status = 'exchanged', auth_code_hash = NULL WHERE id = ?`, id); err != nil {
			return fmt.Errorf("exchange code: %w", err)
		}
		out, err = issuePair(ctx, tx, userID, scope, clientID, now)
		return err
	})
	return out, err
}

// issuePair mints an access token and its refresh token.
func issuePair(ctx context.Context, tx *sql.Tx, userID int64, scope, clientID string, now time.Time) (IssuedTokens, error) {
	access, tok, err := insertToken(ctx, tx, "access", NewToken{UserID: userID, Scope: scope, ClientID: clientID, TTL: AccessTokenTTL}, 0, now)
	if err != nil {
		return IssuedTokens{}, err
	}
	refresh, _, err := insertToken(ctx, tx, "refresh", NewToken{UserID: userID, Scope: scope, ClientID: clientID, TTL: RefreshTokenTTL}, tok.ID, now)
	if err != nil {
		return IssuedTokens{}, err
	}
	return IssuedTokens{AccessToken: access, RefreshToken: refresh, ExpiresIn: AccessTokenTTL, Scope: scope, UserID: userID}, nil
}

// RefreshTokens trades a refresh token for a new pair. The old refresh
// token is revoked (it works once); the old access token lives on until
// it expires. Every failure is studio.ErrUnauthorized.
func (db *DB) RefreshTokens(ctx context.Context, clientID, clientSecret, refresh string) (IssuedTokens, error) {
	now := db.now()
	var out IssuedTokens
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := authenticateClient(ctx, tx, clientID, clientSecret); err != nil {
			return err
		}
		var id, userID int64
		var scope string
		err := tx.QueryRowContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE hash = ? AND kind = 'refresh'
			AND client_id = ? AND revoked_at IS NULL AND expires_at > ? RETURNING id, user_id, scope`,
			millis(now), hashSecret(refresh), clientID, millis(now)).Scan(&id, &userID, &scope)
		if noRows(err) {
			return studio.Errorf(studio.EUNAUTHORIZED, "invalid, used or expired refresh token")
		}
		if err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
		out, err = issuePair(ctx, tx, userID, scope, clientID, now)
		return err
	})
	return out, err
}
