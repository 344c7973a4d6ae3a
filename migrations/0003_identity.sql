-- Identity: the studio's owner, passwords, sessions, OAuth clients and
-- tokens, the shortcode flow, and the sparks ledger. Every secret (token,
-- session id, handle, authorization code, client secret) is stored as its
-- SHA-256: they are all high-entropy random strings, so a fast hash is
-- enough and a leaked database file leaks no usable credential.

-- The one account that owns this studio (created at first start).
CREATE TABLE studio_owner (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    user_id   INTEGER NOT NULL REFERENCES users(id)
);

-- bcrypt hashes; a user without a row here cannot sign in with a password.
CREATE TABLE user_passwords (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    hash       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL -- unix milliseconds
);

-- Browser sessions (the cookie holds the id; we keep its hash).
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash       BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Applications allowed to use the shortcode flow.
CREATE TABLE oauth_clients (
    id          INTEGER PRIMARY KEY,
    client_id   TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    secret_hash BLOB,             -- NULL: a public client (no secret)
    created_at  INTEGER NOT NULL
);

-- Access, refresh, participant and one-time sign-in tokens.
-- kind: 'access' (bearer for the API and the mediator), 'refresh',
-- 'signin' (a one-time sign-in link). pair_id ties a refresh token to the
-- access token issued with it, so revoking one revokes both.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('access', 'refresh', 'signin')),
    hash       BLOB    NOT NULL UNIQUE,
    scope      TEXT    NOT NULL,  -- space-separated scopes
    client_id  TEXT,              -- NULL: minted by the studio or the CLI
    label      TEXT    NOT NULL DEFAULT '',
    pair_id    INTEGER REFERENCES tokens(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX tokens_user ON tokens(user_id, kind);

-- The shortcode flow (spec: OAuth). status: waiting, granted, denied,
-- exchanged. code is the 6-character code a person types (unique while
-- live); handle and the authorization code are secrets, kept hashed.
CREATE TABLE oauth_shortcodes (
    id             INTEGER PRIMARY KEY,
    code           TEXT    NOT NULL,
    handle_hash    BLOB    NOT NULL UNIQUE,
    client_id      TEXT    NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
    scope          TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'waiting'
                           CHECK (status IN ('waiting', 'granted', 'denied', 'exchanged')),
    user_id        INTEGER REFERENCES users(id) ON DELETE CASCADE,
    auth_code_hash BLOB    UNIQUE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX oauth_shortcodes_code ON oauth_shortcodes(code);

-- Sparks: a ledger. balance = SUM(amount); a debit is a negative row.
CREATE TABLE sparks_ledger (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    amount     INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    ref        TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX sparks_ledger_user ON sparks_ledger(user_id);

-- How far watch time has been paid out, per viewer and channel, so that
-- paying out twice for the same minutes is impossible.
CREATE TABLE sparks_watch (
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel_id    INTEGER NOT NULL,
    accrued_until INTEGER NOT NULL, -- unix milliseconds
    PRIMARY KEY (user_id, channel_id)
);

-- Per-channel settings the streamer chooses (sparks earned per minute).
CREATE TABLE channel_settings (
    channel_id        INTEGER PRIMARY KEY,
    sparks_per_minute INTEGER NOT NULL DEFAULT 1 CHECK (sparks_per_minute >= 0)
);
