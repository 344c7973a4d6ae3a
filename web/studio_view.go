package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// editorState is what one editor answer shows, beyond the version itself.
type editorState struct {
	sceneID  string
	grid     string
	selected []string // control IDs whose properties the panel shows (one) or none
	flash    templates.Flash
	// props, when set, replaces the selected control's form (a refused
	// save keeps what was typed and shows its errors).
	props *templates.PropsView
	// propsSaved: props was (partly) saved, so the form takes the saved
	// control's new revision and warning.
	propsSaved bool
	sceneError string
	groupError string
	selectIDs  []string // the selection the page should take
	// customKind and customKindError: the custom-kind field's value and
	// why it was refused.
	customKind, customKindError string
	// arrange, when set, shows an arrangement of the grid that is not
	// saved yet (the scene holds it), with Apply and Cancel.
	arrange *templates.ArrangePreview
	history *templates.HistoryEntry
}

// editorView builds the editor's view model from a version.
func editorView(v *studio.Version, projectVersions []studio.VersionSummary, tabs []templates.SceneTab, st editorState) templates.EditorView {
	scene := v.Scene(st.sceneID)
	if scene == nil {
		scene = v.Scene(studio.DefaultSceneID)
		if scene == nil && len(v.Scenes) > 0 {
			scene = &v.Scenes[0]
		}
	}
	g, ok := studio.GridByName(st.grid)
	if !ok {
		g = studio.Grids[0]
	}
	out := templates.EditorView{
		ProjectID:     v.ProjectID,
		ProjectName:   v.ProjectName,
		VersionID:     v.ID,
		VersionNumber: v.Number,
		ReadOnly:      !v.Editable(),
		Grid:          templates.GridView{Name: g.Name, Width: g.Width, Height: g.Height, UnitPx: studio.UnitPx, MinViewportPx: g.MinViewportPx},
		Flash:         st.flash,
		SceneError:    st.sceneError,
		GroupError:    st.groupError,
		History:       st.history,
		Arrange:       st.arrange,
		Custom:        templates.CustomKindField{Value: st.customKind, Error: st.customKindError},
	}
	if v.Bundle != nil {
		out.Custom.Bundle = v.Bundle.Label()
	}
	for _, pv := range projectVersions {
		out.Versions = append(out.Versions, templates.VersionLink{ID: pv.ID, Number: pv.Number, State: pv.State})
	}
	out.Scenes = tabs
	for _, gr := range v.Groups {
		out.Groups = append(out.Groups, templates.GroupRow{ID: gr.GroupID, SceneID: gr.SceneID, Revision: gr.Revision})
	}
	if st.selectIDs != nil {
		b, _ := json.Marshal(st.selectIDs)
		out.SelectJSON = string(b)
	}
	out.Props = templates.PropsView{Base: out.Base(), Grid: g.Name, ReadOnly: out.ReadOnly}
	if scene == nil {
		return out
	}
	out.SceneID = scene.SceneID
	for _, gg := range studio.Grids {
		out.Grids = append(out.Grids, templates.GridTab{Name: gg.Name, Width: gg.Width, Height: gg.Height,
			Missing: len(studio.ControlsMissingFrom(*scene, gg.Name)), Follows: len(scene.Controls) > 0 && studio.FollowsLarge(scene, gg.Name)})
	}
	for i := range scene.Controls {
		c := &scene.Controls[i]
		p, on := c.PositionOn(g.Name)
		if !on {
			out.Offgrid = append(out.Offgrid, templates.OffgridControl{ID: c.ControlID, Kind: c.Kind, Revision: c.Revision})
		} else {
			l := studio.Limits(c.Kind, g)
			out.Controls = append(out.Controls, templates.ControlBox{
				ID: c.ControlID, Kind: c.Kind, JSON: controlJSON(c), Warning: studio.NothingToShow(c),
				X: p.X, Y: p.Y, W: p.Width, H: p.Height, Revision: c.Revision,
				MinW: l.MinWidth, MinH: l.MinHeight, MaxW: l.MaxWidth, MaxH: l.MaxHeight, Square: l.Square,
			})
		}
		if _, onLarge := c.PositionOn(studio.Large); onLarge && len(studio.MissingGrids(*c)) > 0 {
			out.Fillable++
		}
	}
	switch {
	case st.props != nil:
		out.Props = *st.props
		if c := scene.Control(out.Props.ControlID); c != nil && st.propsSaved {
			if out.Props.General == "" {
				// All saved: the form shows the values as saved.
				out.Props = propsView(out.Base(), c, g.Name, out.ReadOnly)
				out.Props.Saved = st.props.Saved
			}
			out.Props.Revision, out.Props.Warning = c.Revision, studio.NothingToShow(c)
		}
	case len(st.selected) == 1:
		if c := scene.Control(st.selected[0]); c != nil {
			out.Props = propsView(out.Base(), c, g.Name, out.ReadOnly)
		}
	}
	if st.arrange != nil {
		out.Props.ReadOnly = true // nothing is edited while an arrangement waits
	}
	return out
}

