package mediator

import (
	"reflect"
	"testing"
)

func TestBusMessagesRoundTrip(t *testing.T) {
	outs := []*outMsg{
		{kind: outHello, node: "a", epoch: 7, n: 1},
		{kind: outFrame, node: "a", epoch: 7, n: 2, frame: []byte(`{"type":"method"}`),
			targets: []target{{edge: "b", all: true}, {edge: "c", slots: []uint64{1, 300, 1 << 40}}}},
		{kind: outJoined, node: "a", epoch: 7, n: 3, edge: "b", slot: 9, sessionID: "s-1"},
		{kind: outClose, node: "a", epoch: 7, n: 4, edge: "c", slot: 2, code: 4025, reason: "replaced"},
		{kind: outEnded, node: "a", epoch: 7, n: 5, code: 1012, reason: "restart"},
	}
	for _, m := range outs {
		got, err := decodeOut(m.append(nil))
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
		}
	}
	ins := []*inMsg{
		{kind: inHello, edge: "b"},
		{kind: inReset, edge: "b"},
		{kind: inJoin, edge: "b", slot: 3, token: "key", viewerID: "v"},
		{kind: inLeave, edge: "c", slot: 3},
		{kind: inPacket, edge: "c", slot: 4, frame: []byte(`{"method":"giveInput"}`)},
	}
	for _, m := range ins {
		got, err := decodeIn(m.append(nil))
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
		}
	}
}

func TestBusMessagesRefuseTruncationAndTrailingBytes(t *testing.T) {
	b := (&outMsg{kind: outJoined, node: "a", epoch: 1, n: 1, edge: "b", slot: 2, sessionID: "s"}).append(nil)
	for i := range len(b) {
		if _, err := decodeOut(b[:i]); err == nil {
			t.Fatalf("decoded %d of %d bytes", i, len(b))
		}
	}
	if _, err := decodeOut(append(b, 0)); err == nil {
		t.Fatal("decoded a message with a trailing byte")
	}
	// A frame message without its frame is not a message.
	if _, err := decodeOut((&outMsg{kind: outFrame, node: "a", targets: []target{{edge: "b", all: true}}}).append(nil)); err == nil {
		t.Fatal("decoded a frame message without a frame")
	}
}

// FuzzBusMessages: any bytes decode or are refused without panicking, and
// what decodes encodes to a message that decodes the same.
func FuzzBusMessages(f *testing.F) {
	f.Add((&outMsg{kind: outFrame, node: "a", epoch: 1, n: 2, frame: []byte("{}"), targets: []target{{edge: "b", slots: []uint64{1, 2}}}}).append(nil))
	f.Add((&outMsg{kind: outClose, node: "a", epoch: 1, n: 2, edge: "b", slot: 1, code: 4025, reason: "x"}).append(nil))
	f.Add((&inMsg{kind: inJoin, edge: "b", slot: 1, token: "k"}).append(nil))
	f.Add((&inMsg{kind: inPacket, edge: "b", slot: 1, frame: []byte("{}")}).append(nil))
	f.Add([]byte{2, 200, 200, 200, 200, 200, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := decodeOut(b); err == nil {
			again, err := decodeOut(m.append(nil))
			if err != nil || !reflect.DeepEqual(again, m) {
				t.Fatalf("out %x: %+v re-decodes as %+v (%v)", b, m, again, err)
			}
		}
		if m, err := decodeIn(b); err == nil {
			again, err := decodeIn(m.append(nil))
			if err != nil || !reflect.DeepEqual(again, m) {
				t.Fatalf("in %x: %+v re-decodes as %+v (%v)", b, m, again, err)
			}
		}
	})
}
