-- Spark transactions (spec: Spark Transactions). A costly input creates an
-- uncaptured charge; the game client's capture deducts it once, in the
-- same SQL transaction that writes the sparks_ledger debit (ref = id), so
-- a capture is never applied twice nor lost across a restart.
CREATE TABLE transactions (
    id          TEXT    PRIMARY KEY,              -- a UUID, opaque on the wire
    channel_id  INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    control_id  TEXT    NOT NULL,
    cost        INTEGER NOT NULL CHECK (cost > 0),
    created_at  INTEGER NOT NULL,                 -- unix milliseconds
    expires_at  INTEGER NOT NULL,                 -- created_at + 5 minutes
    captured_at INTEGER                           -- NULL until captured
);
CREATE INDEX transactions_expiry ON transactions(expires_at) WHERE captured_at IS NULL;
