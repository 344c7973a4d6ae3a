package studio

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Control kinds (spec: Built-In Controls, plus the label, textbox and
// screen that Mixer's renderer and the official SDKs also knew). A screen
// is an area that reports the pointer (move, mousedown, mouseup with x, y
// as fractions of the area: the node SDK's IScreenInput).
const (
	KindButton   = "button"
	KindJoystick = "joystick"
	KindLabel    = "label"
	KindTextbox  = "textbox"
	KindScreen   = "screen"
)

// Kinds lists the kinds the studio can place, in the order the UI offers them.
var Kinds = [...]string{KindButton, KindJoystick, KindLabel, KindTextbox, KindScreen}

// KnownKind reports whether kind is one of Kinds.
func KnownKind(kind string) bool {
	for _, k := range Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Control is one control of a scene, as the protocol describes it: its id,
// kind, one position per grid (none on a grid hides it there), built-in
// properties (nil = not set) and custom properties.
type Control struct {
	ControlID string
	Kind      string
	Position  []Position
	Props
	// Custom holds the custom properties, compact JSON values by name. On
	// the wire they sit at the top level of the control object.
	Custom map[string]json.RawMessage
	// Revision counts saved changes; a save that carries an older revision
	// is refused (optimistic concurrency). Not part of the layout JSON.
	Revision int64
}

// Props are the built-in properties. A nil pointer means "not set": the
// property is left out of the JSON and the renderer uses its default.
type Props struct {
	Text            *string
	Tooltip         *string
	Placeholder     *string
	SubmitText      *string
	Cost            *int64
	Progress        *float64
	Cooldown        *int64
	Disabled        *bool
	KeyCode         *int64
	GamepadButton   *int64
	SampleRate      *int64
	Angle           *float64
	Intensity       *float64
	GamepadJoystick *int64
	HasSubmit       *bool
	Multiline       *bool
	// A screen's (node SDK IScreenData): when it reports moves
	// (MoveAlways/MoveOnMouseDown/MoveNever), their interval in ms, and
	// whether it reports mousedown and mouseup.
	SendMoveEvents     *string
	MoveThrottle       *int64
	SendMouseDownEvent *bool
	SendMouseUpEvent   *bool
	Bold               *bool
	Italic             *bool
	Underline          *bool
	TextSize           *string
	TextColor          *string
	AccentColor        *string
	BorderColor        *string
	FocusColor         *string
	BackgroundColor    *string
	BackgroundImage    *string
}

// Ptr returns a pointer to v, for setting built-in properties in code.
func Ptr[T any](v T) *T { return &v }

// PositionOn returns the control's position on the grid, if it has one.
func (c *Control) PositionOn(grid string) (Position, bool) {
	for _, p := range c.Position {
		if p.Size == grid {
			return p, true
		}
	}
	return Position{}, false
}

// SetPosition places the control on p.Size, replacing any position it had
// there, and keeps positions in grid order (large, medium, small).
func (c *Control) SetPosition(p Position) {
	c.RemovePosition(p.Size)
	c.Position = append(c.Position, p)
	sortPositions(c.Position)
}

// RemovePosition hides the control on the grid without deleting it.
func (c *Control) RemovePosition(grid string) {
	out := c.Position[:0:0]
	for _, q := range c.Position {
		if q.Size != grid {
			out = append(out, q)
		}
	}
	c.Position = out
}

func sortPositions(ps []Position) {
	// Insertion sort: at most three elements, unknown sizes last.
	rank := func(p Position) int {
		if i := gridIndex(p.Size); i >= 0 {
			return i
		}
		return len(Grids)
	}
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && rank(ps[j]) < rank(ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// Clone returns a deep copy, so an edit of the copy leaves c untouched.
func (c Control) Clone() Control {
	out := c
	out.Position = append([]Position(nil), c.Position...)
	out.Props = c.Props.clone()
	out.Custom = cloneCustom(c.Custom)
	return out
}

func (p Props) clone() Props {
	out := p
	for _, prop := range properties {
		prop.copyTo(&p, &out)
	}
	return out
}

func cloneCustom(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = append(json.RawMessage(nil), v...)
	}
	return out
}

// PropType is the JSON type of a built-in property, which also tells the
// editor what input to show.
type PropType string

const (
	TypeString PropType = "string"
	TypeInt    PropType = "integer"
	TypeFloat  PropType = "number"
	TypeBool   PropType = "boolean"
	TypeColor  PropType = "color" // a CSS colour, stored as a string
	TypeLength PropType = "length"
	TypeURL    PropType = "url"
)

// Property describes one built-in property: its protocol name, type, the
// kinds that have it and a one-line help text for the editor.
type Property struct {
	Name  string
	Type  PropType
	Kinds []string
	Help  string
	field func(*Props) any // pointer to the *T field
	check func(v any) string
}

// Has reports whether controls of kind have this property.
func (p Property) Has(kind string) bool {
	for _, k := range p.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// PropertiesOf lists the built-in properties of a kind, in JSON order.
func PropertiesOf(kind string) []Property {
	var out []Property
	for _, p := range properties {
		if p.Has(kind) {
			out = append(out, p)
		}
	}
	return out
}

// PropertyByName returns the built-in property of kind with that name.
func PropertyByName(kind, name string) (Property, bool) {
	for _, p := range properties {
		if p.Name == name && p.Has(kind) {
			return p, true
		}
	}
	return Property{}, false
}

// reservedKeys are the control object's own keys, never custom properties.
var reservedKeys = map[string]bool{"controlID": true, "kind": true, "position": true, "etag": true, "meta": true}

// Get returns the property's value formatted for a form field, and whether
// it is set. It returns false for a name the kind does not have.
func (c *Control) Get(name string) (string, bool) {
	p, ok := PropertyByName(c.Kind, name)
	if !ok {
		return "", false
	}
	switch v := p.field(&c.Props).(type) {
	case **string:
		if *v != nil {
			return **v, true
		}
	case **int64:
		if *v != nil {
			return strconv.FormatInt(**v, 10), true
		}
	case **float64:
		if *v != nil {
			return strconv.FormatFloat(**v, 'g', -1, 64), true
		}
	case **bool:
		if *v != nil {
			return strconv.FormatBool(**v), true
		}
	}
	return "", false
}

// Set parses a form value into the built-in property name; an empty value
// unsets it. It checks the type and the property's range, and returns an
// *Error with Field set when either is wrong (the control is then unchanged).
func (c *Control) Set(name, value string) error {
	p, ok := PropertyByName(c.Kind, name)
	if !ok {
		return &Error{Code: EINVALID, Field: name, Message: fmt.Sprintf("a %s has no property %q", c.Kind, name)}
	}
	value = strings.TrimSpace(value)
	bad := func(msg string) error { return &Error{Code: EINVALID, Field: name, Message: msg} }
	var parsed any
	switch p.field(&c.Props).(type) {
	case **string:
		parsed = value
	case **int64:
		if value != "" {
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return bad("must be a whole number")
			}
			parsed = n
		}
	case **float64:
		if value != "" {
			f, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return bad("must be a number")
			}
			parsed = f
		}
	case **bool:
		if value != "" {
			b, err := strconv.ParseBool(value)
			if err != nil {
				return bad("must be true or false")
			}
			parsed = b
		}
	}
	if value == "" {
		p.unset(&c.Props)
		return nil
	}
	if msg := p.check(parsed); msg != "" {
		return bad(msg)
	}
	p.assign(&c.Props, parsed)
	return nil
}

func (p Property) unset(props *Props) {
	switch v := p.field(props).(type) {
	case **string:
		*v = nil
	case **int64:
		*v = nil
	case **float64:
		*v = nil
	case **bool:
		*v = nil
	}
}

// assign stores a value of the field's own type (string, int64, float64, bool).
func (p Property) assign(props *Props, val any) {
	switch v := p.field(props).(type) {
	case **string:
		s := val.(string)
		*v = &s
	case **int64:
		n := val.(int64)
		*v = &n
	case **float64:
		f := val.(float64)
		*v = &f
	case **bool:
		b := val.(bool)
		*v = &b
	}
}

// value returns the field's value (string, int64, float64 or bool) and
// whether it is set.
func (p Property) value(props *Props) (any, bool) {
	switch v := p.field(props).(type) {
	case **string:
		if *v != nil {
			return **v, true
		}
	case **int64:
		if *v != nil {
			return **v, true
		}
	case **float64:
		if *v != nil {
			return **v, true
		}
	case **bool:
		if *v != nil {
			return **v, true
		}
	}
	return nil, false
}

// copyTo gives dst its own copy of src's value, so clones share no pointer.
func (p Property) copyTo(src, dst *Props) {
	p.unset(dst)
	if v, ok := p.value(src); ok {
		p.assign(dst, v)
	}
}
