package mediator

import (
	"encoding/json"
	"fmt"

	"github.com/mixstudio/mixstudio/live/wire"
)

// Error is a protocol error: sent in a reply, or, for fatal ones, as the
// close frame's code and reason.
type Error = wire.Error

func perr(code int, path, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Path: path}
}

// appendMethod writes a method packet (fields in the order the Unity SDK
// needs; params nil is written as null, which hello needs).
func appendMethod(b []byte, id uint32, method string, params []byte, discard bool, seq uint32) []byte {
	p := wire.Method(id, method, json.RawMessage(params), discard)
	p.Seq = int32(seq)
	return p.AppendJSON(b)
}

// appendReply writes a reply packet; a 4000 error always carries id 0.
func appendReply(b []byte, id uint32, result []byte, e *Error, seq uint32) []byte {
	p := wire.Reply(id, json.RawMessage(result))
	if e != nil {
		p = wire.ErrorReply(id, e)
	}
	p.Seq = int32(seq)
	return p.AppendJSON(b)
}

// orderedStrings writes a JSON object of string members in the order
// given (the spec's order: token-streaming parsers such as Unity's read
// fields in sequence; a Go map would sort them).
func orderedStrings(kv ...string) []byte {
	b := []byte{'{'}
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = wire.AppendString(b, kv[i])
		b = append(b, ':')
		b = wire.AppendString(b, kv[i+1])
	}
	return append(b, '}')
}
