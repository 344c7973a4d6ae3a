package studio

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Size limits of one version, so a hostile import cannot exhaust memory or
// make the editor unusable. A 50 x 100 project fits comfortably.
const (
	MaxScenes          = 500
	MaxControls        = 20000 // in all scenes together
	MaxGroups          = 1000
	MaxCustomPerObject = 100
	MaxNameLen         = 200 // project and layout names (characters)
)

// Validate checks every rule of a layout and returns a *ValidationError
// listing all problems, or nil.
func (l *Layout) Validate() error {
	var ps problems
	l.validate(&ps)
	return ps.err()
}

func (l *Layout) validate(ps *problems) {
	if l.Format != "" && !KnownLayoutFormat(l.Format) {
		ps.add(Problem{Field: "format"}, "unknown format %q; this studio reads %q", truncate(l.Format), LayoutFormat)
	}
	if l.Name != "" { // importing makes a project of this name
		if err := ValidateProjectName(l.Name); err != nil {
			ps.add(Problem{Field: "name"}, "%s", ErrorMessage(err))
		}
	}
	if len(l.Scenes) > MaxScenes {
		ps.add(Problem{Field: "scenes"}, "%d scenes; at most %d are allowed", len(l.Scenes), MaxScenes)
		return // checking each would only multiply the work an attacker asks for
	}
	total := 0
	for i := range l.Scenes {
		total += len(l.Scenes[i].Controls)
	}
	if total > MaxControls {
		ps.add(Problem{Field: "controls"}, "%d controls; at most %d are allowed in one version", total, MaxControls)
		return
	}
	if len(l.Groups) > MaxGroups {
		ps.add(Problem{Field: "groups"}, "%d groups; at most %d are allowed", len(l.Groups), MaxGroups)
		return
	}
	scenes := map[string]bool{}
	for i := range l.Scenes {
		s := &l.Scenes[i]
		if s.SceneID != "" && scenes[s.SceneID] {
			ps.add(Problem{SceneID: s.SceneID, Field: "sceneID"}, "another scene has the same id")
		}
		scenes[s.SceneID] = true
		s.validate(ps)
	}
	if !scenes[DefaultSceneID] {
		ps.add(Problem{SceneID: DefaultSceneID, Field: "sceneID"}, "the %q scene is missing; every version has one", DefaultSceneID)
	}
	groups := map[string]bool{}
	for _, g := range l.Groups {
		if g.GroupID != "" && groups[g.GroupID] {
			ps.add(Problem{GroupID: g.GroupID, Field: "groupID"}, "another group has the same id")
		}
		groups[g.GroupID] = true
		g.validate(ps)
		switch {
		case g.SceneID == "":
			ps.add(Problem{GroupID: g.GroupID, Field: "sceneID"}, "a group needs a scene to show")
		case !scenes[g.SceneID]:
			ps.add(Problem{GroupID: g.GroupID, Field: "sceneID"}, "scene %q does not exist", truncate(g.SceneID))
		}
	}
	if !groups[DefaultGroupID] {
		ps.add(Problem{GroupID: DefaultGroupID, Field: "groupID"}, "the %q group is missing; every version has one", DefaultGroupID)
	}
	l.validateReactions(ps)
}

// Validate checks the scene's id, custom properties and every control,
// including that no two controls overlap on a grid.
func (s *Scene) Validate() error {
	var ps problems
	s.validate(&ps)
	return ps.err()
}

func (s *Scene) validate(ps *problems) {
	at := Problem{SceneID: s.SceneID, Field: "sceneID"}
	checkID(ps, at, "scene", s.SceneID)
	// groups: what getScenes lists under a scene, reserved like controls.
	checkCustom(ps, Problem{SceneID: s.SceneID}, s.Custom, "sceneID", "controls", "groups")
	ids := make(map[string]bool, len(s.Controls))
	for i := range s.Controls {
		c := &s.Controls[i]
		if c.ControlID != "" && ids[c.ControlID] {
			ps.add(Problem{SceneID: s.SceneID, ControlID: c.ControlID, Field: "controlID"}, "another control of this scene has the same id")
		}
		ids[c.ControlID] = true
		c.validate(ps, s.SceneID)
	}
	for _, g := range Grids {
		for _, o := range Overlaps(s.Controls, g.Name) {
			ps.add(Problem{SceneID: s.SceneID, ControlID: o[1], Grid: g.Name, Field: "position"},
				"overlaps control %q on the %s grid", o[0], g.Name)
		}
	}
}

// Overlaps returns the pairs of controls (by id, earlier one first) that
// share a cell on the grid. Positions outside the grid are ignored here;
// Validate reports them on their own.
func Overlaps(controls []Control, grid string) [][2]string {
	g, ok := GridByName(grid)
	if !ok {
		return nil
	}
	// Paint each control into a cell map: O(area), not O(n²).
	cells := make([]int32, g.Width*g.Height)
	var out [][2]string
	seen := map[[2]int32]bool{}
	for i := range controls {
		p, ok := controls[i].PositionOn(grid)
		if !ok || !p.inside(g) {
			continue
		}
		for y := p.Y; y < p.Y+p.Height; y++ {
			for x := p.X; x < p.X+p.Width; x++ {
				cell := &cells[y*g.Width+x]
				if *cell != 0 && *cell-1 != int32(i) {
					pair := [2]int32{*cell - 1, int32(i)}
					if !seen[pair] {
						seen[pair] = true
						out = append(out, [2]string{controls[pair[0]].ControlID, controls[i].ControlID})
					}
				}
				*cell = int32(i) + 1
			}
		}
	}
	return out
}

