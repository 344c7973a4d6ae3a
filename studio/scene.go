package studio

import "encoding/json"

// The scene and group every version has; neither can be deleted.
const (
	DefaultSceneID = "default"
	DefaultGroupID = "default"
)

// Scene is a set of controls shown together (protocol Scene object).
type Scene struct {
	SceneID  string
	Controls []Control
	Custom   map[string]json.RawMessage // custom properties, compact JSON
	Revision int64                      // see Control.Revision
}

// Control returns a pointer to the scene's control with that id, or nil.
func (s *Scene) Control(id string) *Control {
	for i := range s.Controls {
		if s.Controls[i].ControlID == id {
			return &s.Controls[i]
		}
	}
	return nil
}

// Clone returns a deep copy.
func (s Scene) Clone() Scene {
	out := s
	out.Controls = make([]Control, len(s.Controls))
	for i, c := range s.Controls {
		out.Controls[i] = c.Clone()
	}
	out.Custom = cloneCustom(s.Custom)
	return out
}

// Group is a participant group and the scene its members see.
type Group struct {
	GroupID  string
	SceneID  string
	Custom   map[string]json.RawMessage
	Revision int64
}

// LayoutFormat names the export format; import accepts it and older shapes.
// LayoutFormatReactions is the same file with a "reactions" array: an
// export says it only when the version has reactions, so a layout without
// them still opens in a studio that knows only the first format.
const (
	LayoutFormat          = "mixstudio/1"
	LayoutFormatReactions = "mixstudio/2"
)

// KnownLayoutFormat reports whether this studio reads the format.
func KnownLayoutFormat(f string) bool { return f == LayoutFormat || f == LayoutFormatReactions }

// Layout is a version's content as exported and imported:
// {"format": "mixstudio/1", "name": ..., "scenes": [...], "groups": [...]}.
type Layout struct {
	Format    string
	Name      string
	Scenes    []Scene
	Groups    []Group
	Reactions []Reaction
}

// Scene returns a pointer to the layout's scene with that id, or nil.
func (l *Layout) Scene(id string) *Scene {
	for i := range l.Scenes {
		if l.Scenes[i].SceneID == id {
			return &l.Scenes[i]
		}
	}
	return nil
}

// NewLayout returns an empty layout: the default scene and group.
func NewLayout(name string) Layout {
	return Layout{
		Format: LayoutFormat,
		Name:   name,
		Scenes: []Scene{{SceneID: DefaultSceneID}},
		Groups: []Group{{GroupID: DefaultGroupID, SceneID: DefaultSceneID}},
	}
}
