package studio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/mixstudio/mixstudio/internal/limits"
	"math"
	"strings"
	"unicode/utf8"
)

// MaxImportBytes bounds an import file (internal/limits says why this size).
const MaxImportBytes = limits.ImportFile

// Import formats, as ImportReport.Format names them.
const (
	FormatMixstudio = LayoutFormat // our own export
	FormatBare      = "scenes"     // {"scenes": [...]} alone
	FormatMixerLab  = "mixer-lab"  // a Mixer Developer Lab version: {"controls": {"scenes": [...]}}
	FormatFirebot   = "firebot-v5" // a Firebot v5 MixPlay project
)

// ImportReport says what an import read and what it could not carry over.
type ImportReport struct {
	Format   string
	Warnings []string
	// Unnamed: the file named no layout (Name is then "Imported layout"),
	// so a caller that knows the file's name may use it instead.
	Unnamed bool
}

// Import reads a layout file in any of the accepted formats (see the
// Format* constants). It returns the layout, a report of what was not
// carried over, and a *ValidationError listing every problem (type errors
// and broken rules); a caller saves nothing unless the error is nil.
// Malformed JSON gives an EINVALID *Error.
func Import(data []byte) (Layout, ImportReport, error) {
	var rep ImportReport
	if len(data) > MaxImportBytes {
		return Layout{}, rep, Errorf(EINVALID, "the file is %d bytes; at most %d are accepted", len(data), MaxImportBytes)
	}
	if !utf8.Valid(data) {
		return Layout{}, rep, Errorf(EINVALID, "the file is not UTF-8 text")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return Layout{}, rep, Errorf(EINVALID, "not a layout: expected a JSON object with scenes (%s)", jsonErr(err))
	}
	var d decoder
	var l Layout
	switch rep.Format = detect(top); rep.Format {
	case FormatMixstudio, FormatBare:
		l = d.layout(top)
	case FormatMixerLab:
		l = d.mixerLab(top)
	case FormatFirebot:
		l = d.firebot(top)
	default:
		return Layout{}, rep, Errorf(EINVALID, "not a layout: expected \"scenes\" (a mixstudio export), \"controls.scenes\" (a Mixer Developer Lab version) or a Firebot MixPlay project")
	}
	if d.tooMany != nil {
		// Checking the part read would only multiply the work asked for.
		return Layout{}, rep, &ValidationError{Problems: []Problem{*d.tooMany}}
	}
	l.Format = LayoutFormat
	rep.Unnamed = strings.TrimSpace(l.Name) == ""
	d.normalize(&l, rep.Format)
	if err := l.CheckBundle(false); err != nil {
		// A new project has no bundle yet: custom kinds wait for one.
		d.warnf("the layout has controls of custom kinds; upload its control bundle (mixstudio bundle upload VERSION_ID DIR) before publishing")
	}
	rep.Warnings = d.warnings
	d.problems = append(d.problems, validationProblems(&l)...)
	if err := d.problems.err(); err != nil {
		return l, rep, err
	}
	return l, rep, nil
}

func jsonErr(err error) string {
	if err == nil {
		return "got null"
	}
	return err.Error()
}

func validationProblems(l *Layout) problems {
	var ps problems
	l.validate(&ps)
	return ps
}

func detect(top map[string]json.RawMessage) string {
	if _, ok := top["format"]; ok {
		return FormatMixstudio
	}
	if _, ok := top["defaultSceneId"]; ok {
		return FormatFirebot
	}
	if raw, ok := top["controls"]; ok {
		if obj, err := asObject(raw); err == nil {
			if _, ok := obj["scenes"]; ok {
				return FormatMixerLab
			}
		}
	}
	if raw, ok := top["scenes"]; ok {
		var scenes []map[string]json.RawMessage
		if json.Unmarshal(raw, &scenes) == nil && len(scenes) > 0 {
			_, hasID := scenes[0]["id"]
			_, hasSceneID := scenes[0]["sceneID"]
			if hasID && !hasSceneID {
				return FormatFirebot
			}
		}
		return FormatBare
	}
	return ""
}

