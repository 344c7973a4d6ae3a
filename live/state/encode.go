package state

import (
	"encoding/json"
	"unicode/utf8"
)

// AppendJSON appends the object's JSON encoding (deleted keys left out) to
// dst. A nil Object encodes as null.
func (o *Object) AppendJSON(dst []byte) []byte {
	if o == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	first := true
	for i := range o.members {
		m := &o.members[i]
		if m.deleted() {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, m.key)
		dst = append(dst, ':')
		if m.obj != nil {
			dst = m.obj.AppendJSON(dst)
		} else {
			dst = append(dst, m.raw...)
		}
	}
	return append(dst, '}')
}

// MarshalJSON implements json.Marshaler.
func (o *Object) MarshalJSON() ([]byte, error) {
	return o.AppendJSON(nil), nil
}

// htmlSafe reports the ASCII bytes json.Marshal writes unescaped.
func htmlSafe(b byte) bool {
	return b >= 0x20 && b < utf8.RuneSelf && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
}

// appendCanonicalString appends the string token tok (quotes included,
// valid JSON) as json.Marshal would encode its decoded value.
func appendCanonicalString(dst, tok []byte) []byte {
	body := tok[1 : len(tok)-1]
	plain := true
	for _, b := range body {
		if !htmlSafe(b) {
			plain = false
			break
		}
	}
	if plain {
		return append(dst, tok...)
	}
	if !hasByte(body, '\\') && utf8.Valid(body) {
		return appendString(dst, body)
	}
	var s string
	_ = json.Unmarshal(tok, &s) // valid by json.Valid; invalid UTF-8 becomes U+FFFD
	return appendString(dst, s)
}

const hexDigits = "0123456789abcdef"

// appendString encodes s exactly as json.Marshal does (HTML escaping on).
func appendString[S []byte | string](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if htmlSafe(b) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other control bytes and <, >, &
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(s)-i, utf8.UTFMax)
		r, size := utf8.DecodeRuneInString(string(s[i : i+n]))
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but they end lines in JavaScript source.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
