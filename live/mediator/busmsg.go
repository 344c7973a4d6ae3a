package mediator

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// The messages a channel's home and its edges exchange on the bus
// (docs/scaling.md). Two subjects per channel:
//
//   - mix.<channel>.out: home → every edge. Each message is numbered (n)
//     within the home session's epoch, so an edge sees a gap. A frame is
//     encoded once at home and published once, with the participants it
//     is for on each edge (all of them, or a list of slots).
//   - mix.<channel>.in: edges → home, in the order each edge saw its
//     participants: a join before that participant's input, input before
//     its leave.
//
// The encoding is binary (uvarints and length-prefixed strings): it is
// read once per message per edge and never by a client.

func outSubject(channelID int64) string { return "mix." + strconv.FormatInt(channelID, 10) + ".out" }

func inSubject(channelID int64) string { return "mix." + strconv.FormatInt(channelID, 10) + ".in" }

// Kinds of out messages.
const (
	outHello  byte = 1 + iota // a home session is active: edges (re)announce their participants
	outFrame                  // a packet for some participants
	outJoined                 // a join was accepted: the slot's session ID
	outClose                  // close one participant's socket (refused join, kick, replaced)
	outEnded                  // the session ended: close every participant, or keep them (1012)
)

// Kinds of in messages.
const (
	inHello  byte = 1 + iota // an edge asks the home to say outHello (it starts, or lost messages)
	inReset                  // forget every participant of this edge: it announces them again
	inJoin                   // a participant's socket opened on the edge
	inLeave                  // it closed
	inPacket                 // it sent a method (giveInput already checked at the edge)
)

// outMsg is one message on mix.<channel>.out.
type outMsg struct {
	kind  byte
	node  string // the home node
	epoch uint64 // the home session
	n     uint64 // 1, 2, ... within the epoch

	targets []target // outFrame
	frame   []byte   // outFrame: aliases the message

	edge      string // outJoined, outClose
	slot      uint64
	sessionID string // outJoined
	code      int    // outClose, outEnded
	reason    string
}

// target is the participants of one edge a frame is for: every one the
// home holds of that edge (all), or the slots listed.
type target struct {
	edge  string
	all   bool
	slots []uint64
}

// inMsg is one message on mix.<channel>.in.
type inMsg struct {
	kind     byte
	edge     string
	slot     uint64
	token    string // inJoin: the participant's key, checked at home
	viewerID string // inJoin: an anonymous viewer's browser
	frame    []byte // inPacket: aliases the message
}

var errBusMsg = errors.New("mediator: malformed bus message")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (m *outMsg) appendHeader(b []byte) []byte {
	b = append(b, m.kind)
	b = appendString(b, m.node)
	b = binary.AppendUvarint(b, m.epoch)
	return binary.AppendUvarint(b, m.n)
}

// append encodes m; a frame's bytes go last, so that the reader aliases
// them instead of copying.
func (m *outMsg) append(b []byte) []byte {
	b = m.appendHeader(b)
	switch m.kind {
	case outFrame:
		b = binary.AppendUvarint(b, uint64(len(m.targets)))
		for _, t := range m.targets {
			b = appendString(b, t.edge)
			if t.all {
				b = binary.AppendUvarint(b, 0)
				continue
			}
			b = binary.AppendUvarint(b, uint64(len(t.slots)))
			for _, s := range t.slots {
				b = binary.AppendUvarint(b, s)
			}
		}
		b = append(b, m.frame...)
	case outJoined:
		b = appendString(b, m.edge)
		b = binary.AppendUvarint(b, m.slot)
		b = appendString(b, m.sessionID)
	case outClose:
		b = appendString(b, m.edge)
		b = binary.AppendUvarint(b, m.slot)
		b = binary.AppendUvarint(b, uint64(m.code))
		b = appendString(b, m.reason)
	case outEnded:
		b = binary.AppendUvarint(b, uint64(m.code))
		b = appendString(b, m.reason)
	}
	return b
}

func (m *inMsg) append(b []byte) []byte {
	b = append(b, m.kind)
	b = appendString(b, m.edge)
	switch m.kind {
	case inJoin:
		b = binary.AppendUvarint(b, m.slot)
		b = appendString(b, m.token)
		b = appendString(b, m.viewerID)
	case inLeave:
		b = binary.AppendUvarint(b, m.slot)
	case inPacket:
		b = binary.AppendUvarint(b, m.slot)
		b = append(b, m.frame...)
	}
	return b
}

// busReader reads the fields of one message; the first failure sticks.
type busReader struct {
	b   []byte
	bad bool
}

func (r *busReader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *busReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

// maxBusString bounds any string field (node ids, keys, close reasons).
const maxBusString = 4 << 10

func (r *busReader) string() string {
	n := r.uvarint()
	if n > maxBusString || n > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// rest is what is left: a frame, aliasing the message.
func (r *busReader) rest() []byte {
	b := r.b
	r.b = nil
	return b
}

func (r *busReader) done() bool { return !r.bad && len(r.b) == 0 }

func decodeOut(b []byte) (*outMsg, error) {
	r := &busReader{b: b}
	m := &outMsg{kind: r.byte(), node: r.string(), epoch: r.uvarint(), n: r.uvarint()}
	switch m.kind {
	case outHello:
	case outFrame:
		nt := r.uvarint()
		if nt > uint64(len(r.b)) { // every target takes at least a byte
			return nil, errBusMsg
		}
		m.targets = make([]target, 0, nt)
		for i := uint64(0); i < nt && !r.bad; i++ {
			t := target{edge: r.string()}
			ns := r.uvarint()
			if ns > uint64(len(r.b)) {
				return nil, errBusMsg
			}
			t.all = ns == 0
			for j := uint64(0); j < ns && !r.bad; j++ {
				t.slots = append(t.slots, r.uvarint())
			}
			m.targets = append(m.targets, t)
		}
		m.frame = r.rest()
		if len(m.frame) == 0 {
			return nil, errBusMsg
		}
	case outJoined:
		m.edge, m.slot, m.sessionID = r.string(), r.uvarint(), r.string()
	case outClose:
		m.edge, m.slot, m.code, m.reason = r.string(), r.uvarint(), int(r.uvarint()), r.string()
	case outEnded:
		m.code, m.reason = int(r.uvarint()), r.string()
	default:
		return nil, errBusMsg
	}
	if !r.done() {
		return nil, errBusMsg
	}
	return m, nil
}

func decodeIn(b []byte) (*inMsg, error) {
	r := &busReader{b: b}
	m := &inMsg{kind: r.byte(), edge: r.string()}
	switch m.kind {
	case inHello, inReset:
	case inJoin:
		m.slot, m.token, m.viewerID = r.uvarint(), r.string(), r.string()
	case inLeave:
		m.slot = r.uvarint()
	case inPacket:
		m.slot = r.uvarint()
		m.frame = r.rest()
		if len(m.frame) == 0 {
			return nil, errBusMsg
		}
	default:
		return nil, errBusMsg
	}
	if !r.done() || m.edge == "" {
		return nil, errBusMsg
	}
	return m, nil
}
