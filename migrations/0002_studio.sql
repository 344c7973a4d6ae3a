-- Studio: projects, their numbered versions, and each version's scenes,
-- controls and participant groups. A control's built-in and custom
-- properties and its positions are stored as the protocol's JSON (the
-- studio package reads and validates them); the columns hold what is
-- looked up or constrained.

CREATE TABLE projects (
    id            INTEGER PRIMARY KEY,
    owner_user_id INTEGER NOT NULL REFERENCES users(id),
    name          TEXT    NOT NULL,
    sharecode     TEXT    UNIQUE, -- NULL: only the owner's game clients may use it
    created_at    INTEGER NOT NULL, -- unix milliseconds
    updated_at    INTEGER NOT NULL
);
CREATE INDEX projects_by_owner ON projects(owner_user_id);

-- id is what a game client sends as X-Interactive-Version. AUTOINCREMENT:
-- an id is never reused after a deletion, so a stale game client config
-- can never reach someone else's layout.
CREATE TABLE versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    published_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (project_id, number),
    CHECK ((state = 'published') = (published_at IS NOT NULL))
);

CREATE TABLE scenes (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    scene_id   TEXT    NOT NULL,
    ord        INTEGER NOT NULL,
    custom     TEXT    NOT NULL DEFAULT '{}', -- custom properties (JSON object)
    revision   INTEGER NOT NULL DEFAULT 1,    -- optimistic concurrency
    UNIQUE (version_id, scene_id)
);

CREATE TABLE controls (
    id         INTEGER PRIMARY KEY,
    scene_ref  INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
    control_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    ord        INTEGER NOT NULL,
    positions  TEXT    NOT NULL DEFAULT '[]', -- [{size, width, height, x, y}]
    props      TEXT    NOT NULL DEFAULT '{}', -- built-in and custom properties
    revision   INTEGER NOT NULL DEFAULT 1,    -- a save carrying another revision is refused
    UNIQUE (scene_ref, control_id)
);

-- "groups" is an SQL keyword; these are the protocol's participant groups.
-- The scene reference is checked at commit, so deleting a whole version
-- (scenes and groups together) works, while deleting a scene still used by
-- a group does not.
CREATE TABLE participant_groups (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    group_id   TEXT    NOT NULL,
    scene_ref  INTEGER NOT NULL REFERENCES scenes(id) DEFERRABLE INITIALLY DEFERRED,
    ord        INTEGER NOT NULL,
    custom     TEXT    NOT NULL DEFAULT '{}',
    revision   INTEGER NOT NULL DEFAULT 1,
    UNIQUE (version_id, group_id)
);
CREATE INDEX participant_groups_by_scene ON participant_groups(scene_ref);

-- Published versions never change. The Go code refuses first with a clear
-- message; these triggers make it hold for any writer. (No DELETE triggers:
-- deleting a whole project removes its published versions too.)
CREATE TRIGGER versions_stay_published BEFORE UPDATE ON versions
WHEN OLD.state = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE TRIGGER scenes_insert_published BEFORE INSERT ON scenes
WHEN (SELECT state FROM versions WHERE id = NEW.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE TRIGGER scenes_update_published BEFORE UPDATE ON scenes
WHEN (SELECT state FROM versions WHERE id = OLD.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE TRIGGER controls_insert_published BEFORE INSERT ON controls
WHEN (SELECT v.state FROM scenes s JOIN versions v ON v.id = s.version_id WHERE s.id = NEW.scene_ref) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE TRIGGER controls_update_published BEFORE UPDATE ON controls
WHEN (SELECT v.state FROM scenes s JOIN versions v ON v.id = s.version_id WHERE s.id = OLD.scene_ref) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE TRIGGER groups_insert_published BEFORE INSERT ON participant_groups
WHEN (SELECT state FROM versions WHERE id = NEW.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE TRIGGER groups_update_published BEFORE UPDATE ON participant_groups
WHEN (SELECT state FROM versions WHERE id = OLD.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;
