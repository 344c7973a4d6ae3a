package state

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/mixstudio/mixstudio/live/wire"
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
		dst = wire.AppendString(dst, m.key)
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
		return wire.AppendString(dst, body)
	}
	var s string
	_ = json.Unmarshal(tok, &s) // valid by json.Valid; invalid UTF-8 becomes U+FFFD
	return wire.AppendString(dst, s)
}
