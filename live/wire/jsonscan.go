package wire

// maxDepth is encoding/json's nesting limit, so the two agree on what is
// valid.
const maxDepth = 10000

// scanner validates JSON (RFC 8259, exactly as encoding/json.Valid judges
// it: strings may hold invalid UTF-8, nesting stops at 10000) while the
// packet reader walks it, so a frame is read once. Every method returns
// false on invalid input and never reads out of bounds.
type scanner struct {
	data  []byte
	pos   int
	depth int
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after whitespace, or 0 at the end.
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// consume moves past c if it is the next byte after whitespace.
func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

// value validates the value at s.pos (after whitespace) and moves past it.
func (s *scanner) value() bool {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return false
}

func (s *scanner) enter() bool {
	s.depth++
	s.pos++
	return s.depth <= maxDepth
}

func (s *scanner) object() bool { return s.members(func(_, _ []byte) {}) }

func (s *scanner) array() bool {
	if !s.enter() {
		return false
	}
	if s.consume(']') {
		s.depth--
		return true
	}
	for {
		if !s.value() {
			return false
		}
		if s.consume(',') {
			continue
		}
		s.depth--
		return s.consume(']')
	}
}

// members validates the object at s.pos and calls fn with each member's
// key (the string token, quotes included) and value, in order.
func (s *scanner) members(fn func(key, val []byte)) bool {
	if !s.enter() {
		return false
	}
	if s.consume('}') {
		s.depth--
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		k := s.pos
		if !s.str() {
			return false
		}
		key := s.data[k:s.pos]
		if !s.consume(':') {
			return false
		}
		s.skipSpace()
		v := s.pos
		if !s.value() {
			return false
		}
		fn(key, s.data[v:s.pos])
		if s.consume(',') {
			continue
		}
		s.depth--
		return s.consume('}')
	}
}

func (s *scanner) literal(word string) bool {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return false
	}
	s.pos += len(word)
	return true
}

// str validates the string at s.pos, which starts with '"'.
func (s *scanner) str() bool {
	s.pos++
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.pos+1 >= len(s.data) {
				return false
			}
			switch s.data[s.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos += 2
			case 'u':
				if len(s.data)-s.pos < 6 {
					return false
				}
				for _, h := range s.data[s.pos+2 : s.pos+6] {
					if !isHex(h) {
						return false
					}
				}
				s.pos += 6
			default:
				return false
			}
		default:
			s.pos++
		}
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// number validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	if s.data[s.pos] == '-' {
		s.pos++
	}
	if s.pos >= len(s.data) {
		return false
	}
	if s.data[s.pos] == '0' {
		s.pos++
	} else if !s.digits() {
		return false
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if !s.digits() {
			return false
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits moves past one or more decimal digits.
func (s *scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos > start
}

// validJSON reports whether data is one JSON value with only whitespace
// around it.
func validJSON(data []byte) bool {
	s := scanner{data: data}
	if !s.value() {
		return false
	}
	s.skipSpace()
	return s.pos == len(data)
}
