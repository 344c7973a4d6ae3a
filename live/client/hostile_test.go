package client

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// A server that sends garbage: the client answers what the protocol says
// (4000 with id 0, 4002/4004 with the packet's id), counts it, and goes on.
func TestHostileFramesAreSurvived(t *testing.T) {
	noLeaks(t)
	garbage := []string{
		`not json at all`,
		`[1,2,3]`,
		`"a string"`,
		`{"type":"weird","id":5}`,
		`{"type":"method","id":6,"method":"giveInput","params":[1,2]}`,
		`{"type":"method","id":4294967296,"method":"x"}`,
		`{"type":"reply","id":12345,"result":{"stale":true},"error":null}`,
		`{"type":"reply","id":0,"error":{"code":4000,"message":"you sent garbage"}}`,
		`{"type":"reply","id":99,"error":"not an object"}`,
		`[]`,
		`[` + strings.Repeat(`{"type":"reply","id":1},`, wire.MaxBatch) + `{"type":"reply","id":1}]`,
		`{"type":"method","id":7,"method":"onParticipantJoin","params":{"participants":"nope"},"discard":true}`,
	}
	f := newFakeServer(t, func(s *session) {
		s.hello()
		for _, g := range garbage {
			s.ws.WriteMessage(websocket.TextMessage, []byte(g))
		}
		s.serve(nil)
	})
	cfg := testConfig(f.addr())
	cfg.Compression = []string{}
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The junk participants event still reaches the consumer; decoding
	// it gives a clear error instead of a panic or zero values.
	e := nextEvent(t, c, "onParticipantJoin")
	if _, err := e.Participants(); err == nil || !strings.Contains(err.Error(), "onParticipantJoin") {
		t.Errorf("decode error %v", err)
	}
	if _, err := c.GetTime(ctxT(t)); err != nil {
		t.Fatalf("client did not survive: %v", err)
	}
	st := c.Stats()
	if st.BadPackets < 7 || st.UnknownReplies < 2 {
		t.Errorf("stats %+v", st)
	}
	if c.Status().State != Live {
		t.Errorf("status %v", c.Status())
	}
	s := f.session(0)
	replies := map[uint32]*wire.Error{}
	zeroCodes := 0
	for len(s.got) > 0 {
		p := <-s.got
		if p.Type != wire.TypeReply || p.Error == nil {
			continue
		}
		if p.ID == 0 {
			zeroCodes++
			if p.Error.Code != wire.CodeParse {
				t.Errorf("id-0 reply with code %d", p.Error.Code)
			}
		}
		replies[p.ID] = p.Error
	}
	if zeroCodes < 4 {
		t.Errorf("want 4000 replies for the unparsable frames, got %d", zeroCodes)
	}
	if e := replies[5]; e == nil || e.Code != wire.CodeUnknownPacketType {
		t.Errorf("reply to unknown type: %+v", e)
	}
	if e := replies[6]; e == nil || e.Code != wire.CodeBadArguments {
		t.Errorf("reply to array params: %+v", e)
	}
}

// Frames over the cap and compressed garbage end the connection (the
// stream cannot be trusted after them); the client reconnects.
func TestOversizedAndCorruptFramesReconnect(t *testing.T) {
	cases := map[string]func(s *session){
		"oversized": func(s *session) {
			s.ws.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("x"), 4096))
		},
		"corrupt lz4": func(s *session) {
			// Mid-stream garbage after a good compressed frame.
			s.method("onReady", map[string]bool{"isReady": true}, true)
			s.ws.WriteMessage(websocket.BinaryMessage, []byte{10, 0xde, 0xad, 0xbe, 0xef})
		},
	}
	for name, attack := range cases {
		t.Run(name, func(t *testing.T) {
			noLeaks(t)
			var mu sync.Mutex
			n := 0
			closes := make(chan int, 4)
			f := newFakeServer(t, func(s *session) {
				mu.Lock()
				n++
				first := n == 1
				mu.Unlock()
				s.hello()
				if !first {
					s.serve(nil)
					return
				}
				// Attack once the client is live and asks for its scenes.
				s.serve(map[string]handler{"getScenes": func(s *session, p wire.Packet) (any, *wire.Error, bool) {
					attack(s)
					for {
						if _, _, err := s.ws.ReadMessage(); err != nil {
							if ce, ok := err.(*websocket.CloseError); ok {
								closes <- ce.Code
							}
							return nil, nil, true
						}
					}
				}})
			})
			cfg := testConfig(f.addr())
			cfg.MaxFrameBytes = 1024
			cfg.Compression = []string{"lz4"}
			c, err := Dial(ctxT(t), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.GetScenes(ctxT(t)); !errors.Is(err, ErrConnectionLost) {
				t.Errorf("call during the attack: %v", err)
			}
			waitFor(t, c, "live on the second session", func(s Status) bool {
				return s.State == Live && c.Stats().Reconnects == 1
			})
			if _, err := c.GetTime(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"oversized": websocket.CloseMessageTooBig, "corrupt lz4": wire.CodeDecompress}[name]
			select {
			case code := <-closes:
				if code != want {
					t.Errorf("client closed with %d, want %d", code, want)
				}
			default:
				t.Errorf("server saw no close frame")
			}
		})
	}
}
