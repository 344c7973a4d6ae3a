package mediator

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
)

// Built-in control kinds; other well-formed kinds are custom controls,
// whose input passes through unchecked beyond the common rules.
const (
	kindButton   = "button"
	kindJoystick = "joystick"
	kindLabel    = "label"
	kindTextbox  = "textbox"
	kindScreen   = "screen"
)

// validKind accepts the built-ins and custom kinds: 1-64 characters of
// letters, digits, '-', '_' and '.'; anything else is 4014.
func validKind(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// checkControlProps validates the built-in properties whose types the
// mediator relies on (input validation, charging).
func checkControlProps(o *state.Object, path string) *Error {
	set := func(k string) bool {
		raw, ok := o.Get(k)
		return ok && string(raw) != "null"
	}
	if set("cost") {
		n, ok := o.Int64("cost")
		if !ok || n < 0 || n > math.MaxInt32 {
			return perr(wire.CodeBadArguments, path+".cost", "cost must be a non-negative integer.")
		}
	}
	for _, k := range []string{"cooldown", "sampleRate"} {
		if set(k) {
			if _, ok := o.Float64(k); !ok {
				return perr(wire.CodeBadArguments, path+"."+k, "%s must be a number.", k)
			}
		}
	}
	if set("disabled") {
		if _, ok := o.Bool("disabled"); !ok {
			return perr(wire.CodeBadArguments, path+".disabled", "disabled must be a boolean.")
		}
	}
	if set("position") {
		if raw, _ := o.Get("position"); raw[0] != '[' {
			return perr(wire.CodeBadArguments, path+".position", "position must be an array.")
		}
	}
	return nil
}

// checkScreenProps validates a screen's properties that input checks read
// (the node SDK's IScreenData).
func checkScreenProps(o *state.Object, path string) *Error {
	set := func(k string) bool {
		raw, ok := o.Get(k)
		return ok && string(raw) != "null"
	}
	if set("sendMoveEvents") {
		if v, _ := o.String("sendMoveEvents"); v != "always" && v != "mousedown" && v != "never" {
			return perr(wire.CodeBadArguments, path+".sendMoveEvents", "sendMoveEvents must be always, mousedown or never.")
		}
	}
	if set("moveThrottle") {
		if f, ok := o.Float64("moveThrottle"); !ok || f < 0 {
			return perr(wire.CodeBadArguments, path+".moveThrottle", "moveThrottle must be a non-negative number.")
		}
	}
	for _, k := range []string{"sendMouseDownEvent", "sendMouseUpEvent"} {
		if set(k) {
			if _, ok := o.Bool(k); !ok {
				return perr(wire.CodeBadArguments, path+"."+k, "%s must be a boolean.", k)
			}
		}
	}
	return nil
}

func parseControl(raw json.RawMessage, t state.Tag, path string) (*control, *Error) {
	o, err := state.NewObject(raw, t)
	if err != nil {
		return nil, perr(wire.CodeBadArguments, path, "A control must be an object.")
	}
	id, ok := o.String("controlID")
	if !ok || id == "" {
		return nil, perr(wire.CodeBadArguments, path+".controlID", "controlID must be a non-empty string.")
	}
	kind, ok := o.String("kind")
	if !ok || !validKind(kind) {
		return nil, perr(wire.CodeUnknownControlType, path+".kind", "Unknown control type.")
	}
	if e := checkControlProps(o, path); e != nil {
		return nil, e
	}
	if kind == kindScreen {
		if e := checkScreenProps(o, path); e != nil {
			return nil, e
		}
	}
	c := &control{id: id, kind: kind}
	c.setProps(o)
	return c, nil
}

func parseScene(raw json.RawMessage, t state.Tag, path string) (*scene, *Error) {
	o, err := state.NewObject(raw, t)
	if err != nil {
		return nil, perr(wire.CodeBadArguments, path, "A scene must be an object.")
	}
	id, ok := o.String("sceneID")
	if !ok || id == "" {
		return nil, perr(wire.CodeBadArguments, path+".sceneID", "sceneID must be a non-empty string.")
	}
	sc := &scene{id: id, ctrlIdx: map[string]*control{}}
	if cs, ok := o.Get("controls"); ok && string(cs) != "null" {
		var list []json.RawMessage
		if err := json.Unmarshal(cs, &list); err != nil {
			return nil, perr(wire.CodeBadArguments, path+".controls", "controls must be an array.")
		}
		for i, craw := range list {
			c, e := parseControl(craw, t, fmt.Sprintf("%s.controls.%d", path, i))
			if e != nil {
				return nil, e
			}
			if sc.ctrlIdx[c.id] != nil {
				return nil, perr(wire.CodeControlExists, fmt.Sprintf("%s.controls.%d.controlID", path, i), "The specified control already exists.")
			}
			sc.controls = append(sc.controls, c)
			sc.ctrlIdx[c.id] = c
		}
	}
	sc.setProps(o.Delete("controls", t).Delete("groups", t)) // reserved: see isReservedSceneKey
	return sc, nil
}

func parseGroup(raw json.RawMessage, t state.Tag, path string) (*group, *Error) {
	o, err := state.NewObject(raw, t)
	if err != nil {
		return nil, perr(wire.CodeBadArguments, path, "A group must be an object.")
	}
	id, ok := o.String("groupID")
	if !ok || id == "" {
		return nil, perr(wire.CodeBadArguments, path+".groupID", "groupID must be a non-empty string.")
	}
	if sid, ok := o.Get("sceneID"); !ok || string(sid) == "null" {
		o, _ = o.Set("sceneID", mustJSON(defaultID), t)
	} else if _, ok := o.String("sceneID"); !ok {
		return nil, perr(wire.CodeBadArguments, path+".sceneID", "sceneID must be a string.")
	}
	g := &group{id: id}
	g.setProps(o)
	return g, nil
}

// scenesParams is {"scenes": [...]}, an empty list rather than null (the
// SDKs iterate over what they read).
func scenesParams(scs []*scene) []byte {
	if scs == nil {
		scs = []*scene{}
	}
	return mustJSON(map[string]any{"scenes": scs})
}

// controlsParams is {"sceneID": ..., "controls": [...]}, sceneID first.
func controlsParams(sceneID string, cs []*control) []byte {
	if cs == nil {
		cs = []*control{}
	}
	b := append([]byte(`{"sceneID":`), mustJSON(sceneID)...)
	b = append(b, `,"controls":`...)
	b = append(b, mustJSON(cs)...)
	return append(b, '}')
}

// createScenes creates every scene or none.
func (s *session) createScenes(r *request) ([]byte, *Error) {
	var p struct {
		Scenes []json.RawMessage `json:"scenes"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	t := changeTag(0, r.seq)
	var created []*scene
	seen := map[string]bool{}
	for i, raw := range p.Scenes {
		path := fmt.Sprintf("scenes.%d", i)
		sc, e := parseScene(raw, t, path)
		if e != nil {
			return nil, e
		}
		if s.sceneIdx[sc.id] != nil || seen[sc.id] {
			return nil, perr(wire.CodeSceneExists, path+".sceneID", "The specified scene already exists.")
		}
		seen[sc.id] = true
		created = append(created, sc)
	}
	for _, sc := range created {
		s.addScene(sc)
	}
	params := scenesParams(created)
	if len(created) > 0 {
		s.toGame("onSceneCreate", params)
	}
	return params, nil
}

// getScenes lists every scene with its controls and groups.
func (s *session) getScenes(*request) ([]byte, *Error) {
	b := []byte(`{"scenes":[`)
	for i, sc := range s.scenes {
		if i > 0 {
			b = append(b, ',')
		}
		b = sc.appendJSONWith(b, s.groupsOn(sc.id))
	}
	return append(b, "]}"...), nil
}

// updateScenes patches scenes' own properties, all or nothing. Controls
// change through createControls/updateControls, groups through
// updateGroups; a "controls" or "groups" member here is ignored.
func (s *session) updateScenes(r *request) ([]byte, *Error) {
	var p struct {
		Priority int64             `json:"priority"`
		Scenes   []json.RawMessage `json:"scenes"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	t := changeTag(p.Priority, r.seq)
	rules := state.Rules{Fixed: []string{"sceneID"}, Ignored: func(k string) bool { return k == "controls" || k == "groups" }}
	var pending patches[*scene]
	for i, raw := range p.Scenes {
		path := fmt.Sprintf("scenes.%d", i)
		patch, ok := parseObject(raw)
		if !ok {
			return nil, perr(wire.CodeBadArguments, path, "A scene must be an object.")
		}
		id, ok := patch.String("sceneID")
		if !ok {
			return nil, perr(wire.CodeBadArguments, path+".sceneID", "sceneID must be a string.")
		}
		sc := s.sceneIdx[id]
		if sc == nil {
			return nil, perr(wire.CodeUnknownScene, path+".sceneID", "Unknown scene ID specified.")
		}
		next, changed, err := pending.base(sc, sc.props).PatchWith(raw, t, rules)
		if err != nil {
			return nil, perr(wire.CodeBadArguments, path, "Error parsing method arguments: %v", err)
		}
		pending = append(pending, patched[*scene]{sc, next, changed})
	}
	updated, changed := pending.apply((*scene).setProps)
	for _, sc := range changed {
		one := scenesParams([]*scene{sc})
		s.everywhere(s.onScene(sc.id), "onSceneUpdate", one)
	}
	return scenesParams(updated), nil
}

// deleteScene moves the scene's groups to reassignSceneID (default
// "default") and removes it. The default scene cannot go (4018).
func (s *session) deleteScene(r *request) ([]byte, *Error) {
	var p struct {
		SceneID         string `json:"sceneID"`
		ReassignSceneID string `json:"reassignSceneID"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	if p.SceneID == defaultID {
		return nil, perr(wire.CodeDeleteDefault, "sceneID", "You cannot delete a default resource.")
	}
	if p.ReassignSceneID == "" {
		p.ReassignSceneID = defaultID
	}
	to := s.sceneIdx[p.ReassignSceneID]
	if to == nil || p.ReassignSceneID == p.SceneID {
		return nil, perr(wire.CodeUnknownScene, "reassignSceneID", "Unknown scene ID specified.")
	}
	sc := s.sceneIdx[p.SceneID]
	if sc == nil {
		// The spec lets a server pass; Mixer's answered 4010 and SDKs' tests
		// assert it.
		return nil, perr(wire.CodeUnknownScene, "sceneID", "Unknown scene ID specified.")
	}
	delete(s.sceneIdx, sc.id)
	for i, x := range s.scenes {
		if x == sc {
			s.scenes = append(s.scenes[:i:i], s.scenes[i+1:]...)
			break
		}
	}
	s.toGame("onSceneDelete", orderedStrings("sceneID", p.SceneID, "reassignSceneID", p.ReassignSceneID))
	for _, g := range s.groups {
		if g.sceneID() == p.SceneID {
			next, _ := g.props.Set("sceneID", mustJSON(p.ReassignSceneID), authority) // must stick
			g.setProps(next)
			members := s.inGroup(g.id)
			s.showViews(members)
			s.everywhere(members, "onGroupUpdate", mustJSON(map[string]any{"groups": []*group{g}}))
		}
	}
	return nil, nil
}

// createControls adds controls to a scene, all or nothing; the reply is
// {sceneID, controls} (the SDKs read the created controls from it).
func (s *session) createControls(r *request) ([]byte, *Error) {
	var p struct {
		SceneID  string            `json:"sceneID"`
		Controls []json.RawMessage `json:"controls"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	sc := s.sceneIdx[p.SceneID]
	if sc == nil {
		return nil, perr(wire.CodeUnknownScene, "sceneID", "Unknown scene ID specified.")
	}
	t := changeTag(0, r.seq)
	var created []*control
	seen := map[string]bool{}
	for i, raw := range p.Controls {
		path := fmt.Sprintf("controls.%d", i)
		c, e := parseControl(raw, t, path)
		if e != nil {
			return nil, e
		}
		if sc.ctrlIdx[c.id] != nil || seen[c.id] {
			return nil, perr(wire.CodeControlExists, path+".controlID", "The specified control already exists.")
		}
		seen[c.id] = true
		created = append(created, c)
	}
	for _, c := range created {
		sc.controls = append(sc.controls, c)
		sc.ctrlIdx[c.id] = c
	}
	params := controlsParams(sc.id, created)
	if len(created) > 0 {
		s.everywhere(s.onScene(sc.id), "onControlCreate", params)
	}
	return params, nil
}

// updateControls patches controls of one scene, all or nothing.
func (s *session) updateControls(r *request) ([]byte, *Error) {
	var p struct {
		Priority int64             `json:"priority"`
		SceneID  string            `json:"sceneID"`
		Controls []json.RawMessage `json:"controls"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	sc := s.sceneIdx[p.SceneID]
	if sc == nil {
		return nil, perr(wire.CodeUnknownScene, "sceneID", "Unknown scene ID specified.")
	}
	t := changeTag(p.Priority, r.seq)
	rules := state.Rules{Fixed: []string{"controlID", "kind"}}
	var pending patches[*control]
	for i, raw := range p.Controls {
		path := fmt.Sprintf("controls.%d", i)
		patch, ok := parseObject(raw)
		if !ok {
			return nil, perr(wire.CodeBadArguments, path, "A control must be an object.")
		}
		id, ok := patch.String("controlID")
		if !ok {
			return nil, perr(wire.CodeBadArguments, path+".controlID", "controlID must be a string.")
		}
		c := sc.ctrlIdx[id]
		if c == nil {
			return nil, perr(wire.CodeUnknownControl, path+".controlID", "Unknown control ID specified.")
		}
		if e := checkControlProps(patch, path); e != nil {
			return nil, e
		}
		if c.kind == kindScreen {
			if e := checkScreenProps(patch, path); e != nil {
				return nil, e
			}
		}
		next, changed, err := pending.base(c, c.props).PatchWith(raw, t, rules)
		if isFixedError(err) {
			return nil, perr(wire.CodeBadArguments, path+".kind", "A control's controlID and kind are not settable.")
		}
		if err != nil {
			return nil, perr(wire.CodeBadArguments, path, "Error parsing method arguments: %v", err)
		}
		pending = append(pending, patched[*control]{c, next, changed})
	}
	// The reply lists every control named; the event only those changed.
	updated, changed := pending.apply((*control).setProps)
	if len(changed) > 0 {
		s.everywhere(s.onScene(sc.id), "onControlUpdate", controlsParams(sc.id, changed))
	}
	if updated == nil {
		updated = []*control{}
	}
	return mustJSON(map[string]any{"controls": updated}), nil
}

// deleteControls removes controls of one scene, all or nothing.
func (s *session) deleteControls(r *request) ([]byte, *Error) {
	var p struct {
		SceneID    string   `json:"sceneID"`
		ControlIDs []string `json:"controlIDs"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	sc := s.sceneIdx[p.SceneID]
	if sc == nil {
		return nil, perr(wire.CodeUnknownScene, "sceneID", "Unknown scene ID specified.")
	}
	for i, id := range p.ControlIDs {
		if sc.ctrlIdx[id] == nil {
			return nil, perr(wire.CodeUnknownControl, fmt.Sprintf("controlIDs.%d", i), "Unknown control ID specified.")
		}
	}
	gone := map[string]bool{}
	var removed []map[string]string
	for _, id := range p.ControlIDs {
		if gone[id] {
			continue
		}
		gone[id] = true
		delete(sc.ctrlIdx, id)
		removed = append(removed, map[string]string{"controlID": id})
	}
	kept := sc.controls[:0:0]
	for _, c := range sc.controls {
		if !gone[c.id] {
			kept = append(kept, c)
		}
	}
	sc.controls = kept
	if len(removed) > 0 {
		b := append([]byte(`{"sceneID":`), mustJSON(sc.id)...)
		b = append(b, `,"controls":`...)
		b = append(b, mustJSON(removed)...)
		b = append(b, '}')
		s.everywhere(s.onScene(sc.id), "onControlDelete", b)
	}
	return nil, nil
}