// Validate checks a control on its own: id, kind, built-in values, custom
// properties and each position's grid, bounds and size. Overlaps need the
// scene (Scene.Validate).
func (c *Control) Validate() error {
	var ps problems
	c.validate(&ps, "")
	return ps.err()
}

func (c *Control) validate(ps *problems, sceneID string) {
	at := Problem{SceneID: sceneID, ControlID: c.ControlID}
	idAt := at
	idAt.Field = "controlID"
	checkID(ps, idAt, "control", c.ControlID)
	if !KnownKind(c.Kind) && !ValidCustomKind(c.Kind) {
		kindAt := at
		kindAt.Field = "kind"
		ps.add(kindAt, "unknown kind %q; use one of %s, or a custom kind of 1-64 letters, digits, '-', '_' and '.' (drawn by a control bundle)",
			truncate(c.Kind), strings.Join(Kinds[:], ", "))
	}
	for _, p := range properties {
		v, set := p.value(&c.Props)
		if !set {
			continue
		}
		pAt := at
		pAt.Field = p.Name
		if !p.Has(c.Kind) {
			ps.add(pAt, "a %s has no property %s", c.Kind, p.Name)
			continue
		}
		if msg := p.check(v); msg != "" {
			ps.add(pAt, "%s", msg)
		}
	}
	reserved := []string{"controlID", "kind", "position"}
	for _, p := range PropertiesOf(c.Kind) {
		reserved = append(reserved, p.Name)
	}
	checkCustom(ps, at, c.Custom, reserved...)
	c.validatePositions(ps, at)
}

func (c *Control) validatePositions(ps *problems, at Problem) {
	seen := map[string]bool{}
	for _, p := range c.Position {
		pAt := at
		pAt.Grid = p.Size
		pAt.Field = "position"
		g, ok := GridByName(p.Size)
		if !ok {
			pAt.Grid = ""
			ps.add(pAt, "unknown grid size %q; use large, medium or small", truncate(p.Size))
			continue
		}
		if seen[p.Size] {
			ps.add(pAt, "has two positions on the %s grid", p.Size)
			continue
		}
		seen[p.Size] = true
		if p.X < 0 || p.Y < 0 || p.X+p.Width > g.Width || p.Y+p.Height > g.Height {
			ps.add(pAt, "%dx%d at (%d, %d) does not fit on the %s grid (%dx%d)", p.Width, p.Height, p.X, p.Y, g.Name, g.Width, g.Height)
		}
		if !KnownKind(c.Kind) {
			continue
		}
		l := Limits(c.Kind, g)
		if l.Square && p.Width != p.Height {
			ps.add(fieldAt(pAt, "width"), "a joystick is square: width %d and height %d differ", p.Width, p.Height)
		}
		if p.Width < l.MinWidth || p.Width > l.MaxWidth {
			ps.add(fieldAt(pAt, "width"), "a %s is %d to %d units wide on the %s grid, not %d", c.Kind, l.MinWidth, l.MaxWidth, g.Name, p.Width)
		}
		if p.Height < l.MinHeight || p.Height > l.MaxHeight {
			ps.add(fieldAt(pAt, "height"), "a %s is %d to %d units high on the %s grid, not %d", c.Kind, l.MinHeight, l.MaxHeight, g.Name, p.Height)
		}
	}
}

func fieldAt(p Problem, field string) Problem {
	p.Field = field
	return p
}

func (g *Group) validate(ps *problems) {
	checkID(ps, Problem{GroupID: g.GroupID, Field: "groupID"}, "group", g.GroupID)
	checkCustom(ps, Problem{GroupID: g.GroupID}, g.Custom, "groupID", "sceneID")
}

// checkID applies the id rules shared by scenes, controls and groups:
// non-empty, valid UTF-8, at most MaxIDLen bytes, no control characters.
func checkID(ps *problems, at Problem, what, id string) {
	switch {
	case id == "":
		ps.add(at, "a %s needs an id", what)
	case len(id) > MaxIDLen:
		ps.add(at, "the %s id is %d bytes long; at most %d are allowed", what, len(id), MaxIDLen)
	case !utf8.ValidString(id):
		ps.add(at, "the %s id must be valid UTF-8", what)
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		ps.add(at, "the %s id must not contain control characters", what)
	}
}

func checkCustom[V any](ps *problems, at Problem, custom map[string]V, reserved ...string) {
	if len(custom) > MaxCustomPerObject {
		ps.add(at, "%d custom properties; at most %d are allowed", len(custom), MaxCustomPerObject)
		return
	}
	for _, k := range sortedKeys(custom) {
		kAt := at
		kAt.Field = k
		switch {
		case k == "" || !utf8.ValidString(k) || len(k) > MaxIDLen:
			kAt.Field = ""
			ps.add(kAt, "a custom property needs a name of 1 to %d bytes of valid UTF-8", MaxIDLen)
		case contains(reserved, k):
			ps.add(kAt, "%s is a built-in name, not a custom property", k)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Validate checks a group on its own: id and custom properties (whether its
// scene exists needs the layout).
func (g *Group) Validate() error {
	var ps problems
	g.validate(&ps)
	return ps.err()
}

// ValidateProjectName checks a project's name: 1 to MaxNameLen characters
// of text, not only spaces.
func ValidateProjectName(name string) error {
	if strings.TrimSpace(name) == "" {
		return &Error{Code: EINVALID, Field: "name", Message: "a project needs a name"}
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLen || !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return &Error{Code: EINVALID, Field: "name", Message: fmt.Sprintf("a project name is text of at most %d characters", MaxNameLen)}
	}
	return nil
}
