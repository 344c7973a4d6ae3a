package wire

import (
	"encoding/json"
	"strconv"
)

// Packet types.
const (
	TypeMethod = "method"
	TypeReply  = "reply"
)

// Packet is one method or reply packet.
//
// A method uses ID, Method, Params, Discard and Seq; a reply uses ID,
// Result, Error and Seq. Params and Result hold raw JSON and are written
// verbatim, so they must be valid JSON (nil is written as null). Packets
// returned by DecodeFrame alias the frame's bytes in Params and Result.
type Packet struct {
	ID      uint32
	Type    string // TypeMethod or TypeReply
	Method  string
	Params  json.RawMessage // an object or nil
	Result  json.RawMessage
	Error   *Error // nil on success
	Discard bool
	Seq     int32

	// Err is set by DecodeFrame on a packet of a frame that cannot be used
	// (unknown type, params not an object, a malformed id...). ID holds the
	// packet's id when it could be read, so the receiver can answer with
	// ErrorReply(p.ID, p.Err). It is never written.
	Err *Error
}

// Method builds a method packet.
func Method(id uint32, method string, params json.RawMessage, discard bool) Packet {
	return Packet{ID: id, Type: TypeMethod, Method: method, Params: params, Discard: discard}
}

// Reply builds a successful reply. A nil result is written as null.
func Reply(id uint32, result json.RawMessage) Packet {
	return Packet{ID: id, Type: TypeReply, Result: result}
}

// ErrorReply builds a reply carrying e. As the specification requires, a
// 4000 (unparsable payload) reply always has id 0.
func ErrorReply(id uint32, e *Error) Packet {
	if e != nil && e.Code == CodeParse {
		id = 0
	}
	return Packet{ID: id, Type: TypeReply, Error: e}
}

// AppendJSON appends the packet's JSON to dst with the fields in the order
// id, type, method, params, result, error, discard, seq, which the Unity SDK's
// streaming parser depends on. A method carries id, type, method, params
// (null when nil), discard and seq; any other packet is written as a reply
// with id, type, result (null when nil or on error), error (null on success)
// and seq. Seq is always written (the server numbers every packet it sends;
// clients echo the last seq they saw), and so is discard on methods.
func (p *Packet) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendUint(dst, uint64(p.ID), 10)
	if p.Type == TypeMethod {
		dst = append(dst, `,"type":"method","method":`...)
		dst = AppendString(dst, p.Method)
		dst = append(dst, `,"params":`...)
		dst = appendRaw(dst, p.Params)
		dst = append(dst, `,"discard":`...)
		dst = strconv.AppendBool(dst, p.Discard)
	} else {
		dst = append(dst, `,"type":`...)
		if p.Type == "" || p.Type == TypeReply {
			dst = append(dst, `"reply"`...)
		} else {
			dst = AppendString(dst, p.Type)
		}
		dst = append(dst, `,"result":`...)
		if p.Error != nil {
			dst = append(dst, "null"...)
		} else {
			dst = appendRaw(dst, p.Result)
		}
		dst = append(dst, `,"error":`...)
		dst = p.Error.AppendJSON(dst)
	}
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, int64(p.Seq), 10)
	return append(dst, '}')
}

// MarshalJSON implements json.Marshaler with AppendJSON's layout.
func (p Packet) MarshalJSON() ([]byte, error) { return p.AppendJSON(nil), nil }

// AppendBatch appends packets as one JSON array frame. Only peers that opted
// in may receive batches: the official SDKs break on arrays.
func AppendBatch(dst []byte, packets []Packet) []byte {
	dst = append(dst, '[')
	for i := range packets {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = packets[i].AppendJSON(dst)
	}
	return append(dst, ']')
}

// AppendJSON appends the error object {"code","message","path"} to dst, or
// null for a nil Error. Path is left out when empty.
func (e *Error) AppendJSON(dst []byte) []byte {
	if e == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(e.Code), 10)
	dst = append(dst, `,"message":`...)
	dst = AppendString(dst, e.Message)
	if e.Path != "" {
		dst = append(dst, `,"path":`...)
		dst = AppendString(dst, e.Path)
	}
	return append(dst, '}')
}

func appendRaw(dst []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(dst, "null"...)
	}
	return append(dst, raw...)
}
