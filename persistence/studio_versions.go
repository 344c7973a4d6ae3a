package persistence

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/mixstudio/mixstudio/studio"
)

// Studio repositories: projects, versions and their scenes, controls and
// groups. Every write is one transaction that first checks the version is
// still a draft and then validates the result with the studio package's
// rules, so nothing invalid and no half-done change is ever stored.

const versionColumns = `v.id, v.project_id, v.number, v.state, v.published_at, v.updated_at`

func scanVersionSummary(r rowScanner) (studio.VersionSummary, error) {
	var v studio.VersionSummary
	var published sql.NullInt64
	var updated int64
	if err := r.Scan(&v.ID, &v.ProjectID, &v.Number, &v.State, &published, &updated); err != nil {
		return v, err
	}
	if published.Valid {
		v.PublishedAt = fromMillis(published.Int64)
	}
	v.UpdatedAt = fromMillis(updated)
	return v, nil
}

// versionSummary reads one version's row; ENOTFOUND when there is none.
func versionSummary(ctx context.Context, q queryer, versionID int64) (studio.VersionSummary, error) {
	v, err := scanVersionSummary(q.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions v WHERE v.id = ?`, versionID))
	if noRows(err) {
		return v, studio.Errorf(studio.ENOTFOUND, "version %d does not exist", versionID)
	}
	if err != nil {
		return v, fmt.Errorf("version %d: %w", versionID, err)
	}
	return v, nil
}

// editable returns the version if it is a draft, and a clear refusal
// (ECONFLICT) when it is published.
func editable(ctx context.Context, tx *sql.Tx, versionID int64) (studio.VersionSummary, error) {
	v, err := versionSummary(ctx, tx, versionID)
	if err != nil {
		return v, err
	}
	if v.State != studio.Draft {
		return v, studio.Errorf(studio.ECONFLICT,
			"version %d is published and can no longer change; create a new draft from it to edit", versionID)
	}
	return v, nil
}

// touch records that a version (and its project) changed.
func (db *DB) touch(ctx context.Context, tx *sql.Tx, versionID int64) error {
	now := db.now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `UPDATE versions SET updated_at = ? WHERE id = ?`, now, versionID); err != nil {
		return fmt.Errorf("touch version: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE projects SET updated_at = ? WHERE id = (SELECT project_id FROM versions WHERE id = ?)`, now, versionID)
	return err
}

// FindVersion returns a version with all its scenes, controls and groups.
func (db *DB) FindVersion(ctx context.Context, versionID int64) (studio.Version, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return studio.Version{}, err
	}
	defer tx.Rollback()
	return loadVersion(ctx, tx, versionID)
}

func loadVersion(ctx context.Context, tx *sql.Tx, versionID int64) (studio.Version, error) {
	var v studio.Version
	sum, err := versionSummary(ctx, tx, versionID)
	if err != nil {
		return v, err
	}
	v.VersionSummary = sum
	if err := tx.QueryRowContext(ctx, `SELECT name FROM projects WHERE id = ?`, sum.ProjectID).Scan(&v.ProjectName); err != nil {
		return v, fmt.Errorf("project of version %d: %w", versionID, err)
	}
	v.Scenes, err = loadScenes(ctx, tx, versionID, "", true)
	if err != nil {
		return v, err
	}
	if v.Bundle, err = bundleInfo(ctx, tx, versionID); err != nil {
		return v, err
	}
	if v.Groups, err = loadGroups(ctx, tx, versionID); err != nil {
		return v, err
	}
	v.Reactions, err = loadReactions(ctx, tx, versionID, v.Scenes)
	return v, err
}

