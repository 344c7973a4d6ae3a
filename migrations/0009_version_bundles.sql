-- Control bundles (custom controls built with Mixer's CDK): at most one per
-- version, stored with it, copied with it into new drafts and duplicated
-- projects, deleted with it. The files live in the database so that a
-- version stays one thing to back up and to delete.
CREATE TABLE version_bundles (
    version_id  INTEGER PRIMARY KEY REFERENCES versions(id) ON DELETE CASCADE,
    digest      TEXT    NOT NULL, -- hex SHA-256 of the files (studio.Bundle.Digest)
    manifest    BLOB,             -- the bundle's package.json, if it had one
    files       INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL  -- unix milliseconds
);

CREATE TABLE bundle_files (
    version_id INTEGER NOT NULL REFERENCES version_bundles(version_id) ON DELETE CASCADE,
    path       TEXT    NOT NULL,
    content    BLOB    NOT NULL,
    PRIMARY KEY (version_id, path)
) WITHOUT ROWID;
