package wire

import (
	"bytes"
	"cmp"
	"encoding/json"
	"strconv"
)

// MaxBatch is the most packets one frame may hold. The specification sets
// no limit; this one keeps a hostile frame of "{}," repeated from costing
// forty times its size in Packets.
const MaxBatch = 1024

// DecodeFrame parses a frame holding one packet (a JSON object) or a batch
// (a JSON array of packet objects; batched reports which).
//
// A non-nil error is a 4000 error about the whole frame (not JSON, not an
// object or array, too many packets): answer it with ErrorReply(0, err).
// Otherwise each packet that cannot be used carries its own error in
// Packet.Err (4002 unknown type, 4004 params not an object, 4000 malformed
// id...), with its ID set when the id could be read.
//
// Decoding is lenient where the official SDKs differ: seq, discard, params
// and id may be missing (zero values), null counts as missing, ids and seq
// may be numeric strings, and unknown fields (etag...) are ignored. Params
// and Result alias data.
func DecodeFrame(data []byte) (packets []Packet, batched bool, err *Error) {
	return AppendPackets(nil, data)
}

// AppendPackets is DecodeFrame appending to dst, so a reader can reuse one
// slice across frames.
func AppendPackets(dst []Packet, data []byte) (packets []Packet, batched bool, err *Error) {
	orig := len(dst)
	s := scanner{data: data}
	switch s.peek() {
	case '{':
		var p Packet
		if !decodePacket(&s, &p) {
			return dst, false, ParseError("the frame is not valid JSON")
		}
		dst = append(dst, p)
	case '[':
		batched = true
		s.enter()
		if !s.consume(']') {
			for n := 0; ; n++ {
				if n == MaxBatch {
					return dst[:orig], true, ParseError("a batch holds more than " + strconv.Itoa(MaxBatch) + " packets")
				}
				var p Packet
				if s.peek() == '{' {
					if !decodePacket(&s, &p) {
						return dst[:orig], true, ParseError("the frame is not valid JSON")
					}
				} else {
					if !s.value() {
						return dst[:orig], true, ParseError("the frame is not valid JSON")
					}
					p.Err = ParseError("a batch element is not a packet object")
				}
				dst = append(dst, p)
				if s.consume(',') {
					continue
				}
				if !s.consume(']') {
					return dst[:orig], true, ParseError("the frame is not valid JSON")
				}
				break
			}
		}
	default:
		if !validJSON(data) {
			return dst, false, ParseError("the frame is not valid JSON")
		}
		return dst, false, ParseError("the frame is not a packet object or an array of packets")
	}
	s.skipSpace()
	if s.pos != len(data) {
		return dst[:orig], batched, ParseError("the frame is not valid JSON")
	}
	return dst, batched, nil
}

