package studio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// decoder reads protocol-shaped JSON into the domain types. It never stops
// at the first problem: type errors are collected as Problems (so an import
// reports them all) and anything it cannot carry over becomes a warning.
type decoder struct {
	problems problems
	warnings []string
	// counted is how many scenes, controls and groups were decoded so far;
	// past a version's cap the decoder stops (tooMany says which), so that
	// a hostile file costs no more than the largest layout accepted.
	counted struct{ scenes, controls, groups int }
	tooMany *Problem
}

// room counts one more scene, control or group and reports whether it
// fits under the version's cap; the first that does not stops decoding.
func (d *decoder) room(what string) bool {
	if d.tooMany != nil {
		return false
	}
	n, max := &d.counted.controls, MaxControls
	switch what {
	case "scenes":
		n, max = &d.counted.scenes, MaxScenes
	case "groups":
		n, max = &d.counted.groups, MaxGroups
	}
	if *n >= max {
		d.problems.add(Problem{Field: what}, "more than %d %s; at most %d are allowed in one version", max, what, max)
		d.tooMany = &d.problems[len(d.problems)-1]
		return false
	}
	*n++
	return true
}

func (d *decoder) warnf(format string, args ...any) {
	d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
}

// object parses raw as a JSON object; a problem at `at` when it is not one.
func (d *decoder) object(raw json.RawMessage, at Problem, what string) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		d.problems.add(at, "%s must be a JSON object", what)
		return nil, false
	}
	return obj, true
}

// array parses raw as a JSON array; null counts as empty.
func (d *decoder) array(raw json.RawMessage, at Problem, what string) ([]json.RawMessage, bool) {
	if isNull(raw) {
		return nil, true
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		d.problems.add(at, "%s must be a JSON array", what)
		return nil, false
	}
	return arr, true
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// str reads a JSON string.
func (d *decoder) str(raw json.RawMessage, at Problem) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		d.problems.add(at, "must be a string")
		return "", false
	}
	return s, true
}

