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

// Every control edit goes the same way (saveEdit): change a copy of the
// scene in the domain, list the changed controls with the revisions the
// page saw (studio.ControlChanges), let the store apply and judge them on
// the stored scene (studio.ControlChanges.Apply) and save them, read back,
// answer with the workspace and the edit's undo entry.

// maxBatch bounds the controls one request may move, delete or paste.
const maxBatch = 2000

// saveEdit saves the changes. label names the edit in the undo history;
// history is "edit", "undo" or "redo".
func (s *Server) saveEdit(c echo.Context, r *editorRequest, label, history string, changes studio.ControlChanges, st editorState) error {
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, st)
	}
	before := r.scene().Clone()
	if _, err := s.db.SaveControls(c.Request().Context(), r.version.ID, r.sceneID, changes); err != nil {
		return s.renderEditError(c, r, err, st)
	}
	if err := s.reloadScene(c, r); err != nil {
		return studioHTTPError(err)
	}
	entry, err := inverseOf(label, r.sceneID, changes, &before, r.scene())
	if err != nil {
		return err
	}
	entry.Kind = history
	st.history = entry
	return s.renderEditor(c, http.StatusOK, r, st)
}

// handleAddControl adds a control of the posted kind, placed on all three
// grids at once, and selects it.
func (s *Server) handleAddControl(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	edited := r.scene().Clone()
	kind := strings.TrimSpace(c.FormValue("kind"))
	if c.FormValue("custom") != "" {
		// The custom-kind field: its refusal shows under it.
		if msg := customKindProblem(kind, r.version.Bundle != nil); msg != "" {
			return s.renderEditError(c, r, studio.Errorf(studio.EINVALID, "%s", msg),
				editorState{customKind: kind, customKindError: msg, flash: templates.Flash{Kind: "error", Text: msg}})
		}
	}
	ctl, err := studio.NewControl(&edited, kind, "")
	if err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	return s.saveEdit(c, r, "Add "+ctl.Kind, "edit", studio.Changes(r.scene(), &edited),
		editorState{selected: []string{ctl.ControlID}, selectIDs: []string{ctl.ControlID}})
}