// layout reads our own format, or a bare {"scenes": [...]}.
func (d *decoder) layout(top map[string]json.RawMessage) Layout {
	var l Layout
	if raw, ok := top["format"]; ok {
		if f, ok := d.str(raw, Problem{Field: "format"}); ok && !KnownLayoutFormat(f) {
			d.problems.add(Problem{Field: "format"}, "unknown format %q; this studio reads %q", truncate(f), LayoutFormat)
		}
	}
	if raw, ok := top["name"]; ok && !isNull(raw) {
		l.Name, _ = d.str(raw, Problem{Field: "name"})
	}
	d.scenesAndGroups(top, &l)
	if raw, ok := top["reactions"]; ok {
		l.Reactions = d.reactions(raw)
	}
	for _, k := range sortedKeys(top) {
		switch k {
		case "format", "name", "scenes", "groups", "reactions":
		default:
			d.warnf("top-level field %q not carried over", k)
		}
	}
	return l
}

// mixerLab reads a version exported from Mixer's Developer Lab: the scenes
// (protocol-shaped, possibly with 1.4-era meta) sit under "controls".
func (d *decoder) mixerLab(top map[string]json.RawMessage) Layout {
	var l Layout
	if raw, ok := top["name"]; ok {
		if s, ok := d.str(raw, Problem{Field: "name"}); ok {
			l.Name = s
		}
	}
	controls, _ := asObject(top["controls"])
	d.scenesAndGroups(controls, &l)
	for _, k := range sortedKeys(controls) {
		if k != "scenes" && k != "groups" {
			d.warnf("controls.%s not carried over", k)
		}
	}
	var dropped []string
	for _, k := range sortedKeys(top) {
		if k != "controls" && k != "name" {
			dropped = append(dropped, k)
		}
	}
	if len(dropped) > 0 {
		d.warnf("Mixer version fields not carried over (they describe Mixer's hosting, not the layout): %s", strings.Join(dropped, ", "))
	}
	return l
}

// normalize makes sure the default scene and group exist, with a warning
// where the source format should have had them.
func (d *decoder) normalize(l *Layout, format string) {
	if strings.TrimSpace(l.Name) == "" {
		l.Name = "Imported layout"
	}
	if len(l.Scenes) <= MaxScenes && l.Scene(DefaultSceneID) == nil {
		l.Scenes = append([]Scene{{SceneID: DefaultSceneID}}, l.Scenes...)
		d.warnf("the layout had no %q scene; an empty one was added", DefaultSceneID)
	}
	hasDefault := false
	for _, g := range l.Groups {
		hasDefault = hasDefault || g.GroupID == DefaultGroupID
	}
	if !hasDefault && len(l.Groups) < MaxGroups {
		l.Groups = append([]Group{{GroupID: DefaultGroupID, SceneID: DefaultSceneID}}, l.Groups...)
		if format == FormatMixstudio {
			d.warnf("the layout had no %q group; one showing the %q scene was added", DefaultGroupID, DefaultSceneID)
		}
	}
}

// firebot reads a Firebot v5 MixPlay project. Its scenes and controls carry
// their own ids and names; the protocol's properties sit under "mixplay".
func (d *decoder) firebot(top map[string]json.RawMessage) Layout {
	var l Layout
	if raw, ok := top["name"]; ok {
		l.Name, _ = d.str(raw, Problem{Field: "name"})
	}
	var defaultID string
	if raw, ok := top["defaultSceneId"]; ok && !isNull(raw) {
		defaultID, _ = d.str(raw, Problem{Field: "defaultSceneId"})
	}
	groups := d.firebotCooldownGroups(top["cooldownGroups"])
	arr, _ := d.array(top["scenes"], Problem{Field: "scenes"}, "scenes")
	for i, raw := range arr {
		if !d.room("scenes") {
			break
		}
		obj, ok := d.object(raw, Problem{Field: fmt.Sprintf("scenes[%d]", i)}, fmt.Sprintf("scene #%d", i+1))
		if !ok {
			continue
		}
		var s Scene
		if v, ok := obj["id"]; ok {
			s.SceneID, _ = d.str(v, Problem{Field: "id"})
		}
		fbID := s.SceneID
		if s.SceneID != "" && s.SceneID == defaultID {
			s.SceneID = DefaultSceneID
		}
		if v, ok := obj["name"]; ok {
			d.custom(&s.Custom, "name", v, Problem{SceneID: s.SceneID})
		}
		controls, _ := d.array(obj["controls"], Problem{SceneID: s.SceneID, Field: "controls"}, "controls")
		for j, raw := range controls {
			if !d.room("controls") {
				break
			}
			if c, ok := d.firebotControl(raw, s.SceneID, j); ok {
				s.Controls = append(s.Controls, c)
				l.Reactions = append(l.Reactions, d.firebotReactions(raw, s.SceneID, c, groups[c.ControlID])...)
			}
		}
		for _, k := range sortedKeys(obj) {
			switch k {
			case "id", "name", "controls":
			default:
				d.warnf("scene %q: Firebot field %q not carried over", fbID, k)
			}
		}
		l.Scenes = append(l.Scenes, s)
	}
	for _, k := range sortedKeys(top) {
		switch k {
		case "name", "defaultSceneId", "scenes", "id", "cooldownGroups":
		default:
			d.warnf("Firebot project field %q not carried over", k)
		}
	}
	return l
}

