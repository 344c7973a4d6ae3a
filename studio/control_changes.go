package studio

import (
	"encoding/json"
	"fmt"
)

// ControlChange is one control's part of an edit: the control must be at
// revision Expect now (0: it must not exist yet) and becomes After (nil:
// it is deleted).
type ControlChange struct {
	ControlID string
	Expect    int64
	After     *Control
}

// ControlChanges is one edit of a scene's controls, saved as a whole: what
// a drag, a paste, a fill or an undo needs (creations, updates and
// deletions mixed). Each control appears at most once.
type ControlChanges []ControlChange

// Apply makes the changes on scene and checks them; it is the one place
// where an edit of controls is judged (the store calls it on the scene it
// is about to write, inside its transaction). A control at another
// revision than the edit expected — created, changed or deleted elsewhere
// since the editor loaded it — refuses the whole edit (ECONFLICT); a
// control named twice or changing its kind is EINVALID; then the whole
// scene must pass Validate, so that two tabs cannot together store an
// overlap neither made alone. On error scene is partly changed: apply to
// a copy.
func (cs ControlChanges) Apply(scene *Scene) error {
	seen := make(map[string]bool, len(cs))
	for _, ch := range cs {
		if seen[ch.ControlID] {
			return &Error{Code: EINVALID, Field: "controlID", Message: fmt.Sprintf("control %q is changed twice in one save", ch.ControlID)}
		}
		seen[ch.ControlID] = true
		cur := scene.Control(ch.ControlID)
		switch {
		case ch.Expect == 0 && cur != nil:
			return Errorf(ECONFLICT, "control %q of scene %q was created elsewhere (another tab?); your change was not saved — reload to see it", ch.ControlID, scene.SceneID)
		case ch.Expect != 0 && (cur == nil || cur.Revision != ch.Expect), ch.After == nil && cur == nil:
			return StaleControl(scene.SceneID, ch.ControlID)
		case ch.After != nil && cur != nil && cur.Kind != ch.After.Kind:
			return &Error{Code: EINVALID, Field: "kind", Message: fmt.Sprintf("control %q cannot change its kind (%s to %s); create a new control instead", ch.ControlID, cur.Kind, ch.After.Kind)}
		}
		switch {
		case ch.After == nil:
			scene.RemoveControl(ch.ControlID)
		case cur == nil:
			scene.Controls = append(scene.Controls, ch.After.Clone())
		default:
			*cur = ch.After.Clone()
		}
	}
	return scene.Validate()
}

// StaleControl is the refusal an edit built on an old revision gets.
func StaleControl(sceneID, controlID string) error {
	return Errorf(ECONFLICT,
		"control %q of scene %q was changed elsewhere (another tab?) since you loaded it; your change was not saved — reload to see theirs, then edit again",
		controlID, sceneID)
}

// Changes lists the controls that differ between two states of a scene
// (added, removed or edited), expecting the revisions of before.
func Changes(before, after *Scene) ControlChanges {
	var out ControlChanges
	for i := range after.Controls {
		a := &after.Controls[i]
		b := before.Control(a.ControlID)
		if b == nil {
			out = append(out, ControlChange{ControlID: a.ControlID, After: a})
			continue
		}
		if !sameControl(a, b) {
			out = append(out, ControlChange{ControlID: a.ControlID, Expect: b.Revision, After: a})
		}
	}
	for i := range before.Controls {
		b := &before.Controls[i]
		if after.Control(b.ControlID) == nil {
			out = append(out, ControlChange{ControlID: b.ControlID, Expect: b.Revision})
		}
	}
	return out
}

func sameControl(a, b *Control) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// RemoveControl takes control id out of the scene (nothing if it has none).
func (s *Scene) RemoveControl(id string) {
	out := s.Controls[:0]
	for _, c := range s.Controls {
		if c.ControlID != id {
			out = append(out, c)
		}
	}
	s.Controls = out
}