// moveRequest is one control's new rectangle on the request's grid.
type moveRequest struct {
	ControlID string `json:"controlID"`
	Revision  int64  `json:"revision"`
	X         int    `json:"x"`
	Y         int    `json:"y"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

// handleMove saves drags, resizes and nudges: several controls at once, on
// one grid, each with the revision the page saw.
func (s *Server) handleMove(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	var moves []moveRequest
	if err := json.Unmarshal([]byte(c.FormValue("moves")), &moves); err != nil || len(moves) == 0 || len(moves) > maxBatch {
		return s.renderEditError(c, r, studio.Errorf(studio.EINVALID, "moves must be a JSON array of 1 to %d controls", maxBatch), editorState{})
	}
	edited := r.scene().Clone()
	var changes studio.ControlChanges
	for _, m := range moves {
		ctl := edited.Control(m.ControlID)
		if ctl == nil {
			return s.renderEditError(c, r, studio.Errorf(studio.ECONFLICT, "control %q no longer exists", m.ControlID), editorState{})
		}
		ctl.SetPosition(studio.Position{Size: r.grid, X: m.X, Y: m.Y, Width: m.Width, Height: m.Height})
		changes = append(changes, studio.ControlChange{ControlID: m.ControlID, Expect: m.Revision, After: ctl})
	}
	label := c.FormValue("label")
	if label == "" {
		label = "Move"
	}
	var st editorState
	if r.grid == studio.Large {
		// Grids not edited by hand since they were arranged from large
		// follow it, in the same save (one undo step).
		if followed := studio.FollowLarge(r.scene(), &edited); len(followed) > 0 {
			changes = withFollowers(changes, r.scene(), &edited)
			st.flash = templates.Flash{Kind: "ok", Text: strings.Join(followed, " and ") + " followed the large layout."}
		}
	}
	return s.saveEdit(c, r, label, "edit", changes, st)
}

// withFollowers adds to changes the controls that following large moved
// on the other grids (at the revision the scene has now).
func withFollowers(changes studio.ControlChanges, before, after *studio.Scene) studio.ControlChanges {
	in := make(map[string]bool, len(changes))
	for _, ch := range changes {
		in[ch.ControlID] = true
	}
	for _, ch := range studio.Changes(before, after) {
		if !in[ch.ControlID] {
			changes = append(changes, ch)
		}
	}
	return changes
}

// handleProperties shows the properties form of one control (an empty
// panel when there is no such control).
func (s *Server) handleProperties(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	ctl := r.scene().Control(c.FormValue("control"))
	if ctl == nil {
		return writeComponent(c, http.StatusOK, templates.PropsPanel(templates.PropsView{Base: templates.EditorURL(r.version.ID), Grid: r.grid}))
	}
	return writeComponent(c, http.StatusOK, templates.PropsPanel(propsView(templates.EditorURL(r.version.ID), ctl, r.grid, !r.version.Editable())))
}

// handleSaveProperties saves the properties form: built-in properties, the
// position on the current grid and custom properties, all or nothing. A
// refused form comes back with what was typed and each error beside its
// field (422).
func (s *Server) handleSaveProperties(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	id := c.FormValue("control")
	ctl := r.scene().Control(id)
	if ctl == nil {
		return s.renderEditError(c, r, studio.Errorf(studio.ECONFLICT, "control %q no longer exists", id), editorState{})
	}
	rev, _ := strconv.ParseInt(c.FormValue("revision"), 10, 64)
	edited := r.scene().Clone()
	target := edited.Control(id)
	form := propsView(templates.EditorURL(r.version.ID), ctl, r.grid, false)
	form.Revision = rev
	bad := readPropsFields(c, &form, target)
	bad = readPropsPosition(c, &form, target, r.grid) || bad
	bad = readPropsCustom(c, &form, target) || bad
	// The domain's rules over the whole scene (ranges, bounds, sizes,
	// overlaps), also when a field did not parse, so that every problem of
	// the form shows at once, each beside its field. A refused field goes
	// back to its saved value and the rest is checked again: the valid
	// changes are saved, the refused ones stay in the form as typed.
	for round := 0; ; round++ {
		err := edited.Validate()
		if err == nil {
			break
		}
		placeProblems(&form, id, r.grid, err)
		if form.General != "" || round == 3 || !revertRefused(target, ctl, &form, r.grid) {
			// A problem no field of this form can fix: nothing is saved.
			if form.General == "" {
				form.General = "Not saved: " + problemText(err)
			}
			return s.renderEditError(c, r, studio.Errorf(studio.EINVALID, "%s", form.General), editorState{props: &form, selected: []string{id}})
		}
	}
	if bad {
		revertRefused(target, ctl, &form, r.grid)
	}
	saved, refused := formOutcome(&form, ctl, r.grid)
	form.Saved, form.General = savedText(saved), refusedText(refused)
	if len(saved) == 0 {
		if len(refused) == 0 {
			form.Saved = "Nothing to save: no field was changed."
			return s.renderEditor(c, http.StatusOK, r, editorState{props: &form, selected: []string{id}})
		}
		return s.renderEditError(c, r, studio.Errorf(studio.EINVALID, "%s", form.General), editorState{props: &form, selected: []string{id}})
	}
	return s.saveEdit(c, r, "Edit "+id, "edit",
		studio.ControlChanges{{ControlID: id, Expect: rev, After: target}}, editorState{selected: []string{id}, props: &form, propsSaved: true})
}

// readPropsFields sets the posted built-in properties on target; it
// reports whether one was refused (its error is then beside its field).
func readPropsFields(c echo.Context, form *templates.PropsView, target *studio.Control) bool {
	bad := false
	for i := range form.Fields {
		f := &form.Fields[i]
		f.Value = c.FormValue(f.Name)
		if err := target.Set(f.Name, f.Value); err != nil {
			f.Error, bad = fieldMessage(err), true
		}
	}
	return bad
}

// readPropsPosition sets the posted position on the grid (when the form
// has one); it reports whether a number did not parse.
func readPropsPosition(c echo.Context, form *templates.PropsView, target *studio.Control, grid string) bool {
	if !form.OnGrid {
		return false
	}
	var vals [4]int
	bad := false
	for i := range form.Position {
		f := &form.Position[i]
		f.Value = c.FormValue(f.Name)
		n, err := strconv.Atoi(strings.TrimSpace(f.Value))
		if err != nil {
			f.Error, bad = "must be a whole number", true
			continue
		}
		vals[i] = n
	}
	if !bad {
		target.SetPosition(studio.Position{Size: grid, X: vals[0], Y: vals[1], Width: vals[2], Height: vals[3]})
	}
	return bad
}

// readPropsCustom sets the posted custom properties; it reports whether
// they did not decode.
func readPropsCustom(c echo.Context, form *templates.PropsView, target *studio.Control) bool {
	form.Custom.Value = c.FormValue("custom")
	target.Custom = nil
	if form.Custom.Value == "" {
		return false
	}
	custom, err := studio.DecodeCustom([]byte(form.Custom.Value))
	target.Custom = custom
	if err != nil {
		form.Custom.Error = problemLine(err)
		return true
	}
	return false
}

// fieldMessage is a domain error's message without its field name (the
// form shows it beside the field).
func fieldMessage(err error) string {
	var e *studio.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return problemLine(err)
}

func problemLine(err error) string {
	var v *studio.ValidationError
	if errors.As(err, &v) && len(v.Problems) > 0 {
		return v.Problems[0].Message
	}
	return studio.ErrorMessage(err)
}

// placeProblems puts a validation error's problems of control id beside
// their fields; the rest become the form's general message. It reports
// whether there was any problem.
func placeProblems(form *templates.PropsView, id, grid string, err error) bool {
	var v *studio.ValidationError
	if !errors.As(err, &v) {
		form.General = studio.ErrorMessage(err)
		return true
	}
	for _, p := range v.Problems {
		placed := false
		if p.ControlID == id {
			switch {
			case p.Field == "position" && (p.Grid == grid || p.Grid == ""):
				for i := range form.Position {
					if form.Position[i].Error == "" {
						form.Position[i].Error = p.Message
						placed = true
						break
					}
				}
			case p.Field == "custom" || p.Field != "" && !isBuiltIn(form, p.Field):
				if form.Custom.Error == "" {
					form.Custom.Error = p.Message
				}
				placed = true
			default:
				for i := range form.Fields {
					if form.Fields[i].Name == p.Field {
						if form.Fields[i].Error == "" {
							form.Fields[i].Error = p.Message
						}
						placed = true
					}
				}
			}
		}
		if !placed {
			if form.General != "" {
				form.General += "; "
			} else {
				form.General = "Not saved: "
			}
			form.General += p.String()
		}
	}
	return true
}

func isBuiltIn(form *templates.PropsView, name string) bool {
	for _, f := range form.Fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// idList reads a JSON array of control IDs.
func idList(raw string) ([]string, error) {
	var ids []string
	if err := json.Unmarshal([]byte(raw), &ids); err != nil || len(ids) == 0 || len(ids) > maxBatch {
		return nil, studio.Errorf(studio.EINVALID, "controls must be a JSON array of 1 to %d control IDs", maxBatch)
	}
	return ids, nil
}

// handlePaste adds copies of controls (from this scene: duplicate; from
// another scene or version: paste). Each copy gets a fresh id and, on every
// grid, the free place nearest to the original's: a copy is moved, never
// dropped. The copies become the selection.
func (s *Server) handlePaste(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	ids, err := idList(c.FormValue("controls"))
	if err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	source := r.scene()
	fv, _ := strconv.ParseInt(c.FormValue("from_version"), 10, 64)
	if fs := c.FormValue("from_scene"); fv != 0 && fv != r.version.ID || fs != "" && fs != r.sceneID {
		if fv == 0 {
			fv = r.version.ID
		}
		d, err := s.storeEditor(c.Request().Context(), r.user, fv, fs)
		if err == nil && d.version.Scene(fs) == nil {
			err = studio.Errorf(studio.ENOTFOUND, "scene %q is gone", fs)
		}
		if err != nil {
			return s.renderEditError(c, r, studio.Errorf(studio.EINVALID, "the copied controls are gone: %v", studio.ErrorMessage(err)), editorState{})
		}
		source = d.version.Scene(fs)
	}
	edited := r.scene().Clone()
	var pasted []string
	for _, id := range ids {
		orig := source.Control(id)
		if orig == nil {
			continue // deleted since it was copied: nothing to paste
		}
		cp := studio.PlaceCopy(&edited, *orig)
		pasted = append(pasted, cp.ControlID)
	}
	if len(pasted) == 0 {
		return s.renderEditError(c, r, studio.Errorf(studio.EINVALID, "the copied controls no longer exist"), editorState{})
	}
	label := "Paste"
	if source == r.scene() {
		label = "Duplicate"
	}
	return s.saveEdit(c, r, label, "edit", studio.Changes(r.scene(), &edited), editorState{selected: pasted, selectIDs: pasted})
}

// idRevision names a control and the revision the page saw.
type idRevision struct {
	ControlID string `json:"controlID"`
	Revision  int64  `json:"revision"`
}

// handleDeleteControls deletes the selected controls.
func (s *Server) handleDeleteControls(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	var items []idRevision
	if err := json.Unmarshal([]byte(c.FormValue("controls")), &items); err != nil || len(items) == 0 || len(items) > maxBatch {
		return s.renderEditError(c, r, studio.Errorf(studio.EINVALID, "controls must be a JSON array of 1 to %d {controlID, revision}", maxBatch), editorState{})
	}
	var changes studio.ControlChanges
	for _, it := range items {
		changes = append(changes, studio.ControlChange{ControlID: it.ControlID, Expect: it.Revision})
	}
	return s.saveEdit(c, r, fmt.Sprintf("Delete %d control%s", len(items), plural(len(items))), "edit", changes, editorState{selected: []string{}, selectIDs: []string{}})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// handleFill places the controls missing from medium or small after their
// large layout.
func (s *Server) handleFill(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	edited := r.scene().Clone()
	studio.FillFromLarge(&edited)
	changes := studio.Changes(r.scene(), &edited)
	if len(changes) == 0 {
		return s.renderEditor(c, http.StatusOK, r, editorState{flash: templates.Flash{Kind: "ok", Text: "Every control placed on large is already on medium and small."}})
	}
	return s.saveEdit(c, r, "Fill from large", "edit", changes, editorState{})
}

// handlePlace puts one control on the current grid at the free place
// nearest to the top left, with its kind's default size.
func (s *Server) handlePlace(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	id := c.FormValue("control")
	edited := r.scene().Clone()
	ctl := edited.Control(id)
	if ctl == nil {
		return s.renderEditError(c, r, studio.Errorf(studio.ECONFLICT, "control %q no longer exists", id), editorState{})
	}
	g, _ := studio.GridByName(r.grid)
	l := studio.Limits(ctl.Kind, g)
	want := studio.Position{Size: g.Name, Width: l.DefaultWidth, Height: l.DefaultHeight}
	if lp, ok := ctl.PositionOn(studio.Large); ok && g.Name != studio.Large {
		want.Width, want.Height = min(lp.Width, g.Width), min(lp.Height, g.Height)
	}
	p, ok := studio.FreePlaceNear(edited.Controls, ctl.Kind, want, id)
	if !ok {
		return s.renderEditError(c, r, studio.Errorf(studio.EINVALID, "the %s grid has no free place for %q", g.Name, id), editorState{})
	}
	ctl.SetPosition(p)
	return s.saveEdit(c, r, "Place "+id, "edit", studio.Changes(r.scene(), &edited), editorState{selected: []string{id}, selectIDs: []string{id}})
}

// handleUnplace removes a control from the current grid only: viewers on
// that grid will not see it (and the scene flags it).
func (s *Server) handleUnplace(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	id := c.FormValue("control")
	rev, _ := strconv.ParseInt(c.FormValue("revision"), 10, 64)
	edited := r.scene().Clone()
	ctl := edited.Control(id)
	if ctl == nil {
		return s.renderEditError(c, r, studio.Errorf(studio.ECONFLICT, "control %q no longer exists", id), editorState{})
	}
	ctl.RemovePosition(r.grid)
	return s.saveEdit(c, r, "Remove "+id+" from "+r.grid, "edit",
		studio.ControlChanges{{ControlID: id, Expect: rev, After: ctl}}, editorState{selected: []string{}, selectIDs: []string{}})
}

// handleRestore applies an undo or redo entry: a real save, refused with
// the stale message when a control changed since the entry was made.
func (s *Server) handleRestore(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	history := c.FormValue("history")
	if history != "undo" && history != "redo" {
		history = "undo"
	}
	entry, changes, err := parseHistory(c.FormValue("payload"))
	if err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	verb := "Undo "
	if history == "redo" {
		verb = "Redo "
	}
	if entry.Structure != nil {
		return s.structureEdit(c, r, history, entry.Label, *entry.Structure,
			editorState{flash: templates.Flash{Kind: "ok", Text: verb + entry.Label}})
	}
	if entry.Scene != r.sceneID {
		if r.version.Scene(entry.Scene) == nil {
			return s.renderEditError(c, r, studio.Errorf(studio.ECONFLICT, "scene %q no longer exists", entry.Scene), editorState{})
		}
		r.sceneID = entry.Scene // the answer shows the scene the undo changed
		if err := s.reload(c, r); err != nil {
			return studioHTTPError(err)
		}
	}
	return s.saveEdit(c, r, entry.Label, history, changes,
		editorState{flash: templates.Flash{Kind: "ok", Text: verb + entry.Label}})
}