// number reads a JSON number (not a numeric string).
func number(raw json.RawMessage) (float64, string, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || !(t[0] == '-' || t[0] >= '0' && t[0] <= '9') {
		return 0, "", false
	}
	f, err := strconv.ParseFloat(string(t), 64)
	if err != nil && !isRangeErr(err) {
		return 0, "", false
	}
	return f, string(t), true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// integer reads a whole JSON number (5 or 5.0) within ±2^53.
func (d *decoder) integer(raw json.RawMessage, at Problem) (int64, bool) {
	f, text, ok := number(raw)
	if !ok {
		d.problems.add(at, "must be a whole number")
		return 0, false
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil && n >= -(1<<53) && n <= 1<<53 {
		return n, true
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		d.problems.add(at, "must be a whole number, not %s", truncate(text))
		return 0, false
	}
	return int64(f), true
}

func (d *decoder) float(raw json.RawMessage, at Problem) (float64, bool) {
	f, text, ok := number(raw)
	if !ok || math.IsInf(f, 0) {
		d.problems.add(at, "must be a number")
		return 0, false
	}
	_ = text
	return f, true
}

func (d *decoder) boolean(raw json.RawMessage, at Problem) (bool, bool) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.problems.add(at, "must be true or false")
	return false, false
}

// property decodes one built-in property into props; false on a type error.
func (d *decoder) property(p Property, raw json.RawMessage, props *Props, at Problem) bool {
	at.Field = p.Name
	var v any
	var ok bool
	switch p.field(props).(type) {
	case **string:
		v, ok = d.str(raw, at)
	case **int64:
		v, ok = d.integer(raw, at)
	case **float64:
		v, ok = d.float(raw, at)
	case **bool:
		v, ok = d.boolean(raw, at)
	}
	if ok {
		p.assign(props, v)
	}
	return ok
}

// custom adds a custom property, compacted so equal values compare equal.
func (d *decoder) custom(m *map[string]json.RawMessage, key string, raw json.RawMessage, at Problem) {
	if isNull(raw) {
		return // null deletes (JSON Merge Patch); nothing to keep
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		at.Field = key
		d.problems.add(at, "is not valid JSON")
		return
	}
	if *m == nil {
		*m = map[string]json.RawMessage{}
	}
	(*m)[key] = b.Bytes()
}

// meta flattens the 1.4-era `meta: {key: {value: X}}` into custom properties.
func (d *decoder) meta(m *map[string]json.RawMessage, raw json.RawMessage, at Problem, where string) {
	if isNull(raw) {
		return
	}
	obj, ok := d.object(raw, Problem{SceneID: at.SceneID, ControlID: at.ControlID, GroupID: at.GroupID, Field: "meta"}, "meta")
	if !ok {
		return
	}
	for _, k := range sortedKeys(obj) {
		val := obj[k]
		if inner, err := asObject(obj[k]); err == nil {
			if v, has := inner["value"]; has {
				val = v
			}
		}
		if _, clash := (*m)[k]; clash {
			d.warnf("%s: meta.%s not carried over: a custom property %q already exists", where, k, k)
			continue
		}
		d.custom(m, k, val, at)
	}
}

func asObject(raw json.RawMessage) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	err := json.Unmarshal(raw, &obj)
	if err == nil && obj == nil {
		err = fmt.Errorf("null")
	}
	return obj, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// control decodes a protocol control object of scene sceneID.
func (d *decoder) control(raw json.RawMessage, sceneID string, index int) (Control, bool) {
	at := Problem{SceneID: sceneID}
	obj, ok := d.object(raw, Problem{SceneID: sceneID, Field: fmt.Sprintf("controls[%d]", index)}, fmt.Sprintf("control #%d", index+1))
	if !ok {
		return Control{}, false
	}
	var c Control
	if v, has := obj["controlID"]; has {
		c.ControlID, _ = d.str(v, Problem{SceneID: sceneID, Field: "controlID"})
	}
	at.ControlID = c.ControlID
	if v, has := obj["kind"]; has {
		c.Kind, _ = d.str(v, Problem{SceneID: sceneID, ControlID: c.ControlID, Field: "kind"})
	}
	if v, has := obj["position"]; has {
		c.Position = d.positions(v, at)
	}
	d.controlBody(obj, &c, at)
	return c, true
}

// controlBody decodes everything but controlID, kind and position: the
// built-ins of c.Kind and the custom properties.
func (d *decoder) controlBody(obj map[string]json.RawMessage, c *Control, at Problem) {
	for _, k := range sortedKeys(obj) {
		raw := obj[k]
		switch k {
		case "controlID", "kind", "position", "etag":
			continue
		case "meta":
			d.meta(&c.Custom, raw, at, fmt.Sprintf("control %q", c.ControlID))
			continue
		}
		if p, ok := PropertyByName(c.Kind, k); ok {
			if !isNull(raw) {
				d.property(p, raw, &c.Props, at)
			}
			continue
		}
		d.custom(&c.Custom, k, raw, at)
	}
}

func (d *decoder) positions(raw json.RawMessage, at Problem) []Position {
	at.Field = "position"
	arr, ok := d.array(raw, at, "position")
	if !ok {
		return nil
	}
	out := make([]Position, 0, len(arr))
	for i, item := range arr {
		obj, ok := d.object(item, at, fmt.Sprintf("position #%d", i+1))
		if !ok {
			continue
		}
		var p Position
		if v, has := obj["size"]; has {
			p.Size, _ = d.str(v, at)
		}
		at := at
		at.Grid = p.Size
		good := true
		for _, f := range []struct {
			name string
			dst  *int
		}{{"width", &p.Width}, {"height", &p.Height}, {"x", &p.X}, {"y", &p.Y}} {
			v, has := obj[f.name]
			if !has {
				at.Field = f.name
				d.problems.add(at, "is missing")
				good = false
				continue
			}
			at.Field = f.name
			n, ok := d.integer(v, at)
			if ok && (n < -1<<20 || n > 1<<20) {
				d.problems.add(at, "is out of range")
				ok = false
			}
			good = good && ok
			*f.dst = int(n)
		}
		if good {
			out = append(out, p)
		}
	}
	sortPositions(out)
	return out
}

// scene decodes a protocol scene object.
func (d *decoder) scene(raw json.RawMessage, index int) (Scene, bool) {
	obj, ok := d.object(raw, Problem{Field: fmt.Sprintf("scenes[%d]", index)}, fmt.Sprintf("scene #%d", index+1))
	if !ok {
		return Scene{}, false
	}
	var s Scene
	if v, has := obj["sceneID"]; has {
		s.SceneID, _ = d.str(v, Problem{Field: "sceneID"})
	}
	at := Problem{SceneID: s.SceneID}
	for _, k := range sortedKeys(obj) {
		raw := obj[k]
		switch k {
		case "sceneID", "etag":
		case "controls":
			arr, _ := d.array(raw, Problem{SceneID: s.SceneID, Field: "controls"}, "controls")
			for i, item := range arr {
				if !d.room("controls") {
					break
				}
				if c, ok := d.control(item, s.SceneID, i); ok {
					s.Controls = append(s.Controls, c)
				}
			}
		case "groups":
			// A getScenes reply lists each scene's groups; a layout keeps
			// them in its own "groups", and "groups" is no scene property.
			d.warnf("scene %q: the groups listed under it are not carried over (a layout lists groups apart)", s.SceneID)
		case "meta":
			d.meta(&s.Custom, raw, at, fmt.Sprintf("scene %q", s.SceneID))
		default:
			d.custom(&s.Custom, k, raw, at)
		}
	}
	return s, true
}

// group decodes a protocol group object.
func (d *decoder) group(raw json.RawMessage, index int) (Group, bool) {
	obj, ok := d.object(raw, Problem{Field: fmt.Sprintf("groups[%d]", index)}, fmt.Sprintf("group #%d", index+1))
	if !ok {
		return Group{}, false
	}
	var g Group
	if v, has := obj["groupID"]; has {
		g.GroupID, _ = d.str(v, Problem{Field: "groupID"})
	}
	at := Problem{GroupID: g.GroupID}
	if v, has := obj["sceneID"]; has {
		at := at
		at.Field = "sceneID"
		g.SceneID, _ = d.str(v, at)
	} else {
		g.SceneID = DefaultSceneID
	}
	for _, k := range sortedKeys(obj) {
		switch k {
		case "groupID", "sceneID", "etag":
		case "meta":
			d.meta(&g.Custom, obj[k], at, fmt.Sprintf("group %q", g.GroupID))
		default:
			d.custom(&g.Custom, k, obj[k], at)
		}
	}
	return g, true
}

// scenesAndGroups decodes the "scenes" and "groups" arrays of obj.
func (d *decoder) scenesAndGroups(obj map[string]json.RawMessage, l *Layout) {
	arr, _ := d.array(obj["scenes"], Problem{Field: "scenes"}, "scenes")
	for i, item := range arr {
		if !d.room("scenes") {
			break
		}
		if s, ok := d.scene(item, i); ok {
			l.Scenes = append(l.Scenes, s)
		}
	}
	arr, _ = d.array(obj["groups"], Problem{Field: "groups"}, "groups")
	for i, item := range arr {
		if !d.room("groups") {
			break
		}
		if g, ok := d.group(item, i); ok {
			l.Groups = append(l.Groups, g)
		}
	}
}

// UnmarshalJSON reads a protocol control object. Type errors come back as
// a *ValidationError listing them all; rules are checked by Validate.
func (c *Control) UnmarshalJSON(data []byte) error {
	var d decoder
	ctl, ok := d.control(data, "", 0)
	if err := d.problems.err(); err != nil {
		return err
	}
	if ok {
		*c = ctl
	}
	return nil
}

// UnmarshalJSON reads a protocol scene object.
func (s *Scene) UnmarshalJSON(data []byte) error {
	var d decoder
	sc, ok := d.scene(data, 0)
	if err := d.problems.err(); err != nil {
		return err
	}
	if ok {
		*s = sc
	}
	return nil
}

// UnmarshalJSON reads a protocol group object.
func (g *Group) UnmarshalJSON(data []byte) error {
	var d decoder
	gr, ok := d.group(data, 0)
	if err := d.problems.err(); err != nil {
		return err
	}
	if ok {
		*g = gr
	}
	return nil
}

// DecodeProps reads what Control.PropsJSON wrote back into c, whose Kind
// must be set and whose properties are replaced.
func DecodeProps(c *Control, data []byte) error {
	c.Props, c.Custom = Props{}, nil
	if fastProps(c, data) {
		return nil
	}
	c.Props, c.Custom = Props{}, nil
	var d decoder
	obj, ok := d.object(data, Problem{ControlID: c.ControlID}, "properties")
	if ok {
		d.controlBody(obj, c, Problem{ControlID: c.ControlID})
	}
	return d.problems.err()
}

// DecodeCustom reads what CustomJSON wrote.
func DecodeCustom(data []byte) (map[string]json.RawMessage, error) {
	var d decoder
	var out map[string]json.RawMessage
	obj, ok := d.object(data, Problem{}, "custom properties")
	if ok {
		for _, k := range sortedKeys(obj) {
			d.custom(&out, k, obj[k], Problem{})
		}
	}
	return out, d.problems.err()
}