// FindVersionOutline returns a version with its scenes' ids and custom
// properties and its groups, but no controls: what an editor page needs
// around the one scene it shows (FindScene), at a fraction of the cost of
// FindVersion on a big project. Never export or validate an outline.
func (db *DB) FindVersionOutline(ctx context.Context, versionID int64) (studio.Version, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return studio.Version{}, err
	}
	defer tx.Rollback()
	var v studio.Version
	if v.VersionSummary, err = versionSummary(ctx, tx, versionID); err != nil {
		return v, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT name FROM projects WHERE id = ?`, v.ProjectID).Scan(&v.ProjectName); err != nil {
		return v, fmt.Errorf("project of version %d: %w", versionID, err)
	}
	if v.Scenes, err = loadScenes(ctx, tx, versionID, "", false); err != nil {
		return v, err
	}
	if v.Bundle, err = bundleInfo(ctx, tx, versionID); err != nil {
		return v, err
	}
	v.Groups, err = loadGroups(ctx, tx, versionID)
	return v, err
}

// loadScenes reads the version's scenes (or just sceneID's, when given),
// in order, with their controls if withControls.
func loadScenes(ctx context.Context, tx *sql.Tx, versionID int64, sceneID string, withControls bool) ([]studio.Scene, error) {
	q := `SELECT id, scene_id, custom, revision FROM scenes WHERE version_id = ?`
	args := []any{versionID}
	if sceneID != "" {
		q += ` AND scene_id = ?`
		args = append(args, sceneID)
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY ord`, args...)
	if err != nil {
		return nil, fmt.Errorf("load scenes: %w", err)
	}
	var scenes []studio.Scene
	index := map[int64]int{}
	for rows.Next() {
		var s studio.Scene
		var ref int64
		var custom []byte
		if err := rows.Scan(&ref, &s.SceneID, &custom, &s.Revision); err != nil {
			rows.Close()
			return nil, err
		}
		if s.Custom, err = studio.DecodeCustom(custom); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scene %q: stored properties: %w", s.SceneID, err)
		}
		index[ref] = len(scenes)
		scenes = append(scenes, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil || !withControls {
		return scenes, err
	}
	// Size each scene's control slice up front: a 100-control scene would
	// otherwise be copied eight times while growing.
	q = `SELECT c.scene_ref, COUNT(*) FROM controls c JOIN scenes s ON s.id = c.scene_ref WHERE s.version_id = ?`
	if sceneID != "" {
		q += ` AND s.scene_id = ?`
	}
	rows, err = tx.QueryContext(ctx, q+` GROUP BY c.scene_ref`, args...)
	if err != nil {
		return nil, fmt.Errorf("count controls: %w", err)
	}
	for rows.Next() {
		var ref int64
		var n int
		if err := rows.Scan(&ref, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := index[ref]; ok {
			scenes[i].Controls = make([]studio.Control, 0, n)
		}
	}
	rows.Close()
	// No ORDER BY: SQLite would copy every row, properties and all, into a
	// temporary sort tree first. Rows come grouped by scene from the index;
	// each scene's few controls are sorted here.
	q = `SELECT c.scene_ref, c.ord, c.control_id, c.kind, c.positions, c.props, c.revision
		FROM controls c JOIN scenes s ON s.id = c.scene_ref WHERE s.version_id = ?`
	if sceneID != "" {
		q += ` AND s.scene_id = ?`
	}
	rows, err = tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("load controls: %w", err)
	}
	defer rows.Close()
	ords := make([][]int, len(scenes))
	for rows.Next() {
		var ref int64
		var ord int
		var c studio.Control
		var positions, props sql.RawBytes // decoded before the next row: no copy
		if err := rows.Scan(&ref, &ord, &c.ControlID, &c.Kind, &positions, &props, &c.Revision); err != nil {
			return nil, err
		}
		if err := decodeControl(&c, positions, props); err != nil {
			return nil, err
		}
		i, ok := index[ref]
		if !ok {
			return nil, fmt.Errorf("control %q belongs to no loaded scene", c.ControlID)
		}
		scenes[i].Controls = append(scenes[i].Controls, c)
		ords[i] = append(ords[i], ord)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range scenes {
		sort.Sort(byOrd{scenes[i].Controls, ords[i]})
	}
	return scenes, nil
}

// byOrd sorts controls by their stored order, moving both slices together.
type byOrd struct {
	controls []studio.Control
	ords     []int
}

func (b byOrd) Len() int           { return len(b.ords) }
func (b byOrd) Less(i, j int) bool { return b.ords[i] < b.ords[j] }
func (b byOrd) Swap(i, j int) {
	b.controls[i], b.controls[j] = b.controls[j], b.controls[i]
	b.ords[i], b.ords[j] = b.ords[j], b.ords[i]
}

func loadGroups(ctx context.Context, tx *sql.Tx, versionID int64) ([]studio.Group, error) {
	rows, err := tx.QueryContext(ctx, `SELECT g.group_id, s.scene_id, g.custom, g.revision
		FROM participant_groups g JOIN scenes s ON s.id = g.scene_ref
		WHERE g.version_id = ? ORDER BY g.ord`, versionID)
	if err != nil {
		return nil, fmt.Errorf("load groups: %w", err)
	}
	defer rows.Close()
	var groups []studio.Group
	for rows.Next() {
		var g studio.Group
		var custom []byte
		if err := rows.Scan(&g.GroupID, &g.SceneID, &custom, &g.Revision); err != nil {
			return nil, err
		}
		if g.Custom, err = studio.DecodeCustom(custom); err != nil {
			return nil, fmt.Errorf("group %q: stored properties: %w", g.GroupID, err)
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

// PublishVersion freezes a draft: from now on it never changes, and game
// clients may rely on it.
func (db *DB) PublishVersion(ctx context.Context, versionID int64) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := editable(ctx, tx, versionID); err != nil {
			return err
		}
		v, err := loadVersion(ctx, tx, versionID)
		if err != nil {
			return err
		}
		l := v.Layout()
		if err := l.Validate(); err != nil {
			return err
		}
		if err := l.CheckBundle(v.Bundle != nil); err != nil {
			return err
		}
		now := db.now().UnixMilli()
		_, err = tx.ExecContext(ctx, `UPDATE versions SET state = 'published', published_at = ?, updated_at = ? WHERE id = ?`, now, now, versionID)
		if err != nil {
			return fmt.Errorf("publish version %d: %w", versionID, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE projects SET updated_at = ? WHERE id = ?`, now, v.ProjectID)
		return err
	})
}

// CreateDraftFrom copies a version (normally a published one) into a new
// draft of the same project, numbered after the project's newest version.
func (db *DB) CreateDraftFrom(ctx context.Context, versionID int64) (studio.Version, error) {
	var id int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		v, err := loadVersion(ctx, tx, versionID)
		if err != nil {
			return err
		}
		if id, err = db.insertVersion(ctx, tx, v.ProjectID, v.Layout()); err != nil {
			return err
		}
		if err := copyVersionFiles(ctx, tx, versionID, id); err != nil {
			return err
		}
		return copyBundle(ctx, tx, versionID, id)
	})
	if err != nil {
		return studio.Version{}, err
	}
	return db.FindVersion(ctx, id)
}

// insertVersion adds a draft with the layout's content to a project, after
// validating it, and returns its id.
func (db *DB) insertVersion(ctx context.Context, tx *sql.Tx, projectID int64, l studio.Layout) (int64, error) {
	if err := l.Validate(); err != nil {
		return 0, err
	}
	now := db.now().UnixMilli()
	// Every control starts at revision 1, the version's counter with it
	// (0: no control yet, so the first one created is 1 too).
	var controlRevision int64
	for _, s := range l.Scenes {
		if len(s.Controls) > 0 {
			controlRevision = 1
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO versions(project_id, number, state, created_at, updated_at, control_revision)
		VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE project_id = ?), 'draft', ?, ?, ?)`,
		projectID, projectID, now, now, controlRevision)
	if err != nil {
		return 0, fmt.Errorf("insert version: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	// One prepared insert for all controls: parsing the SQL 5,000 times
	// would dominate a big import or copy.
	ins, err := tx.PrepareContext(ctx, insertControlSQL)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	refs := map[string]int64{}
	for i := range l.Scenes {
		ref, err := insertScene(ctx, tx, id, &l.Scenes[i], i)
		if err != nil {
			return 0, err
		}
		refs[l.Scenes[i].SceneID] = ref
		for j := range l.Scenes[i].Controls {
			if err := insertControl(ctx, ins, ref, &l.Scenes[i].Controls[j], j, 1); err != nil {
				return 0, err
			}
		}
	}
	for i, g := range l.Groups {
		if err := insertGroup(ctx, tx, id, refs[g.SceneID], g, i); err != nil {
			return 0, err
		}
	}
	if err := insertReactions(ctx, tx, id, l.Reactions); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE projects SET updated_at = ? WHERE id = ?`, now, projectID)
	return id, err
}