// positionFields are the position inputs of the properties form.
var positionFields = [...]struct{ name, label string }{{"x", "x"}, {"y", "y"}, {"width", "width"}, {"height", "height"}}

// propsView is the properties form of a control as saved.
func propsView(base string, c *studio.Control, grid string, readOnly bool) templates.PropsView {
	pv := templates.PropsView{Base: base, ControlID: c.ControlID, Kind: c.Kind, Revision: c.Revision, Grid: grid, ReadOnly: readOnly,
		Warning: studio.NothingToShow(c)}
	if p, ok := c.PositionOn(grid); ok {
		pv.OnGrid = true
		vals := [...]int{p.X, p.Y, p.Width, p.Height}
		for i, f := range positionFields {
			pv.Position = append(pv.Position, templates.PropField{Name: f.name, Label: f.label, Type: "integer", Value: strconv.Itoa(vals[i])})
		}
	}
	for _, prop := range studio.PropertiesOf(c.Kind) {
		val, _ := c.Get(prop.Name)
		pv.Fields = append(pv.Fields, templates.PropField{Name: prop.Name, Label: prop.Name, Type: string(prop.Type), Help: prop.Help, Value: val,
			Options: propOptions(prop.Name)})
	}
	pv.Custom = templates.PropField{Name: "custom", Label: "custom", Type: "json"}
	if len(c.Custom) > 0 {
		if b, err := studio.CustomJSON(c.Custom); err == nil {
			pv.Custom.Value = string(b)
		}
	}
	return pv
}

// controlJSON is a control as the protocol sends it: what the page's
// modules draw, in the editor as on the play page.
func controlJSON(c *studio.Control) string {
	b, err := json.Marshal(c)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// previewView lays a scene out on each grid at real size.
func previewView(v *studio.Version, scene *studio.Scene) templates.PreviewView {
	out := templates.PreviewView{SceneID: scene.SceneID, EditorURL: templates.EditorURL(v.ID) + "?scene=" + url.QueryEscape(scene.SceneID)}
	if v.Bundle != nil {
		out.Bundle = previewBundle(v, scene)
	}
	for _, g := range studio.Grids {
		pg := templates.PreviewGrid{Name: g.Name, Width: g.Width, Height: g.Height, MinViewportPx: g.MinViewportPx, UnitPx: studio.UnitPx}
		for i := range scene.Controls {
			c := &scene.Controls[i]
			p, ok := c.PositionOn(g.Name)
			if !ok {
				pg.Hidden = append(pg.Hidden, c.ControlID)
				continue
			}
			pg.Controls = append(pg.Controls, templates.PreviewControl{ID: c.ControlID, JSON: controlJSON(c), X: p.X, Y: p.Y, W: p.Width, H: p.Height})
		}
		out.Grids = append(out.Grids, pg)
	}
	return out
}

// propOptions names the values of the fields that take a number standing
// for something (a gamepad button): the form offers the names.
func propOptions(name string) []templates.PropOption {
	var names []string
	switch name {
	case "gamepadButton":
		names = studio.GamepadButtonNames[:]
	case "gamepadJoystick":
		names = studio.GamepadJoystickNames[:]
	default:
		return nil
	}
	out := make([]templates.PropOption, len(names))
	for i, n := range names {
		out[i] = templates.PropOption{Value: strconv.Itoa(i), Label: fmt.Sprintf("%s (%d)", n, i)}
	}
	return out
}
