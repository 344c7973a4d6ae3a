package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// staleMessage is what a save built on an old revision shows.
const staleMessage = "This was changed in another tab or window, so your change was not saved — reload to see the latest version."

// studioStatus is the one table from domain error codes to HTTP statuses.
func studioStatus(err error) int {
	switch studio.ErrorCode(err) {
	case studio.EINVALID:
		return http.StatusUnprocessableEntity
	case studio.ENOTFOUND:
		return http.StatusNotFound
	case studio.ECONFLICT:
		return http.StatusConflict
	case studio.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case studio.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// studioHTTPError turns a domain error into Echo's error (logged and
// answered by the central error handler).
func studioHTTPError(err error) error {
	code := studioStatus(err)
	if code == http.StatusInternalServerError {
		return err
	}
	return echo.NewHTTPError(code, studio.ErrorMessage(err)).SetInternal(err)
}

// editorRequest is what every editor request says: which version, scene
// and grid, and what the page has selected.
type editorRequest struct {
	user     studio.User
	version  *studio.Version // only the shown scene has its controls
	versions []studio.VersionSummary
	tabs     []templates.SceneTab
	sceneID  string
	grid     string
	selected []string
}

// loadEditor reads the request's version (it must be the user's) and view.
func (s *Server) loadEditor(c echo.Context) (*editorRequest, error) {
	u, ok := s.currentUser(c)
	if !ok {
		return nil, echo.NewHTTPError(http.StatusUnauthorized, "Sign in first.")
	}
	id, err := strconv.ParseInt(c.Param("version"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.NewHTTPError(http.StatusNotFound, "No such version.")
	}
	r := &editorRequest{user: u, sceneID: c.FormValue("scene"), grid: c.FormValue("grid")}
	if err := r.load(c, s, id); err != nil {
		return nil, studioHTTPError(err)
	}
	if _, ok := studio.GridByName(r.grid); !ok {
		r.grid = studio.Large
	}
	if sel := c.FormValue("sel"); sel != "" {
		_ = json.Unmarshal([]byte(sel), &r.selected) // a bad selection only loses the selection
	}
	return r, nil
}

// scene is the request's scene (never nil after loadEditor: every version
// has a default scene).
func (r *editorRequest) scene() *studio.Scene { return r.version.Scene(r.sceneID) }

// editable refuses edits of a published version.
func (r *editorRequest) editable() error {
	if !r.version.Editable() {
		return studio.Errorf(studio.ECONFLICT, "version %d is published and read-only; start a new draft to change it", r.version.Number)
	}
	return nil
}

// load reads version id with the controls of r.sceneID (the default
// scene's when it has no such scene).
func (r *editorRequest) load(c echo.Context, s *Server, id int64) error {
	d, err := s.storeEditor(c.Request().Context(), r.user, id, r.sceneID)
	if err != nil {
		return err
	}
	r.version, r.versions, r.tabs = d.version, d.versions, d.tabs
	if r.version.Scene(r.sceneID) == nil {
		r.sceneID = studio.DefaultSceneID
	}
	return nil
}

// reloadScene reads the shown scene again after a save of its controls;
// the other scenes did not change, so their tabs are kept (counting them
// again is the costliest query of a 50-scene project).
func (s *Server) reloadScene(c echo.Context, r *editorRequest) error {
	scene, err := s.db.FindScene(c.Request().Context(), r.version.ID, r.sceneID)
	if err != nil {
		return err
	}
	*r.scene() = scene
	for i := range r.tabs {
		if r.tabs[i].ID == r.sceneID {
			r.tabs[i].Controls, r.tabs[i].Missing = len(scene.Controls), 0
			for _, c := range scene.Controls {
				if len(studio.MissingGrids(c)) > 0 {
					r.tabs[i].Missing++
				}
			}
		}
	}
	return nil
}

// reload reads the version again after a save (or to show another scene).
func (s *Server) reload(c echo.Context, r *editorRequest) error {
	return r.load(c, s, r.version.ID)
}

// renderEditor answers with the workspace (an HTMX swap) or the whole page.
func (s *Server) renderEditor(c echo.Context, status int, r *editorRequest, st editorState) error {
	st.sceneID, st.grid = r.sceneID, r.grid
	if st.selected == nil {
		st.selected = r.selected
	}
	v := editorView(r.version, r.versions, r.tabs, st)
	return s.renderView(c, status, view{Title: r.version.ProjectName, Partial: templates.Workspace(v), Page: templates.EditorPage(v)})
}

// renderEditError answers a refused edit: 409 with the stale message for a
// concurrent change, 422 with the problems for invalid input, the central
// handler for anything else. The version is read again so the page shows
// what is saved.
func (s *Server) renderEditError(c echo.Context, r *editorRequest, err error, st editorState) error {
	st.propsSaved = false // nothing was saved: the form keeps its revision
	if st.flash.Kind == "ok" {
		st.flash = templates.Flash{} // nor does a refused edit say what it would have done
	}
	status := studioStatus(err)
	switch status {
	case http.StatusConflict:
		if r.version.Editable() {
			st.flash = templates.Flash{Kind: "stale", Text: staleMessage}
		} else {
			st.flash = templates.Flash{Kind: "error", Text: studio.ErrorMessage(err)}
		}
	case http.StatusUnprocessableEntity:
		if st.flash.Text == "" && st.props == nil && st.sceneError == "" && st.groupError == "" {
			st.flash = templates.Flash{Kind: "error", Text: problemText(err)}
		}
	default:
		return studioHTTPError(err)
	}
	if rerr := s.reload(c, r); rerr != nil {
		return studioHTTPError(rerr)
	}
	s.log.Warn("studio edit refused", "path", c.Path(), "status", status, "err", err)
	return s.renderEditor(c, status, r, st)
}

// problemText is a refused edit's message, every problem listed.
func problemText(err error) string {
	var v *studio.ValidationError
	if errors.As(err, &v) {
		parts := make([]string, 0, len(v.Problems))
		for _, p := range v.Problems {
			parts = append(parts, p.String())
		}
		return "Not saved: " + strings.Join(parts, "; ")
	}
	return "Not saved: " + studio.ErrorMessage(err)
}

// handleEditor shows a version's editor.
func (s *Server) handleEditor(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	return s.renderEditor(c, http.StatusOK, r, editorState{})
}

// handlePreview shows the scene on every grid at its real size.
func (s *Server) handlePreview(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "Preview · "+r.version.ProjectName, templates.PreviewPage(previewView(r.version, r.scene())))
}

// handleSceneJSON shows the scene as the protocol sends it.
func (s *Server) handleSceneJSON(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(r.scene(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode scene %q: %w", r.sceneID, err)
	}
	return writeComponent(c, http.StatusOK, templates.SceneJSON(r.sceneID, string(body)))
}

// handleExport downloads the version's layout JSON.
func (s *Server) handleExport(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	layout, err := s.db.ExportLayout(c.Request().Context(), r.version.ID)
	if err != nil {
		return studioHTTPError(err)
	}
	body, err := studio.Export(layout)
	if err != nil {
		return fmt.Errorf("export version %d: %w", r.version.ID, err)
	}
	name := fmt.Sprintf("%s-v%d.json", fileSafe(r.version.ProjectName), r.version.Number)
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name))
	return c.Blob(http.StatusOK, "application/json", body)
}

// fileSafe keeps letters, digits, '-' and '_' of a name for a file name.
func fileSafe(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "layout"
	}
	return b.String()
}

// handlePublish publishes the draft; it is read-only from then on.
func (s *Server) handlePublish(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	if err := s.storePublish(c.Request().Context(), r.version.ID); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	if err := s.reload(c, r); err != nil {
		return studioHTTPError(err)
	}
	return s.renderEditor(c, http.StatusOK, r, editorState{flash: templates.Flash{Kind: "ok",
		Text: fmt.Sprintf("Published version %d. Game clients can use it now; it no longer changes.", r.version.Number)}})
}

// handleNewDraft starts a draft from this version and opens it.
func (s *Server) handleNewDraft(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	id, err := s.storeNewDraft(c.Request().Context(), r.version.ID)
	if err != nil {
		return studioHTTPError(err)
	}
	return redirect(c, templates.EditorURL(id))
}

// redirect sends the browser to url: HX-Redirect for HTMX (a 303 would be
// swapped into the page), a 303 otherwise.
func redirect(c echo.Context, url string) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", url)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, url)
}
