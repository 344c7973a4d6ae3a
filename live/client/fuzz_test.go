package client

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mixstudio/mixstudio/live/wire"
)

// fuzzConn is a connection without a socket: enough to run the packet
// handling that the read loop does for every frame.
func fuzzConn(t testing.TB) *conn {
	cfg, err := Config{Hosts: []string{"ws://x"}, Logger: quietLogger(), EventBuffer: 64}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	cl := &Client{cfg: cfg, log: cfg.Logger, events: make(chan Event, cfg.EventBuffer), changed: make(chan struct{})}
	c := &conn{
		cl:       cl,
		pending:  map[uint32]*pendingCall{},
		out:      make(chan outFrame, 64),
		hello:    make(chan struct{}),
		switched: make(chan schemeSwitch, 1),
		done:     make(chan struct{}),
	}
	c.scheme.Store(wire.None)
	c.pending[1] = &pendingCall{method: "getScenes", reply: make(chan callResult, 1)}
	c.pending[2] = &pendingCall{method: "setCompression", reply: make(chan callResult, 1)}
	c.compressID = 2
	return c
}

// FuzzHandleFrame feeds arbitrary frames to the client's packet handling:
// it must not panic or block, every reply it queues must be valid JSON
// (written in the field order the SDKs need), and the event helpers must
// cope with whatever params arrived.
func FuzzHandleFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"method","id":1,"method":"hello","params":null,"discard":true,"seq":1}`,
		`{"type":"reply","id":1,"result":{"scenes":[{"sceneID":"a","controls":[{"controlID":"b","kind":"button"}]}]},"error":null,"seq":2}`,
		`{"type":"reply","id":2,"result":{"scheme":"gzip"},"error":null}`,
		`{"type":"reply","id":2,"result":{"scheme":"brotli"},"error":null}`,
		`{"type":"reply","id":1,"result":null,"error":{"code":4010,"message":"m","path":"p"}}`,
		`{"type":"method","id":9,"method":"giveInput","params":{"participantID":"p","transactionID":5,"input":{"controlID":"c","event":"move","x":1,"y":0}}}`,
		`[{"type":"method","id":3,"method":"onParticipantJoin","params":{"participants":[{"sessionID":"s","userID":1}]}},{"type":"reply","id":77}]`,
		`{"type":"method","id":4,"method":"onControlUpdate","params":{"sceneID":"s","controls":[{"controlID":"x","glow":{"r":1}}]}}`,
		`{"type":"method","id":"12","method":"onGroupDelete","params":{"groupID":"g","reassignGroupID":"default"},"seq":"7"}`,
		`{"type":"method","id":5,"method":"issueMemoryWarning","params":{"usedBytes":1,"totalBytes":2,"resources":[]}}`,
		`{"type":42}`,
		`garbage`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		c := fuzzConn(t)
		packets, _, ferr := wire.DecodeFrame(frame)
		if ferr != nil {
			c.sendReply(wire.ErrorReply(0, ferr))
		}
		for i := range packets {
			c.handle(&packets[i])
			select {
			case <-c.switched: // the writer's side of setCompression
			default:
			}
		}
		for len(c.out) > 0 {
			out := <-c.out
			if !json.Valid(out.data) || !bytes.HasPrefix(out.data, []byte(`{"id":`)) {
				t.Fatalf("queued an invalid reply: %s", out.data)
			}
		}
		for len(c.cl.events) > 0 {
			e := <-c.cl.events
			e.Input()
			e.Participants()
			e.Groups()
			e.Scenes()
			e.Controls()
			e.Deletion()
			e.Ready()
			e.MemoryStats()
		}
		for _, p := range c.pending {
			select {
			case r := <-p.reply:
				_ = r
			default:
			}
		}
	})
}

// FuzzObjects checks that the protocol objects keep whatever properties
// they are given: decode, encode, decode again gives the same encoding.
func FuzzObjects(f *testing.F) {
	f.Add([]byte(`{"sceneID":"s","controls":[{"controlID":"c","kind":"button","text":"t","position":[{"size":"large","x":1}]}],"custom":{"a":[1,2]}}`))
	f.Add([]byte(`{"groupID":"g","sceneID":"s","meta":null}`))
	f.Add([]byte(`{"sessionID":"s","userID":3,"anonymous":false,"score":9.5}`))
	f.Add([]byte(`{"controlID":"\u003c","kind":"","x":"\ud800"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data, &Scene{}, &Scene{})
		roundTrip(t, data, &Control{}, &Control{})
		roundTrip(t, data, &Group{}, &Group{})
		roundTrip(t, data, &Participant{}, &Participant{})
		var p Participant
		if json.Unmarshal(data, &p) == nil {
			for k := range p.Props {
				for _, named := range participantFields {
					if k == named {
						t.Fatalf("named field %q left in Props", k)
					}
				}
			}
		}
	})
}

func roundTrip[T any](t *testing.T, data []byte, first, second *T) {
	if json.Unmarshal(data, first) != nil {
		return
	}
	enc, err := json.Marshal(first)
	if err != nil {
		return // a property that is not valid JSON cannot arrive from a decoder
	}
	if err := json.Unmarshal(enc, second); err != nil {
		t.Fatalf("re-decode %s: %v", enc, err)
	}
	enc2, err := json.Marshal(second)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("not stable:\n%s\n%s (%v)", enc, enc2, err)
	}
}

// FuzzMergePatch: the result is always valid JSON, and applying the same
// patch twice changes nothing more (RFC 7396 patches are idempotent).
func FuzzMergePatch(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":{"c":2}}`), []byte(`{"b":{"c":null,"d":[1]},"e":"x"}`))
	f.Add([]byte(`[1]`), []byte(`{"a":null}`))
	f.Add([]byte(`{}`), []byte(`"replace"`))
	f.Fuzz(func(t *testing.T, target, patch []byte) {
		if !json.Valid(target) || !json.Valid(patch) {
			return
		}
		once := mergePatch(target, patch)
		if !json.Valid(once) {
			t.Fatalf("invalid result %s", once)
		}
		twice := mergePatch(once, patch)
		var a, b any
		json.Unmarshal(once, &a)
		json.Unmarshal(twice, &b)
		ea, _ := json.Marshal(a)
		eb, _ := json.Marshal(b)
		if !bytes.Equal(ea, eb) {
			t.Fatalf("not idempotent: %s then %s", once, twice)
		}
	})
}
