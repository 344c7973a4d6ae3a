-- Reactions (issue 14): what happens when a viewer uses a control, part of
-- a version's design. One row per control holds that control's reactions
-- as a JSON array (studio.Reaction objects, in order); the editor saves a
-- control's list whole, with its revision. Rows of controls that no longer
-- exist are ignored on read and dropped when a version is copied.
CREATE TABLE reactions (
    version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    scene_id   TEXT    NOT NULL,
    control_id TEXT    NOT NULL,
    body       TEXT    NOT NULL CHECK (json_valid(body) AND json_type(body) = 'array'),
    revision   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (version_id, scene_id, control_id)
) WITHOUT ROWID;

CREATE TRIGGER reactions_insert_published BEFORE INSERT ON reactions
WHEN (SELECT state FROM versions WHERE id = NEW.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE TRIGGER reactions_update_published BEFORE UPDATE ON reactions
WHEN (SELECT state FROM versions WHERE id = OLD.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE TRIGGER reactions_delete_published BEFORE DELETE ON reactions
WHEN (SELECT state FROM versions WHERE id = OLD.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

-- Files a version's alerts show or play (images, sounds), uploaded in the
-- editor and served to the channel's overlay.
CREATE TABLE version_files (
    version_id   INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (version_id, name)
) WITHOUT ROWID;

CREATE TRIGGER version_files_insert_published BEFORE INSERT ON version_files
WHEN (SELECT state FROM versions WHERE id = NEW.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

-- The stream overlay's key, one per channel: the overlay URL carries it
-- (an OBS browser source cannot sign in). Rotating replaces it, and the
-- old URL stops working.
CREATE TABLE overlay_keys (
    channel_id INTEGER PRIMARY KEY,
    key        TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