// decodePacket reads the object at s.pos into p, validating it; false means
// the frame is not JSON.
func decodePacket(s *scanner, p *Packet) bool {
	var (
		typ, idErr                              *Error
		methodErr, errorErr, discardErr, seqErr *Error // each matters to one kind only
		hasType                                 bool
		rawType                                 []byte
		paramsKind                              byte
	)
	valid := s.members(func(key, val []byte) {
		if isNull(val) {
			return
		}
		switch string(keyBytes(key)) {
		case "id":
			id, ok := parseInt(val, 0, 1<<32-1)
			idErr = nil
			if !ok {
				idErr = &Error{Code: CodeParse, Message: "Error parsing payload as JSON: id must be an unsigned 32-bit integer.", Path: "id"}
			}
			p.ID = uint32(id)
		case "type":
			hasType, rawType = true, val
		case "method":
			if val[0] != '"' {
				methodErr = &Error{Code: CodeUnknownMethod, Message: "The method name must be a string.", Path: "method"}
				return
			}
			p.Method, methodErr = methodName(val), nil
		case "params":
			p.Params = json.RawMessage(val)
			paramsKind = val[0]
		case "result":
			p.Result = json.RawMessage(val)
		case "error":
			e, ok := decodeError(val)
			errorErr = nil
			if !ok {
				errorErr = &Error{Code: CodeParse, Message: "Error parsing payload as JSON: error must be an object with an integer code.", Path: "error"}
			}
			p.Error = e
		case "discard":
			discardErr = nil
			switch string(val) {
			case "true":
				p.Discard = true
			case "false":
				p.Discard = false
			default:
				discardErr = BadArguments("discard must be a boolean", "discard")
			}
		case "seq":
			seq, ok := parseInt(val, -1<<31, 1<<31-1)
			seqErr = nil
			if !ok {
				seqErr = BadArguments("seq must be a signed 32-bit integer", "seq")
			}
			p.Seq = int32(seq)
		}
	})
	if !valid {
		return false
	}

	switch {
	case !hasType:
		typ = &Error{Code: CodeUnknownPacketType, Message: "The packet has no type.", Path: "type"}
	case bytes.Equal(rawType, []byte(`"method"`)):
		p.Type = TypeMethod
	case bytes.Equal(rawType, []byte(`"reply"`)):
		p.Type = TypeReply
	default:
		t := string(rawType)
		if rawType[0] == '"' {
			t = unquote(rawType)
		}
		switch t {
		case TypeMethod, TypeReply: // spelled with escapes
			p.Type = t
		default:
			typ = UnknownPacketType(t)
		}
	}
	// One error per packet, the most basic first; a duplicate key's last
	// value decides, as in encoding/json.
	var fieldErr *Error
	switch p.Type {
	case TypeMethod:
		fieldErr = cmp.Or(methodErr, discardErr, seqErr)
		if fieldErr == nil && paramsKind != 0 && paramsKind != '{' {
			fieldErr = BadArguments("params must be an object of named arguments, not "+kindName(paramsKind), "params")
		}
	case TypeReply:
		fieldErr = cmp.Or(errorErr, seqErr)
	}
	p.Err = cmp.Or(idErr, typ, fieldErr)
	// Keep only the fields of the packet's kind, as AppendJSON writes them.
	switch p.Type {
	case TypeMethod:
		p.Result, p.Error = nil, nil
	case TypeReply:
		p.Method, p.Params, p.Discard = "", nil, false
	}
	return true
}

// decodeError reads a reply's error object (already validated).
func decodeError(val []byte) (*Error, bool) {
	if val[0] != '{' {
		return nil, false
	}
	s := scanner{data: val}
	e := &Error{}
	hasCode, badCode := false, false
	s.members(func(key, v []byte) {
		switch string(keyBytes(key)) {
		case "code":
			c, ok := parseInt(v, -1<<31, 1<<31-1)
			badCode = badCode || !ok
			e.Code, hasCode = int(c), true
		case "message":
			if v[0] == '"' {
				e.Message = unquote(v)
			}
		case "path":
			if v[0] == '"' {
				e.Path = unquote(v)
			}
		}
	})
	return e, hasCode && !badCode
}

func isNull(v []byte) bool { return len(v) == 4 && v[0] == 'n' }

func kindName(b byte) string {
	switch b {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// keyBytes returns an object key without its quotes, decoding escapes
// only when there are some (real keys have none, and a switch on
// string(keyBytes(k)) then costs no allocation).
func keyBytes(raw []byte) []byte {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	return []byte(unquote(raw))
}

// unquote decodes a JSON string token. The token is known to be valid.
func unquote(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(raw, &s) // cannot fail on a valid token
	return s
}

// parseInt reads an integer in [lo, hi] from a JSON number or a string
// holding one (some clients send ids as strings). Fractions and exponents
// are refused: the protocol's ids and seq are integers.
func parseInt(v []byte, lo, hi int64) (int64, bool) {
	if v[0] == '"' {
		v = v[1 : len(v)-1]
	}
	neg := false
	if len(v) > 0 && v[0] == '-' {
		neg, v = true, v[1:]
	}
	if len(v) == 0 || len(v) > 19 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, n >= lo && n <= hi
}