func (d *decoder) firebotControl(raw json.RawMessage, sceneID string, index int) (Control, bool) {
	obj, ok := d.object(raw, Problem{SceneID: sceneID, Field: fmt.Sprintf("controls[%d]", index)}, fmt.Sprintf("control #%d", index+1))
	if !ok {
		return Control{}, false
	}
	var c Control
	if v, ok := obj["id"]; ok {
		c.ControlID, _ = d.str(v, Problem{SceneID: sceneID, Field: "id"})
	}
	at := Problem{SceneID: sceneID, ControlID: c.ControlID}
	where := fmt.Sprintf("control %q", c.ControlID)
	if v, ok := obj["kind"]; ok {
		c.Kind, _ = d.str(v, fieldAt(at, "kind"))
	}
	if v, ok := obj["position"]; ok {
		c.Position = d.positions(v, at)
	}
	if v, ok := obj["name"]; ok {
		d.custom(&c.Custom, "name", v, at)
	}
	if v, ok := obj["active"]; ok && !isNull(v) {
		if active, ok := d.boolean(v, fieldAt(at, "active")); ok && !active {
			if _, has := PropertyByName(c.Kind, "disabled"); has {
				c.Disabled = Ptr(true)
			} else {
				d.warnf("%s: inactive, but a %s cannot be disabled; it is active here", where, c.Kind)
			}
		}
	}
	if v, ok := obj["mixplay"]; ok && !isNull(v) {
		if mp, ok := d.object(v, fieldAt(at, "mixplay"), "mixplay"); ok {
			d.firebotProps(mp, &c, at, where)
		}
	}
	for _, k := range sortedKeys(obj) {
		switch k {
		case "id", "kind", "position", "name", "active", "mixplay", "effects":
		default:
			d.warnf("%s: Firebot field %q not carried over", where, k)
		}
	}
	return c, true
}

// firebotProps maps Firebot's "mixplay" object: progress is a percentage
// there; cooldown is a duration in seconds that Firebot applied after each
// press, which becomes a cooldown reaction (firebotReactions), not the
// protocol's cooldown (a moment).
func (d *decoder) firebotProps(mp map[string]json.RawMessage, c *Control, at Problem, where string) {
	for _, k := range sortedKeys(mp) {
		raw := mp[k]
		if isNull(raw) {
			continue
		}
		switch k {
		case "progress":
			if _, ok := PropertyByName(c.Kind, "progress"); !ok {
				break
			}
			if f, ok := d.float(raw, fieldAt(at, "progress")); ok {
				c.Progress = Ptr(math.Round(f*100) / 10000)
			}
			continue
		case "cooldown":
			continue // a reaction: firebotReactions
		}
		if p, ok := PropertyByName(c.Kind, k); ok {
			if p.Type == TypeLength {
				raw = lengthFromNumber(raw)
			}
			d.property(p, raw, &c.Props, at)
			continue
		}
		d.warnf("%s: mixplay.%s not carried over (a %s has no such property)", where, k, c.Kind)
	}
}

// lengthFromNumber turns a bare number (Firebot stored font sizes so) into
// a CSS pixel length.
func lengthFromNumber(raw json.RawMessage) json.RawMessage {
	if _, text, ok := number(raw); ok {
		b, _ := json.Marshal(text + "px")
		return b
	}
	return bytes.TrimSpace(raw)
}
