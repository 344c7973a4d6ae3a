package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// The studio pages' calls into persistence, in one place. Every call
// checks that the project is the user's; another user's project answers
// "not found", so ids reveal nothing.

// ownProject returns the project if u owns it.
func (s *Server) ownProject(ctx context.Context, u studio.User, projectID int64) (studio.Project, error) {
	p, err := s.db.FindProjectByID(ctx, projectID)
	if err != nil {
		return p, err
	}
	if p.OwnerID != u.ID {
		return studio.Project{}, studio.Errorf(studio.ENOTFOUND, "project %d does not exist", projectID)
	}
	return p, nil
}

func (s *Server) storeProjects(ctx context.Context, u studio.User) ([]studio.Project, error) {
	return s.db.FindProjects(ctx, u.ID)
}

func (s *Server) storeCreateProject(ctx context.Context, u studio.User, name string) (int64, error) {
	_, v, err := s.db.CreateProject(ctx, u.ID, name)
	return v.ID, err
}

func (s *Server) storeRenameProject(ctx context.Context, u studio.User, id int64, name string) error {
	if _, err := s.ownProject(ctx, u, id); err != nil {
		return err
	}
	return s.db.RenameProject(ctx, id, name)
}

func (s *Server) storeDuplicateProject(ctx context.Context, u studio.User, id int64) (string, error) {
	if _, err := s.ownProject(ctx, u, id); err != nil {
		return "", err
	}
	p, err := s.db.DuplicateProject(ctx, id, u.ID)
	return p.Name, err
}

func (s *Server) storeDeleteProject(ctx context.Context, u studio.User, id int64) error {
	if _, err := s.ownProject(ctx, u, id); err != nil {
		return err
	}
	return s.db.DeleteProject(ctx, id)
}

func (s *Server) storeImport(ctx context.Context, u studio.User, l studio.Layout) (int64, error) {
	return s.db.ImportLayout(ctx, u.ID, l)
}

