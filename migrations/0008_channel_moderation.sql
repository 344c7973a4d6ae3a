-- Bans and mutes a streamer set on their channel. The subject is a
-- signed-in user, or an anonymous viewer's browser (the viewer cookie the
-- play page gets): exactly one of user_id and viewer_id is set.
CREATE TABLE channel_moderation (
    id         INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('ban', 'mute')),
    user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
    viewer_id  TEXT,
    username   TEXT    NOT NULL DEFAULT '',  -- as shown when it was set
    until      INTEGER,                      -- unix ms; NULL: until lifted
    created_at INTEGER NOT NULL,
    CHECK ((user_id IS NULL) <> (viewer_id IS NULL))
);
CREATE UNIQUE INDEX channel_moderation_user ON channel_moderation(channel_id, kind, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX channel_moderation_viewer ON channel_moderation(channel_id, kind, viewer_id) WHERE viewer_id IS NOT NULL;
