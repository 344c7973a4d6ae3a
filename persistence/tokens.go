package persistence

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// Lifetimes of issued tokens.
const (
	// AccessTokenTTL is an OAuth access token's life (Mixer's was 6 hours).
	AccessTokenTTL = 6 * time.Hour
	// RefreshTokenTTL is a refresh token's life; using one replaces it.
	RefreshTokenTTL = 30 * 24 * time.Hour
	// CLITokenTTL is the life of a token minted by `mixstudio token` or the
	// studio's Tokens page: long, because it is pasted into a game's config.
	CLITokenTTL = 365 * 24 * time.Hour
	// ParticipantKeyTTL is the life of a key handed to a viewer's page.
	ParticipantKeyTTL = 12 * time.Hour
)

// NewToken is what the caller asks to be minted.
type NewToken struct {
	UserID   int64
	Scope    string // space-separated, each known (studio.ParseScopes)
	ClientID string // empty: the studio or the CLI
	Label    string
	TTL      time.Duration
}

// CreateAccessToken mints an access token and returns its secret, which is
// stored only hashed: this is the one time it can be shown.
func (db *DB) CreateAccessToken(ctx context.Context, nt NewToken) (string, studio.Token, error) {
	if _, err := studio.ParseScopes(nt.Scope); err != nil {
		return "", studio.Token{}, err
	}
	var secret string
	var tok studio.Token
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		secret, tok, err = insertToken(ctx, tx, "access", nt, 0, db.now())
		return err
	})
	return secret, tok, err
}

func insertToken(ctx context.Context, tx *sql.Tx, kind string, nt NewToken, pairID int64, now time.Time) (string, studio.Token, error) {
	secret := newSecret(tokenBytes)
	exp := now.Add(nt.TTL)
	var client, pair any
	if nt.ClientID != "" {
		client = nt.ClientID
	}
	if pairID != 0 {
		pair = pairID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO tokens(user_id, kind, hash, scope, client_id, label, pair_id, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, nt.UserID, kind, hashSecret(secret), nt.Scope, client, nt.Label, pair, millis(now), millis(exp))
	if err != nil {
		return "", studio.Token{}, fmt.Errorf("store %s token: %w", kind, err)
	}
	id, _ := res.LastInsertId()
	return secret, studio.Token{ID: id, UserID: nt.UserID, Kind: kind, Scope: nt.Scope, ClientID: nt.ClientID,
		Label: nt.Label, CreatedAt: fromMillis(millis(now)), ExpiresAt: fromMillis(millis(exp))}, nil
}

// TokenGrant is what a valid access token grants.
type TokenGrant struct {
	User  studio.User
	Scope string
}

// Grant looks an access token up: studio.ErrUnauthorized (one message for
// all cases) when it is unknown, expired or revoked.
func (db *DB) Grant(ctx context.Context, token string) (TokenGrant, error) {
	var g TokenGrant
	var created int64
	err := db.sql.QueryRowContext(ctx, `SELECT u.id, u.username, u.level, u.channel_id, u.created_at, t.scope
		FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = ? AND t.kind = 'access' AND t.revoked_at IS NULL AND t.expires_at > ?`,
		hashSecret(token), millis(db.now())).Scan(&g.User.ID, &g.User.Username, &g.User.Level, &g.User.ChannelID, &created, &g.Scope)
	if noRows(err) {
		return TokenGrant{}, studio.Errorf(studio.EUNAUTHORIZED, "invalid or expired token")
	}
	if err != nil {
		return TokenGrant{}, fmt.Errorf("look up token: %w", err)
	}
	g.User.CreatedAt = fromMillis(created)
	return g, nil
}

// UserByToken returns the user of a valid access token of any scope (both
// robot and participant tokens may join as participants);
// studio.ErrUnauthorized otherwise. A game client must also check the
// robot scope: use UserByTokenScope.
func (db *DB) UserByToken(ctx context.Context, token string) (studio.User, error) {
	g, err := db.Grant(ctx, token)
	return g.User, err
}

// UserByTokenScope is UserByToken for a token that must carry scope
// (studio.ErrForbidden if valid but without it).
func (db *DB) UserByTokenScope(ctx context.Context, token, scope string) (studio.User, error) {
	g, err := db.Grant(ctx, token)
	if err != nil {
		return studio.User{}, err
	}
	if !studio.HasScope(g.Scope, scope) {
		return studio.User{}, studio.Errorf(studio.EFORBIDDEN, "the token lacks the %s scope", scope)
	}
	return g.User, nil
}

// ListTokens lists a user's live access and refresh tokens, newest first,
// without participant keys (minted per page view, they'd bury the rest).
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]studio.Token, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, kind, scope, COALESCE(client_id, ''), label, created_at, expires_at
		FROM tokens WHERE user_id = ? AND kind IN ('access', 'refresh') AND revoked_at IS NULL
		AND expires_at > ? AND scope <> ? ORDER BY id DESC`, userID, millis(db.now()), studio.ScopeParticipant)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []studio.Token
	for rows.Next() {
		t := studio.Token{UserID: userID}
		var c, e int64
		if err := rows.Scan(&t.ID, &t.Kind, &t.Scope, &t.ClientID, &t.Label, &c, &e); err != nil {
			return nil, err
		}
		t.CreatedAt, t.ExpiresAt = fromMillis(c), fromMillis(e)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of userID's tokens and the token paired with it
// (an access token's refresh token and the other way round).
// studio.ErrNotFound if the user has no such live token.
func (db *DB) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	now := millis(db.now())
	return db.Tx(ctx, func(tx *sql.Tx) error {
		var pair sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT pair_id FROM tokens WHERE id = ? AND user_id = ? AND revoked_at IS NULL`,
			tokenID, userID).Scan(&pair)
		if noRows(err) {
			return studio.Errorf(studio.ENOTFOUND, "no such token")
		}
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", tokenID, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL AND user_id = ?
			AND (id = ? OR pair_id = ? OR id = ?)`, now, userID, tokenID, tokenID, pair.Int64)
		return err
	})
}

// PruneExpired deletes what expired before cutoff: tokens (kept a while
// after expiry so the Tokens page can still list their pairs), sessions
// and shortcodes; and every expired participant key, whatever the cutoff
// (one is minted per page view and none is ever listed). serve calls it
// at start and every hour with a cutoff a week back.
func (db *DB) PruneExpired(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM tokens WHERE expires_at < ?1 AND id NOT IN (SELECT pair_id FROM tokens WHERE pair_id IS NOT NULL AND expires_at >= ?1)`,
			`DELETE FROM tokens WHERE scope = ?3 AND expires_at < ?2`,
			`DELETE FROM sessions WHERE expires_at < ?1`,
			`DELETE FROM oauth_shortcodes WHERE expires_at < ?1`,
		} {
			res, err := tx.ExecContext(ctx, q, millis(cutoff), millis(db.now()), studio.ScopeParticipant)
			if err != nil {
				return fmt.Errorf("prune expired: %w", err)
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	return total, err
}
