-- Users and their channels. Every other area (studio projects, identity,
-- sparks, the mediator's transactions) refers to users.id.
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    username   TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    level      INTEGER NOT NULL DEFAULT 0,
    channel_id INTEGER NOT NULL UNIQUE,
    created_at INTEGER NOT NULL -- unix milliseconds
);
