package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// checkNewID validates a scene or group id the way a layout would.
func checkNewID(what, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return studio.Errorf(studio.EINVALID, "a %s ID cannot be empty", what)
	case len(id) > studio.MaxIDLen:
		return studio.Errorf(studio.EINVALID, "a %s ID has at most %d bytes", what, studio.MaxIDLen)
	}
	return nil
}

// handleAddScene adds an empty scene and opens it.
func (s *Server) handleAddScene(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	id := c.FormValue("new_scene")
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	if err := checkNewID("scene", id); err != nil {
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	if r.version.Scene(id) != nil {
		err := studio.Errorf(studio.EINVALID, "scene %q already exists", id)
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	return s.structureEdit(c, r, "edit", "Add scene "+id, structureOp{Action: "create-scene", SceneID: id, Reassign: studio.DefaultSceneID},
		editorState{selected: []string{}, selectIDs: []string{}})
}

// handleRenameScene changes the scene's id; groups showing it follow.
func (s *Server) handleRenameScene(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	id := c.FormValue("new_scene")
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	if id == r.sceneID {
		return s.renderEditor(c, http.StatusOK, r, editorState{})
	}
	if err := checkNewID("scene", id); err != nil {
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	if r.sceneID == studio.DefaultSceneID {
		err := studio.Errorf(studio.EINVALID, "the %q scene keeps its ID: participants start there", studio.DefaultSceneID)
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	if r.version.Scene(id) != nil {
		err := studio.Errorf(studio.EINVALID, "scene %q already exists", id)
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	return s.structureEdit(c, r, "edit", "Rename scene "+r.sceneID, structureOp{Action: "rename-scene", SceneID: r.sceneID, NewID: id}, editorState{})
}

// handleDeleteScene deletes the scene and its controls; the groups that
// showed it move to the chosen scene.
func (s *Server) handleDeleteScene(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	to := c.FormValue("reassign")
	if r.sceneID == studio.DefaultSceneID {
		err := studio.Errorf(studio.EINVALID, "the %q scene cannot be deleted", studio.DefaultSceneID)
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	if to == r.sceneID || r.version.Scene(to) == nil {
		err := studio.Errorf(studio.EINVALID, "choose another existing scene for this scene's groups")
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	deleted := r.sceneID
	return s.structureEdit(c, r, "edit", "Delete scene "+deleted, structureOp{Action: "delete-scene", SceneID: deleted, Reassign: to},
		editorState{selected: []string{}, selectIDs: []string{},
			flash: templates.Flash{Kind: "ok", Text: "Deleted scene “" + deleted + "”; its groups now show “" + to + "”."}})
}

// handleAddGroup adds a group showing the current scene.
func (s *Server) handleAddGroup(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	id := c.FormValue("group")
	if err := checkNewID("group", id); err != nil {
		return s.renderEditError(c, r, err, editorState{groupError: studio.ErrorMessage(err)})
	}
	for _, g := range r.version.Groups {
		if g.GroupID == id {
			err := studio.Errorf(studio.EINVALID, "group %q already exists", id)
			return s.renderEditError(c, r, err, editorState{groupError: studio.ErrorMessage(err)})
		}
	}
	return s.structureEdit(c, r, "edit", "Add group "+id, structureOp{Action: "create-group", Groups: []groupState{{GroupID: id, SceneID: r.sceneID}}}, editorState{})
}

// handleUpdateGroup points a group at another scene.
func (s *Server) handleUpdateGroup(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	id, scene := c.FormValue("group"), c.FormValue("group_scene")
	rev, _ := strconv.ParseInt(c.FormValue("revision"), 10, 64)
	var g *studio.Group
	for i := range r.version.Groups {
		if r.version.Groups[i].GroupID == id {
			g = &r.version.Groups[i]
		}
	}
	if g == nil {
		return s.renderEditError(c, r, studio.Errorf(studio.ECONFLICT, "group %q no longer exists", id), editorState{})
	}
	if r.version.Scene(scene) == nil {
		err := studio.Errorf(studio.EINVALID, "scene %q does not exist", scene)
		return s.renderEditError(c, r, err, editorState{groupError: studio.ErrorMessage(err)})
	}
	if rev != g.Revision {
		return s.renderEditError(c, r, studio.Errorf(studio.ECONFLICT, "group %q changed since the page loaded it", id), editorState{})
	}
	return s.structureEdit(c, r, "edit", "Group "+id+" shows "+scene,
		structureOp{Action: "set-group", Groups: []groupState{{GroupID: id, SceneID: scene, Revision: rev}}}, editorState{})
}

// handleDeleteGroup deletes a group (not the default one).
func (s *Server) handleDeleteGroup(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	id := c.FormValue("group")
	if id == studio.DefaultGroupID {
		err := studio.Errorf(studio.EINVALID, "the %q group cannot be deleted", studio.DefaultGroupID)
		return s.renderEditError(c, r, err, editorState{groupError: studio.ErrorMessage(err)})
	}
	return s.structureEdit(c, r, "edit", "Delete group "+id, structureOp{Action: "delete-group", Groups: []groupState{{GroupID: id}}}, editorState{})
}

// structureEdit applies a scene or group edit and answers with the editor
// and the edit's inverse for the undo stack. A refused edit keeps its
// message beside the scene or group forms.
func (s *Server) structureEdit(c echo.Context, r *editorRequest, kind, label string, op structureOp, st editorState) error {
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, st)
	}
	inverse, show, err := s.applyStructure(c, r, op)
	if err != nil {
		if strings.HasSuffix(op.Action, "-group") {
			st.groupError = studio.ErrorMessage(err)
		} else {
			st.sceneError = studio.ErrorMessage(err)
		}
		return s.renderEditError(c, r, err, st)
	}
	r.sceneID = show
	if err := s.reload(c, r); err != nil {
		return studioHTTPError(err)
	}
	if st.history, err = structureEntry(kind, label, r.sceneID, inverse); err != nil {
		return err
	}
	return s.renderEditor(c, http.StatusOK, r, st)
}

func (r *editorRequest) group(id string) *studio.Group {
	for i := range r.version.Groups {
		if r.version.Groups[i].GroupID == id {
			return &r.version.Groups[i]
		}
	}
	return nil
}

// structureAction performs one scene or group edit and returns its
// inverse and the scene the editor should show afterwards.
type structureAction func(s *Server, ctx context.Context, r *editorRequest, op structureOp) (structureOp, string, error)

// structureActions are the edits of a version's structure, by action.
var structureActions = map[string]structureAction{
	"create-scene": (*Server).createSceneAction,
	"delete-scene": (*Server).deleteSceneAction,
	"rename-scene": (*Server).renameSceneAction,
	"create-group": (*Server).createGroupAction,
	"delete-group": (*Server).deleteGroupAction,
	"set-group":    (*Server).setGroupAction,
}

// applyStructure performs one scene or group edit.
func (s *Server) applyStructure(c echo.Context, r *editorRequest, op structureOp) (structureOp, string, error) {
	act, ok := structureActions[op.Action]
	if !ok {
		return op, "", studio.Errorf(studio.EINVALID, "unknown edit %q", op.Action)
	}
	return act(s, c.Request().Context(), r, op)
}

// createSceneAction makes a scene (an undone deletion brings its controls
// and groups back).
func (s *Server) createSceneAction(ctx context.Context, r *editorRequest, op structureOp) (structureOp, string, error) {
	scene := studio.Scene{SceneID: op.SceneID}
	if len(op.Scene) > 0 {
		if err := json.Unmarshal(op.Scene, &scene); err != nil {
			return op, "", studio.Errorf(studio.EINVALID, "the undo entry's scene is not valid: %v", err)
		}
	}
	if r.version.Scene(scene.SceneID) != nil {
		return op, "", studio.Errorf(studio.ECONFLICT, "a scene %q exists again (made in another tab?)", scene.SceneID)
	}
	var groupIDs []string
	for _, gs := range op.Groups {
		groupIDs = append(groupIDs, gs.GroupID)
	}
	if err := s.storeRestoreScene(ctx, r.version.ID, scene, groupIDs); err != nil {
		return op, "", err
	}
	return structureOp{Action: "delete-scene", SceneID: scene.SceneID, Reassign: op.Reassign}, scene.SceneID, nil
}

// deleteSceneAction deletes a scene, pointing its groups at op.Reassign
// (the default scene when that is gone); the inverse carries the scene.
func (s *Server) deleteSceneAction(ctx context.Context, r *editorRequest, op structureOp) (structureOp, string, error) {
	to := op.Reassign
	if r.version.Scene(to) == nil || to == op.SceneID {
		to = studio.DefaultSceneID
	}
	if r.version.Scene(op.SceneID) == nil {
		return op, "", studio.Errorf(studio.ECONFLICT, "scene %q no longer exists", op.SceneID)
	}
	scene, err := s.db.FindScene(ctx, r.version.ID, op.SceneID)
	if err != nil {
		return op, "", err
	}
	body, err := json.Marshal(scene)
	if err != nil {
		return op, "", err
	}
	inverse := structureOp{Action: "create-scene", SceneID: op.SceneID, Scene: body, Reassign: to}
	for _, g := range r.version.Groups {
		if g.SceneID == op.SceneID {
			inverse.Groups = append(inverse.Groups, groupState{GroupID: g.GroupID, SceneID: op.SceneID})
		}
	}
	if err := s.storeDeleteScene(ctx, r.version.ID, op.SceneID, to); err != nil {
		return op, "", err
	}
	return inverse, to, nil
}

func (s *Server) renameSceneAction(ctx context.Context, r *editorRequest, op structureOp) (structureOp, string, error) {
	if err := s.storeRenameScene(ctx, r.version.ID, op.SceneID, op.NewID); err != nil {
		return op, "", err
	}
	return structureOp{Action: "rename-scene", SceneID: op.NewID, NewID: op.SceneID}, op.NewID, nil
}

// oneGroup is a group edit's group, as posted and as loaded (nil if none).
func oneGroup(r *editorRequest, op structureOp) (groupState, *studio.Group, error) {
	if len(op.Groups) != 1 {
		return groupState{}, nil, studio.Errorf(studio.EINVALID, "unknown edit %q", op.Action)
	}
	return op.Groups[0], r.group(op.Groups[0].GroupID), nil
}

func (s *Server) createGroupAction(ctx context.Context, r *editorRequest, op structureOp) (structureOp, string, error) {
	gs, cur, err := oneGroup(r, op)
	if err != nil {
		return op, "", err
	}
	if cur != nil {
		return op, "", studio.Errorf(studio.ECONFLICT, "a group %q exists again (made in another tab?)", gs.GroupID)
	}
	if err := s.storeCreateGroup(ctx, r.version.ID, studio.Group{GroupID: gs.GroupID, SceneID: gs.SceneID}); err != nil {
		return op, "", err
	}
	return structureOp{Action: "delete-group", Groups: []groupState{{GroupID: gs.GroupID}}}, r.sceneID, nil
}

func (s *Server) deleteGroupAction(ctx context.Context, r *editorRequest, op structureOp) (structureOp, string, error) {
	gs, cur, err := oneGroup(r, op)
	if err != nil {
		return op, "", err
	}
	if cur == nil {
		return op, "", studio.Errorf(studio.ECONFLICT, "group %q no longer exists", gs.GroupID)
	}
	if err := s.storeDeleteGroup(ctx, r.version.ID, gs.GroupID); err != nil {
		return op, "", err
	}
	return structureOp{Action: "create-group", Groups: []groupState{{GroupID: cur.GroupID, SceneID: cur.SceneID}}}, r.sceneID, nil
}

// setGroupAction points a group at another scene, if the group is still
// at the revision the page saw.
func (s *Server) setGroupAction(ctx context.Context, r *editorRequest, op structureOp) (structureOp, string, error) {
	gs, cur, err := oneGroup(r, op)
	if err != nil {
		return op, "", err
	}
	if cur == nil {
		return op, "", studio.Errorf(studio.ECONFLICT, "group %q no longer exists", gs.GroupID)
	}
	if gs.Revision != 0 && gs.Revision != cur.Revision {
		return op, "", studio.Errorf(studio.ECONFLICT, "group %q changed since the page loaded it", gs.GroupID)
	}
	if r.version.Scene(gs.SceneID) == nil {
		return op, "", studio.Errorf(studio.EINVALID, "scene %q does not exist", gs.SceneID)
	}
	upd := *cur
	upd.SceneID = gs.SceneID
	if err := s.storeUpdateGroup(ctx, r.version.ID, upd); err != nil {
		return op, "", err
	}
	return structureOp{Action: "set-group", Groups: []groupState{{GroupID: cur.GroupID, SceneID: cur.SceneID, Revision: cur.Revision + 1}}}, r.sceneID, nil
}
