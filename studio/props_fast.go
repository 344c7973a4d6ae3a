package studio

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Loading a 5,000-control version decodes 5,000 property objects and
// position lists that this package wrote itself (compact, no surprises).
// The reflective decoder costs tens of microseconds each; these scanners
// read that canonical form directly and give up (ok = false) at anything
// unusual, in which case the caller falls back to the general decoder.
// FuzzFastDecoders checks that both always agree.
//
// Kept because BenchmarkDecodeProps shows why (the controls of richLayout,
// properties and positions of one control per op; 2-core machine under a
// load average of ~20, so times spread): fast 12-33 µs, 691 B, 12 allocs;
// general 58-104 µs, 2558 B, 50 allocs — 3-5x the time and 4x the
// allocations on every control of every version loaded.

// fastProps decodes a flat JSON object of built-ins and custom properties.
func fastProps(c *Control, data []byte) bool {
	if !utf8.Valid(data) { // the decoder would replace bad bytes; leave it to it
		return false
	}
	s := scanner{b: data}
	if !s.byte('{') {
		return false
	}
	if s.byte('}') {
		return s.end()
	}
	for {
		key, ok := s.plainBytes()
		if !ok || !s.byte(':') {
			return false
		}
		start := s.i
		if !s.skipValue() {
			return false
		}
		raw := data[start:s.i]
		if p, ok := propertyByKey(c.Kind, key); ok {
			if !fastProperty(p, raw, &c.Props) {
				return false
			}
		} else {
			switch string(key) {
			case "controlID", "kind", "position", "etag", "meta":
				return false // not what PropsJSON writes
			}
			if string(raw) == "null" {
				return false
			}
			if c.Custom == nil {
				c.Custom = map[string]json.RawMessage{}
			}
			c.Custom[string(key)] = append(json.RawMessage(nil), raw...)
		}
		if s.byte('}') {
			return s.end()
		}
		if !s.byte(',') {
			return false
		}
	}
}

func fastProperty(p Property, raw []byte, props *Props) bool {
	switch p.field(props).(type) {
	case **string:
		if len(raw) < 2 || raw[0] != '"' {
			return false
		}
		if bytes.IndexByte(raw, '\\') >= 0 { // escapes: rare, let encoding/json read them
			var str string
			if json.Unmarshal(raw, &str) != nil {
				return false
			}
			p.assign(props, str)
			return true
		}
		inner := raw[1 : len(raw)-1]
		if bytes.IndexByte(inner, '"') >= 0 {
			return false
		}
		for _, ch := range inner {
			if ch < 0x20 {
				return false
			}
		}
		p.assign(props, string(inner))
	case **int64:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || n < -(1<<53) || n > 1<<53 {
			return false
		}
		p.assign(props, n)
	case **float64:
		if len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
			return false
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return false
		}
		p.assign(props, f)
	case **bool:
		switch string(raw) {
		case "true":
			p.assign(props, true)
		case "false":
			p.assign(props, false)
		default:
			return false
		}
	}
	return true
}

// fastPositions decodes what json.Marshal([]Position) writes.
func fastPositions(data []byte) ([]Position, bool) {
	if !utf8.Valid(data) {
		return nil, false
	}
	s := scanner{b: data}
	if !s.byte('[') {
		return nil, false
	}
	out := make([]Position, 0, 3)
	if s.byte(']') {
		return out, s.end()
	}
	for {
		var p Position
		ok := s.byte('{') && s.lit(`"size":`)
		if ok {
			p.Size, ok = s.gridName()
		}
		ok = ok && s.lit(`,"width":`) && s.int(&p.Width) && s.lit(`,"height":`) && s.int(&p.Height) &&
			s.lit(`,"x":`) && s.int(&p.X) && s.lit(`,"y":`) && s.int(&p.Y) && s.byte('}')
		if !ok {
			return nil, false
		}
		out = append(out, p)
		if s.byte(']') {
			return out, s.end()
		}
		if !s.byte(',') {
			return nil, false
		}
	}
}

// DecodePositions reads a position list as json.Marshal wrote it.
func DecodePositions(data []byte) ([]Position, error) {
	if ps, ok := fastPositions(data); ok {
		return ps, nil
	}
	var ps []Position
	err := json.Unmarshal(data, &ps)
	return ps, err
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) byte(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) end() bool { return s.i == len(s.b) }

func (s *scanner) lit(l string) bool {
	if len(s.b)-s.i >= len(l) && string(s.b[s.i:s.i+len(l)]) == l {
		s.i += len(l)
		return true
	}
	return false
}

// gridName reads a quoted grid name without allocating for the three known.
func (s *scanner) gridName() (string, bool) {
	switch {
	case s.lit(`"large"`):
		return Large, true
	case s.lit(`"medium"`):
		return Medium, true
	case s.lit(`"small"`):
		return Small, true
	}
	return s.plainString()
}

// plainString reads a string without escapes or control characters.
func (s *scanner) plainString() (string, bool) {
	b, ok := s.plainBytes()
	return string(b), ok
}

// plainBytes is plainString without the copy: the bytes stay in the input.
func (s *scanner) plainBytes() ([]byte, bool) {
	if !s.byte('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// propertyByKey is PropertyByName for a key still in the input buffer
// (comparing string(key) does not allocate).
func propertyByKey(kind string, key []byte) (Property, bool) {
	for _, p := range properties {
		if p.Name == string(key) && p.Has(kind) {
			return p, true
		}
	}
	return Property{}, false
}

func (s *scanner) int(dst *int) bool {
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || s.b[digits] == '0' && s.i > digits+1 { // JSON allows no leading zeros
		return false
	}
	n, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil || n < -1<<20 || n > 1<<20 {
		return false
	}
	*dst = n
	return true
}

// skipValue moves past one compact JSON value, which it checks only
// loosely (balanced brackets, terminated strings); the caller validates
// the parts it uses, and custom values are checked with json.Valid.
func (s *scanner) skipValue() bool {
	start := s.i
	depth := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			for s.i < len(s.b) && s.b[s.i] != '"' {
				if s.b[s.i] == '\\' {
					s.i++
				}
				s.i++
			}
			if s.i >= len(s.b) {
				return false
			}
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return s.i > start && json.Valid(s.b[start:s.i])
			}
			depth--
		case c == ',' && depth == 0:
			return s.i > start && json.Valid(s.b[start:s.i])
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			return false // not compact: let the general decoder handle it
		}
		s.i++
	}
	return false
}