// storeVersion loads a whole version of the user's (every scene with its
// controls) and the project's versions. (The live console uses it.)
func (s *Server) storeVersion(ctx context.Context, u studio.User, id int64) (*studio.Version, []studio.VersionSummary, error) {
	v, err := s.db.FindVersion(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.ownProject(ctx, u, v.ProjectID)
	if err != nil {
		if errors.Is(err, studio.ErrNotFound) {
			return nil, nil, studio.Errorf(studio.ENOTFOUND, "version %d does not exist", id)
		}
		return nil, nil, err
	}
	return &v, p.Versions, nil
}

// editorData is what one editor answer needs: the version with only the
// shown scene's controls loaded (the others are listed by id, with their
// counts in tabs), so a 50-scene project costs no more than one scene.
type editorData struct {
	version  *studio.Version
	versions []studio.VersionSummary
	tabs     []templates.SceneTab
}

// storeEditor loads a version of the user's for the editor, with the
// controls of sceneID (or of the default scene when there is no such one).
func (s *Server) storeEditor(ctx context.Context, u studio.User, id int64, sceneID string) (*editorData, error) {
	var projectID int64
	err := s.db.SQL().QueryRowContext(ctx, `SELECT project_id FROM versions WHERE id = ?`, id).Scan(&projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, studio.Errorf(studio.ENOTFOUND, "version %d does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("version %d: %w", id, err)
	}
	p, err := s.ownProject(ctx, u, projectID)
	if err != nil {
		if errors.Is(err, studio.ErrNotFound) {
			return nil, studio.Errorf(studio.ENOTFOUND, "version %d does not exist", id)
		}
		return nil, err
	}
	d := &editorData{versions: p.Versions, version: &studio.Version{ProjectName: p.Name}}
	for _, vs := range p.Versions {
		if vs.ID == id {
			d.version.VersionSummary = vs
		}
	}
	if d.tabs, err = sceneTabs(ctx, s.db.SQL(), id); err != nil {
		return nil, err
	}
	if !hasTab(d.tabs, sceneID) {
		sceneID = studio.DefaultSceneID
		if !hasTab(d.tabs, sceneID) && len(d.tabs) > 0 {
			sceneID = d.tabs[0].ID
		}
	}
	for _, t := range d.tabs {
		d.version.Scenes = append(d.version.Scenes, studio.Scene{SceneID: t.ID})
	}
	scene, err := s.db.FindScene(ctx, id, sceneID)
	if err != nil {
		return nil, err
	}
	*d.version.Scene(sceneID) = scene
	if d.version.Groups, err = versionGroups(ctx, s.db.SQL(), id); err != nil {
		return nil, err
	}
	return d, nil
}

func hasTab(tabs []templates.SceneTab, id string) bool {
	for _, t := range tabs {
		if t.ID == id {
			return true
		}
	}
	return false
}

// sceneTabs lists a version's scenes in order with their number of
// controls and of controls missing from some grid.
//
// The missing count must not decode 5,000 controls' positions (json_each
// cost ~40 ms a page, substring tests ~25 ms), so it reads only the byte
// length of the stored array, which encoding/json writes as
// [{"size":"large","width":W,"height":H,"x":X,"y":Y},...]. Validation
// keeps every saved position on a known grid (at most one per grid) with
// values 0..80 (one or two digits), so one position is 49 to 54 bytes:
// two positions make at most 111 bytes, three at least 151.
// TestStudioSceneTabsCountMissingControls checks the bound.
const allGridsMinBytes = 130

func sceneTabs(ctx context.Context, q *sql.DB, versionID int64) ([]templates.SceneTab, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.scene_id, COUNT(c.id), COALESCE(SUM(octet_length(c.positions) < ?), 0)
		FROM scenes s LEFT JOIN controls c ON c.scene_ref = s.id
		WHERE s.version_id = ? GROUP BY s.id ORDER BY s.ord`, allGridsMinBytes, versionID)
	if err != nil {
		return nil, fmt.Errorf("scenes of version %d: %w", versionID, err)
	}
	defer rows.Close()
	var out []templates.SceneTab
	for rows.Next() {
		var t templates.SceneTab
		if err := rows.Scan(&t.ID, &t.Controls, &t.Missing); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// versionGroups reads a version's groups with their custom properties (a
// group saved from the editor keeps them).
func versionGroups(ctx context.Context, q *sql.DB, versionID int64) ([]studio.Group, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.group_id, s.scene_id, g.custom, g.revision
		FROM participant_groups g JOIN scenes s ON s.id = g.scene_ref
		WHERE g.version_id = ? ORDER BY g.ord`, versionID)
	if err != nil {
		return nil, fmt.Errorf("groups of version %d: %w", versionID, err)
	}
	defer rows.Close()
	var out []studio.Group
	for rows.Next() {
		var g studio.Group
		var custom []byte
		if err := rows.Scan(&g.GroupID, &g.SceneID, &custom, &g.Revision); err != nil {
			return nil, err
		}
		if g.Custom, err = studio.DecodeCustom(custom); err != nil {
			return nil, fmt.Errorf("group %q: stored properties: %w", g.GroupID, err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (s *Server) storeCreateScene(ctx context.Context, versionID int64, sceneID string) error {
	_, err := s.db.CreateScene(ctx, versionID, sceneID)
	return err
}

func (s *Server) storeRenameScene(ctx context.Context, versionID int64, from, to string) error {
	return s.db.RenameScene(ctx, versionID, from, to)
}

func (s *Server) storeDeleteScene(ctx context.Context, versionID int64, sceneID, reassign string) error {
	return s.db.DeleteScene(ctx, versionID, sceneID, reassign)
}

func (s *Server) storeCreateGroup(ctx context.Context, versionID int64, g studio.Group) error {
	_, err := s.db.CreateGroup(ctx, versionID, g)
	return err
}

func (s *Server) storeUpdateGroup(ctx context.Context, versionID int64, g studio.Group) error {
	_, err := s.db.UpdateGroup(ctx, versionID, g)
	return err
}

func (s *Server) storeDeleteGroup(ctx context.Context, versionID int64, groupID string) error {
	return s.db.DeleteGroup(ctx, versionID, groupID)
}

func (s *Server) storePublish(ctx context.Context, versionID int64) error {
	return s.db.PublishVersion(ctx, versionID)
}

func (s *Server) storeNewDraft(ctx context.Context, versionID int64) (int64, error) {
	v, err := s.db.CreateDraftFrom(ctx, versionID)
	return v.ID, err
}

// storeSaveControls saves one edit of a scene's controls — creations,
// updates and deletions mixed, as an undo, a paste or a fill needs them —
// in one transaction: all or nothing. Each change carries the revision the
// editor saw (0: the control must not exist yet); any other revision is a
// concurrent edit and refuses the whole save (ECONFLICT). The scene is
// validated again inside the transaction, so two tabs cannot together
// store an overlap that neither made alone.
//
// persistence has a call per kind of change, each its own transaction;
// this batch is written here on its schema (migrations/0002_studio.sql).
func (s *Server) storeSaveControls(ctx context.Context, versionID int64, sceneID string, changes []controlChange) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM versions WHERE id = ?`, versionID).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return studio.Errorf(studio.ENOTFOUND, "version %d does not exist", versionID)
		}
		if err != nil {
			return fmt.Errorf("version %d: %w", versionID, err)
		}
		if state != studio.Draft {
			return studio.Errorf(studio.ECONFLICT, "version %d is published and can no longer change; create a new draft from it to edit", versionID)
		}
		var ref int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM scenes WHERE version_id = ? AND scene_id = ?`, versionID, sceneID).Scan(&ref)
		if errors.Is(err, sql.ErrNoRows) {
			return studio.Errorf(studio.ECONFLICT, "scene %q no longer exists (deleted in another tab?)", sceneID)
		}
		if err != nil {
			return fmt.Errorf("scene %q: %w", sceneID, err)
		}
		scene, ord, err := loadSceneForSave(ctx, tx, ref, sceneID)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			cur := scene.Control(ch.ControlID)
			switch {
			case cur == nil && ch.Expect != 0:
				return studio.Errorf(studio.ECONFLICT, "control %q was deleted in another tab", ch.ControlID)
			case cur != nil && cur.Revision != ch.Expect:
				return studio.Errorf(studio.ECONFLICT, "control %q was changed in another tab", ch.ControlID)
			case cur != nil && ch.After != nil && cur.Kind != ch.After.Kind:
				return &studio.Error{Code: studio.EINVALID, Field: "kind", Message: fmt.Sprintf("control %q cannot change its kind", ch.ControlID)}
			}
			removeControl(&scene, ch.ControlID)
			if ch.After != nil {
				scene.Controls = append(scene.Controls, ch.After.Clone())
			}
		}
		if err := scene.Validate(); err != nil {
			return err
		}
		added := 0
		for _, ch := range changes {
			switch {
			case ch.Expect == 0 && ch.After != nil:
				added++
			case ch.Expect != 0 && ch.After == nil:
				added--
			}
		}
		if added > 0 {
			var total int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM controls c JOIN scenes s ON s.id = c.scene_ref WHERE s.version_id = ?`, versionID).Scan(&total); err != nil {
				return fmt.Errorf("count controls: %w", err)
			}
			if total+added > studio.MaxControls {
				return studio.Errorf(studio.EINVALID, "a version holds at most %d controls; this would make %d", studio.MaxControls, total+added)
			}
		}
		for _, ch := range changes {
			if err := saveChange(ctx, tx, ref, &ord, ch); err != nil {
				return err
			}
		}
		now := s.now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET updated_at = ? WHERE id = ?`, now, versionID); err != nil {
			return fmt.Errorf("touch version: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE projects SET updated_at = ? WHERE id = (SELECT project_id FROM versions WHERE id = ?)`, now, versionID)
		return err
	})
}

// loadSceneForSave reads a scene's controls inside the saving transaction
// and the next free order number.
func loadSceneForSave(ctx context.Context, tx *sql.Tx, ref int64, sceneID string) (studio.Scene, int, error) {
	scene := studio.Scene{SceneID: sceneID}
	rows, err := tx.QueryContext(ctx, `SELECT control_id, kind, positions, props, revision, ord FROM controls WHERE scene_ref = ? ORDER BY ord`, ref)
	if err != nil {
		return scene, 0, fmt.Errorf("load controls of %q: %w", sceneID, err)
	}
	defer rows.Close()
	next := 0
	for rows.Next() {
		var c studio.Control
		var positions, props []byte
		var ord int
		if err := rows.Scan(&c.ControlID, &c.Kind, &positions, &props, &c.Revision, &ord); err != nil {
			return scene, 0, err
		}
		if err := json.Unmarshal(positions, &c.Position); err != nil {
			return scene, 0, fmt.Errorf("control %q: stored positions: %w", c.ControlID, err)
		}
		if err := studio.DecodeProps(&c, props); err != nil {
			return scene, 0, fmt.Errorf("control %q: stored properties: %w", c.ControlID, err)
		}
		scene.Controls = append(scene.Controls, c)
		next = max(next, ord+1)
	}
	return scene, next, rows.Err()
}

// saveChange writes one change; the revision guard in the WHERE clause
// holds even against a writer that skipped the checks above.
func saveChange(ctx context.Context, tx *sql.Tx, ref int64, ord *int, ch controlChange) error {
	if ch.After == nil {
		res, err := tx.ExecContext(ctx, `DELETE FROM controls WHERE scene_ref = ? AND control_id = ? AND revision = ?`, ref, ch.ControlID, ch.Expect)
		if err != nil {
			return fmt.Errorf("delete control %q: %w", ch.ControlID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return studio.Errorf(studio.ECONFLICT, "control %q was changed in another tab", ch.ControlID)
		}
		return nil
	}
	ps := ch.After.Position
	if ps == nil {
		ps = []studio.Position{}
	}
	positions, err := json.Marshal(ps)
	if err != nil {
		return fmt.Errorf("encode control %q: %w", ch.ControlID, err)
	}
	props, err := ch.After.PropsJSON()
	if err != nil {
		return fmt.Errorf("encode control %q: %w", ch.ControlID, err)
	}
	if ch.Expect == 0 {
		_, err := tx.ExecContext(ctx, `INSERT INTO controls(scene_ref, control_id, kind, ord, positions, props) VALUES (?, ?, ?, ?, ?, ?)`,
			ref, ch.ControlID, ch.After.Kind, *ord, positions, props)
		*ord++
		if err != nil {
			return fmt.Errorf("insert control %q: %w", ch.ControlID, err)
		}
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE controls SET positions = ?, props = ?, revision = revision + 1
		WHERE scene_ref = ? AND control_id = ? AND revision = ?`, positions, props, ref, ch.ControlID, ch.Expect)
	if err != nil {
		return fmt.Errorf("save control %q: %w", ch.ControlID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return studio.Errorf(studio.ECONFLICT, "control %q was changed in another tab", ch.ControlID)
	}
	return nil
}
