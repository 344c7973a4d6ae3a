package studio

import (
	"bytes"
	"encoding/json"
	"sort"
)

// The layout JSON is written by hand rather than through struct tags: the
// protocol puts custom properties at the top level of an object, and the
// key order must be stable (controlID, kind, position, built-ins in table
// order, then custom keys sorted) so that an export is byte-for-byte
// reproducible.

// MarshalJSON writes the protocol's control object.
func (c Control) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := c.writeJSON(&b, true); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (c *Control) writeJSON(b *bytes.Buffer, withIdentity bool) error {
	b.WriteByte('{')
	first := true
	key := func(k string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, k)
		b.WriteByte(':')
	}
	if withIdentity {
		key("controlID")
		writeString(b, c.ControlID)
		key("kind")
		writeString(b, c.Kind)
		key("position")
		if err := writePositions(b, c.Position); err != nil {
			return err
		}
	}
	for _, p := range properties {
		v, ok := p.value(&c.Props)
		if !ok {
			continue
		}
		key(p.Name)
		if err := writeValue(b, v); err != nil {
			return err
		}
	}
	return writeCustom(b, c.Custom, &first)
}

func writePositions(b *bytes.Buffer, ps []Position) error {
	out, err := json.Marshal(positionsOrEmpty(ps))
	b.Write(out)
	return err
}

func positionsOrEmpty(ps []Position) []Position {
	if ps == nil {
		return []Position{}
	}
	return ps
}

func writeValue(b *bytes.Buffer, v any) error {
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(out)
	return nil
}

func writeString(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s) // a string always marshals
	b.Write(out)
}

// writeCustom writes the custom properties sorted by name and closes the object.
func writeCustom(b *bytes.Buffer, custom map[string]json.RawMessage, first *bool) error {
	keys := make([]string, 0, len(custom))
	for k := range custom {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !*first {
			b.WriteByte(',')
		}
		*first = false
		writeString(b, k)
		b.WriteByte(':')
		if err := json.Compact(b, custom[k]); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// MarshalJSON writes the protocol's scene object.
func (s Scene) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"sceneID":`)
	writeString(&b, s.SceneID)
	b.WriteString(`,"controls":[`)
	for i := range s.Controls {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := s.Controls[i].writeJSON(&b, true); err != nil {
			return nil, err
		}
	}
	b.WriteByte(']')
	first := false
	if err := writeCustom(&b, s.Custom, &first); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// MarshalJSON writes the protocol's group object.
func (g Group) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"groupID":`)
	writeString(&b, g.GroupID)
	b.WriteString(`,"sceneID":`)
	writeString(&b, g.SceneID)
	first := false
	if err := writeCustom(&b, g.Custom, &first); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// MarshalJSON writes {"format", "name", "scenes", "groups"} and, when
// there are reactions, "reactions" (format LayoutFormatReactions).
func (l Layout) MarshalJSON() ([]byte, error) {
	format := LayoutFormat
	if len(l.Reactions) > 0 {
		format = LayoutFormatReactions
	}
	scenes, groups := l.Scenes, l.Groups
	if scenes == nil {
		scenes = []Scene{}
	}
	if groups == nil {
		groups = []Group{}
	}
	return json.Marshal(struct {
		Format    string     `json:"format"`
		Name      string     `json:"name"`
		Scenes    []Scene    `json:"scenes"`
		Groups    []Group    `json:"groups"`
		Reactions []Reaction `json:"reactions,omitempty"`
	}{format, l.Name, scenes, groups, l.Reactions})
}

// Export returns the layout as indented JSON with a final newline: the
// file `mixstudio export` writes. The same layout always gives the same bytes.
func Export(l Layout) ([]byte, error) {
	compact, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, compact, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// PropsJSON encodes a control's built-in and custom properties without its
// id, kind and position (how persistence stores them).
func (c *Control) PropsJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := c.writeJSON(&b, false); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// CustomJSON encodes custom properties alone as one object.
func CustomJSON(custom map[string]json.RawMessage) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	if err := writeCustom(&b, custom, &first); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
