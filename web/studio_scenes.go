package web

import (
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
	if err := s.storeCreateScene(c.Request().Context(), r.version.ID, id); err != nil {
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	r.sceneID = id
	if err := s.reload(c, r); err != nil {
		return studioHTTPError(err)
	}
	return s.renderEditor(c, http.StatusOK, r, editorState{selected: []string{}, selectIDs: []string{}})
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
	if err := s.storeRenameScene(c.Request().Context(), r.version.ID, r.sceneID, id, r.scene().Revision); err != nil {
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	r.sceneID = id
	if err := s.reload(c, r); err != nil {
		return studioHTTPError(err)
	}
	return s.renderEditor(c, http.StatusOK, r, editorState{})
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
	if err := s.storeDeleteScene(c.Request().Context(), r.version.ID, deleted, to); err != nil {
		return s.renderEditError(c, r, err, editorState{sceneError: studio.ErrorMessage(err)})
	}
	r.sceneID = to
	if err := s.reload(c, r); err != nil {
		return studioHTTPError(err)
	}
	return s.renderEditor(c, http.StatusOK, r, editorState{selected: []string{}, selectIDs: []string{},
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
	if err := s.storeCreateGroup(c.Request().Context(), r.version.ID, studio.Group{GroupID: id, SceneID: r.sceneID}); err != nil {
		return s.renderEditError(c, r, err, editorState{groupError: studio.ErrorMessage(err)})
	}
	if err := s.reload(c, r); err != nil {
		return studioHTTPError(err)
	}
	return s.renderEditor(c, http.StatusOK, r, editorState{})
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
	upd := *g
	upd.SceneID = scene
	if err := s.storeUpdateGroup(c.Request().Context(), r.version.ID, upd); err != nil {
		return s.renderEditError(c, r, err, editorState{groupError: studio.ErrorMessage(err)})
	}
	if err := s.reload(c, r); err != nil {
		return studioHTTPError(err)
	}
	return s.renderEditor(c, http.StatusOK, r, editorState{})
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
	if err := s.storeDeleteGroup(c.Request().Context(), r.version.ID, id); err != nil {
		return s.renderEditError(c, r, err, editorState{groupError: studio.ErrorMessage(err)})
	}
	if err := s.reload(c, r); err != nil {
		return studioHTTPError(err)
	}
	return s.renderEditor(c, http.StatusOK, r, editorState{})
}
