package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Props holds a resource's properties other than the ones a struct names:
// built-in settable properties (text, cost, position...) and custom ones,
// each as raw JSON. A null value in an update deletes the property (JSON
// Merge Patch).
type Props map[string]json.RawMessage

// Control is a protocol control object. ID and kind are named; every other
// property stays raw in Props so custom properties survive unchanged.
type Control struct {
	ControlID string
	Kind      string // empty in updates (kind is not settable)
	Props     Props
}

func (c Control) MarshalJSON() ([]byte, error) {
	return marshalObject(c.Props, "controlID", c.ControlID, "kind", c.Kind)
}

func (c *Control) UnmarshalJSON(b []byte) error {
	m, err := unmarshalObject(b, "control")
	if err != nil {
		return err
	}
	if err := takeString(m, "controlID", &c.ControlID); err != nil {
		return err
	}
	if err := takeString(m, "kind", &c.Kind); err != nil {
		return err
	}
	c.Props = nonEmpty(m)
	return nil
}

// Scene is a protocol scene: its ID, its controls, and other properties.
// In updateScenes, Controls is left nil (controls change through the
// control methods). Groups is what getScenes reports of the groups showing
// the scene; it is read only, never sent (servers ignore it, and it is no
// property of the scene to restore).
type Scene struct {
	SceneID  string
	Controls []Control
	Groups   []Group
	Props    Props
}

func (s Scene) MarshalJSON() ([]byte, error) {
	var controls json.RawMessage
	if s.Controls != nil {
		cs, err := json.Marshal(s.Controls)
		if err != nil {
			return nil, err
		}
		controls = cs
	}
	// "groups" is reserved: a nil field is skipped in Props and not written.
	return marshalFields(s.Props, field{"sceneID", jsonString(s.SceneID)}, field{"controls", controls}, field{"groups", nil})
}

func (s *Scene) UnmarshalJSON(b []byte) error {
	m, err := unmarshalObject(b, "scene")
	if err != nil {
		return err
	}
	if err := takeString(m, "sceneID", &s.SceneID); err != nil {
		return err
	}
	s.Controls = nil
	if raw, ok := m["controls"]; ok {
		delete(m, "controls")
		if !isNull(raw) {
			if err := json.Unmarshal(raw, &s.Controls); err != nil {
				return fmt.Errorf("scene %q controls: %w", s.SceneID, err)
			}
		}
	}
	s.Groups = nil
	if raw, ok := m["groups"]; ok {
		delete(m, "groups") // reserved, like controls
		if !isNull(raw) {
			if err := json.Unmarshal(raw, &s.Groups); err != nil {
				return fmt.Errorf("scene %q groups: %w", s.SceneID, err)
			}
		}
	}
	s.Props = nonEmpty(m)
	return nil
}

// Group is a protocol group. An empty SceneID is left out (the server
// assigns the default scene).
type Group struct {
	GroupID string
	SceneID string
	Props   Props
}

func (g Group) MarshalJSON() ([]byte, error) {
	return marshalObject(g.Props, "groupID", g.GroupID, "sceneID", g.SceneID)
}

func (g *Group) UnmarshalJSON(b []byte) error {
	m, err := unmarshalObject(b, "group")
	if err != nil {
		return err
	}
	if err := takeString(m, "groupID", &g.GroupID); err != nil {
		return err
	}
	if err := takeString(m, "sceneID", &g.SceneID); err != nil {
		return err
	}
	g.Props = nonEmpty(m)
	return nil
}

// Participant is a connected viewer as the server describes one. Custom
// properties (and any field we do not name) are in Props.
type Participant struct {
	SessionID   string `json:"sessionID"`
	UserID      uint64 `json:"userID"`
	Username    string `json:"username"`
	Level       int    `json:"level"`
	LastInputAt int64  `json:"lastInputAt"`
	ConnectedAt int64  `json:"connectedAt"`
	Disabled    bool   `json:"disabled"`
	GroupID     string `json:"groupID"`
	Anonymous   bool   `json:"anonymous"`
	Props       Props  `json:"-"`
}

var participantFields = []string{"sessionID", "userID", "username", "level", "lastInputAt", "connectedAt", "disabled", "groupID", "anonymous"}

func (p *Participant) UnmarshalJSON(b []byte) error {
	type plain Participant
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("participant: %w", err)
	}
	m, err := unmarshalObject(b, "participant")
	if err != nil {
		return err
	}
	for _, k := range participantFields {
		delete(m, k)
	}
	v.Props = nonEmpty(m)
	*p = Participant(v)
	return nil
}

func (p Participant) MarshalJSON() ([]byte, error) {
	type plain Participant
	named, err := json.Marshal(plain(p))
	if err != nil || len(p.Props) == 0 {
		return named, err
	}
	m, _ := asObject(named)
	props := Props{}
	for k, v := range p.Props {
		props[k] = v
	}
	fields := make([]field, 0, len(participantFields))
	for _, k := range participantFields {
		fields = append(fields, field{k, m[k]})
	}
	return marshalFields(props, fields...)
}

// ParticipantUpdate changes one participant (updateParticipants): named
// settable fields when non-nil, plus custom properties.
type ParticipantUpdate struct {
	SessionID string
	GroupID   *string
	Disabled  *bool
	Props     Props
}

func (u ParticipantUpdate) MarshalJSON() ([]byte, error) {
	props := Props{}
	for k, v := range u.Props {
		props[k] = v
	}
	if u.GroupID != nil {
		b, _ := json.Marshal(*u.GroupID)
		props["groupID"] = b
	}
	if u.Disabled != nil {
		props["disabled"] = json.RawMessage(strconv.FormatBool(*u.Disabled))
	}
	return marshalObject(props, "sessionID", u.SessionID)
}

// field is a named property written before the sorted Props; a nil value
// is left out.
type field struct {
	key   string
	value json.RawMessage
}

// jsonString encodes a non-empty string; empty gives nil (left out).
func jsonString(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	b, _ := json.Marshal(s)
	return b
}

// marshalObject writes named string fields first (empty ones left out),
// in the given order, then props.
func marshalObject(props Props, named ...string) ([]byte, error) {
	fields := make([]field, 0, len(named)/2)
	for i := 0; i+1 < len(named); i += 2 {
		fields = append(fields, field{named[i], jsonString(named[i+1])})
	}
	return marshalFields(props, fields...)
}

// marshalFields writes fields in order, then props in sorted key order
// (props that repeat a field's key are ignored).
func marshalFields(props Props, fields ...field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	write := func(k string, v json.RawMessage) {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	skip := map[string]bool{}
	for _, f := range fields {
		skip[f.key] = true
		if f.value != nil {
			write(f.key, f.value)
		}
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		if !skip[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := props[k]
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		if !json.Valid(v) {
			return nil, fmt.Errorf("property %q: invalid JSON", k)
		}
		write(k, v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func unmarshalObject(b []byte, what string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%s: null, want an object", what)
	}
	return m, nil
}

// takeString moves a string field out of m into dst; absent or null
// leaves dst empty.
func takeString(m map[string]json.RawMessage, key string, dst *string) error {
	raw, ok := m[key]
	*dst = ""
	if !ok {
		return nil
	}
	delete(m, key)
	if isNull(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

func nonEmpty(m map[string]json.RawMessage) Props {
	if len(m) == 0 {
		return nil
	}
	return Props(m)
}
