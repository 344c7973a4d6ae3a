-- Two facts about controls, kept at write time so that reads stay cheap
-- and revisions stay trustworthy.
--
-- versions.control_revision: the highest revision any control of the
-- version has ever had. Every save of controls takes the next value for
-- each control it writes, so a control deleted and later restored (undo)
-- never gets back a revision a stale tab once saw, and such a tab's save is
-- refused. Published versions never save again; only drafts need the value.
ALTER TABLE versions ADD COLUMN control_revision INTEGER NOT NULL DEFAULT 0;
UPDATE versions SET control_revision = (
    SELECT COALESCE(MAX(c.revision), 0) FROM controls c JOIN scenes s ON s.id = c.scene_ref
    WHERE s.version_id = versions.id)
WHERE state = 'draft';

-- controls.missing: 1 when the control has no position on some grid (the
-- editor flags those per scene). The Go code computes it on every write;
-- the index covers the editor's per-scene counts, so they read no control
-- row. Validation keeps at most one position per grid and there are three
-- grids, so fewer than three positions means a missing one.
ALTER TABLE controls ADD COLUMN missing INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1));

-- Published controls never change, and 0002's trigger refuses any update
-- of them: lift it for this one backfill, then put it back as it was.
DROP TRIGGER controls_update_published;
UPDATE controls SET missing = (json_array_length(positions) < 3);
CREATE TRIGGER controls_update_published BEFORE UPDATE ON controls
WHEN (SELECT v.state FROM scenes s JOIN versions v ON v.id = s.version_id WHERE s.id = OLD.scene_ref) = 'published'
BEGIN SELECT RAISE(ABORT, 'published version is immutable'); END;

CREATE INDEX controls_missing_by_scene ON controls(scene_ref, missing);
