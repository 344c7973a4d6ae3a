package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Errors a caller can tell apart with errors.Is.
var (
	ErrInvalidJSON = errors.New("invalid JSON")
	ErrNotObject   = errors.New("not a JSON object")
)

// parseObject reads data, which must hold one JSON object, into an Object
// whose members all carry tag. Null values are kept as the literal null;
// whether that means "delete" is up to the caller.
func parseObject(data []byte, tag Tag) (*Object, error) {
	if err := validate(data); err != nil {
		return nil, err
	}
	// Canonical values are rarely longer than their source: one arena.
	p := parser{data: data, tag: tag, arena: make([]byte, 0, len(data))}
	p.ws()
	if p.data[p.pos] != '{' {
		return nil, ErrNotObject
	}
	return p.object(), nil
}

// validate leaves the grammar (and the nesting limit) to encoding/json so
// that exactly what it accepts is accepted here; the parser below may then
// trust its input. The slow Unmarshal runs only to explain a failure.
func validate(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	return ErrInvalidJSON
}

// parser walks JSON that json.Valid accepted. Canonical bytes of primitive
// values are appended to one arena per parse to save allocations; values
// that outlive a patch are copied out of it (see merge).
type parser struct {
	data  []byte
	pos   int
	arena []byte
	tag   Tag
}

func (p *parser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// object reads an object starting at '{'.
func (p *parser) object() *Object {
	o := &Object{tag: p.tag}
	p.pos++ // '{'
	p.ws()
	if p.data[p.pos] == '}' {
		p.pos++
		return o
	}
	for {
		p.ws()
		m := member{key: p.key(), tag: p.tag}
		p.ws()
		p.pos++ // ':'
		p.ws()
		if p.data[p.pos] == '{' {
			m.obj = p.object()
		} else {
			start := len(p.arena)
			p.arena = p.appendValue(p.arena)
			m.raw = p.arena[start:len(p.arena):len(p.arena)]
		}
		if o.members == nil {
			o.members = make([]member, 0, 4) // most patches name few keys
		}
		o.put(m)
		p.ws()
		c := p.data[p.pos]
		p.pos++
		if c == '}' {
			return o
		}
	}
}

// key reads a string token and returns its decoded text.
func (p *parser) key() string {
	tok := p.stringToken()
	body := tok[1 : len(tok)-1]
	if !hasByte(body, '\\') && utf8.Valid(body) {
		return string(body)
	}
	var s string
	_ = json.Unmarshal(tok, &s) // valid by json.Valid; invalid UTF-8 becomes U+FFFD
	return s
}

// stringToken returns the string token at p.pos, quotes included.
func (p *parser) stringToken() []byte {
	start := p.pos
	i := p.pos + 1
	for i < len(p.data) {
		switch p.data[i] {
		case '\\':
			i += 2
			continue
		case '"':
			p.pos = i + 1
			return p.data[start:p.pos]
		}
		i++
	}
	p.pos = len(p.data)
	return p.data[start:]
}

// appendValue appends the canonical encoding of the value at p.pos.
func (p *parser) appendValue(dst []byte) []byte {
	switch c := p.data[p.pos]; c {
	case '"':
		return appendCanonicalString(dst, p.stringToken())
	case '{':
		// An object inside an array: parse it on its own so duplicate keys
		// are resolved as everywhere else, then encode it.
		sub := parser{data: p.data, pos: p.pos}
		o := sub.object()
		p.pos = sub.pos
		return o.AppendJSON(dst)
	case '[':
		p.pos++
		dst = append(dst, '[')
		p.ws()
		if p.data[p.pos] == ']' {
			p.pos++
			return append(dst, ']')
		}
		for {
			p.ws()
			dst = p.appendValue(dst)
			p.ws()
			c := p.data[p.pos]
			p.pos++
			if c == ']' {
				return append(dst, ']')
			}
			dst = append(dst, ',')
		}
	case 't':
		p.pos += len("true")
		return append(dst, "true"...)
	case 'f':
		p.pos += len("false")
		return append(dst, "false"...)
	case 'n':
		p.pos += len("null")
		return append(dst, "null"...)
	default: // a number: its literal text is kept, like json.Number
		start := p.pos
		for p.pos < len(p.data) && isNumberByte(p.data[p.pos]) {
			p.pos++
		}
		return append(dst, p.data[start:p.pos]...)
	}
}

func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
