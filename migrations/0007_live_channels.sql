-- A channel the live console runs: written when it goes live and on every
-- change the streamer makes live, deleted when the streamer stops it (or
-- the mediator ends it for good). A row still here when the server starts
-- is a show that was live when the server stopped: the console resumes it.
CREATE TABLE live_channels (
    channel_id     INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    version_id     INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    remote_url     TEXT    NOT NULL DEFAULT '',  -- '' for the embedded mediator
    remote_token   TEXT    NOT NULL DEFAULT '',  -- the streamer's token there
    remote_version TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL DEFAULT '{}', -- JSON: live-only changes, scenes per group, auto-capture
    started_at     INTEGER NOT NULL,              -- unix milliseconds
    updated_at     INTEGER NOT NULL
);
