package mediator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/mediator/internal/transport"
	"github.com/mixstudio/mixstudio/live/wire"
)

func TestEnvelopeErrorsAndIDs(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	// Not JSON: 4000 with id 0.
	g.write([]byte(`{"type":"method",`))
	if r := g.reply(0); r.Error == nil || r.Error.Code != 4000 {
		t.Fatalf("bad JSON: %s", r.raw)
	}
	// Unknown packet type: 4002 with the id.
	g.write([]byte(`{"type":"shout","id":7,"method":"getTime"}`))
	if r := g.reply(7); r.Error == nil || r.Error.Code != 4002 {
		t.Fatalf("unknown type: %s", r.raw)
	}
	// Unknown method: 4003. Params not an object: 4004.
	if got := g.callErr("divide", map[string]any{}); got != 4003 {
		t.Fatalf("unknown method: %d", got)
	}
	g.write([]byte(`{"type":"method","id":9,"method":"getScenes","params":[1,2]}`))
	if r := g.reply(9); r.Error == nil || r.Error.Code != 4004 {
		t.Fatalf("array params: %s", r.raw)
	}
	// A uint32 id above 2^31 is echoed exactly; seq, discard and params may
	// be missing (Unity, Unreal), unknown fields ignored (etag).
	g.write([]byte(`{"type":"method","id":4294967295,"method":"getScenes","etag":"x"}`))
	r := g.reply(4294967295)
	if r.Error != nil || !strings.Contains(string(r.raw), `{"id":4294967295,"type":"reply","result":{"scenes":[`) {
		t.Fatalf("big id: %s", r.raw)
	}
	// Field order of a reply: id, type, result, error, seq.
	if !strings.HasPrefix(string(r.raw), `{"id":4294967295,"type":"reply","result":`) || !strings.Contains(string(r.raw), `,"error":null,"seq":`) {
		t.Fatalf("reply layout %s", r.raw)
	}
	// discard: a success is not answered, an error is.
	g.write([]byte(`{"type":"method","id":11,"method":"getTime","discard":true}`))
	g.write([]byte(`{"type":"method","id":12,"method":"nope","discard":true}`))
	if r := g.reply(12); r.Error == nil || r.Error.Code != 4003 {
		t.Fatalf("discarded error: %s", r.raw)
	}
	for _, m := range g.pending {
		if m.ID == 11 {
			t.Fatalf("discarded success was answered: %s", m.raw)
		}
	}
	// Replies from the client (to our discard methods) are ignored.
	g.write([]byte(`{"type":"reply","id":1,"result":null,"error":null}`))
	g.call("getTime", nil)
}

func TestSeqIncrementsOnEveryPacket(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	var last int32
	for range 5 {
		r := g.reply(g.send("getTime", nil))
		if r.Seq <= last {
			t.Fatalf("seq %d after %d", r.Seq, last)
		}
		last = r.Seq
	}
	s := e.m.sessionFor(e.streamer.ChannelID)
	s.mu.Lock()
	s.lastID = 1<<31 - 2
	a, b := s.nextID(), s.nextID()
	s.mu.Unlock()
	if a != 1<<31-1 || b != 1 {
		t.Fatalf("server ids %d, %d: must stay within int32", a, b)
	}
}

func TestParticipantsMayCallOnlyTheirMethods(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	p := e.participant("")
	for _, m := range []string{"createScenes", "ready", "updateParticipants", "broadcastEvent", "capture", "uploadFile", "getAllParticipants"} {
		if got := p.callErr(m, map[string]any{"scenes": []any{map[string]any{"sceneID": "evil"}}, "isReady": true, "scope": []string{"everyone"}}); got != 4003 {
			t.Errorf("participant %s: %d, want 4003", m, got)
		}
	}
	if n := len(decodeJSON[scenesJSON](t, g.call("getScenes", nil)).Scenes); n != 2 {
		t.Fatalf("a participant's createScenes ran: %d scenes", n)
	}
	g.none("onReady")
	// What they may do: getTime, getScenes (their own scene), setCompression.
	if r := p.call("getTime", nil); !strings.Contains(string(r), `"time":`) {
		t.Fatalf("getTime %s", r)
	}
	if sc := decodeJSON[scenesJSON](t, p.call("getScenes", nil)); len(sc.Scenes) != 1 || sc.Scenes[0].SceneID != "default" {
		t.Fatalf("participant getScenes %+v", sc)
	}
}

// compress switches c to scheme through setCompression and checks the
// uncompressed reply.
func (c *tclient) compress(params any, want wire.Scheme) {
	c.t.Helper()
	id := c.send("setCompression", params)
	textBefore := len(c.frames) - c.binaryFrames
	// The reply is plain text whatever was in use.
	r := c.reply(id)
	if string(r.Result) != `{"scheme":"`+string(want)+`"}` {
		c.t.Fatalf("setCompression %v: %s", params, r.raw)
	}
	if len(c.frames)-c.binaryFrames == textBefore {
		c.t.Fatal("the setCompression reply was not a text frame")
	}
	c.enc, c.dec = nil, wire.NewDecoder(want)
	if want.Binary() {
		c.enc = wire.NewEncoder(want)
	}
}

func TestCompressionSchemesEndToEnd(t *testing.T) {
	for _, scheme := range []wire.Scheme{wire.Gzip, wire.LZ4} {
		t.Run(string(scheme), func(t *testing.T) {
			e := newEnv(t, Options{})
			g := e.game()
			g.call("ready", map[string]any{"isReady": true})
			p := e.participant("")
			g.compress(map[string]any{"scheme": []string{"brotli", string(scheme), "gzip"}}, scheme)
			p.compress(map[string]any{"scheme": []string{string(scheme)}}, scheme)
			frames, binary := len(g.frames), g.binaryFrames
			// Both directions compressed: calls, events, and a big payload.
			big := strings.Repeat("spam ", 20000)
			g.call("createControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "big", "kind": "label", "text": big}}})
			if ev := p.expect("onControlCreate"); !strings.Contains(string(ev.Params), big) {
				t.Fatal("big control lost")
			}
			p.call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
			g.expect("giveInput")
			for range 20 {
				g.call("getTime", nil)
			}
			if len(g.frames)-frames != g.binaryFrames-binary || g.binaryFrames-binary < 20 {
				t.Fatalf("after switching: %d frames, %d binary", len(g.frames)-frames, g.binaryFrames-binary)
			}
			if p.binaryFrames == 0 {
				t.Fatal("participant got no compressed frames")
			}
			// Choosing the same scheme again resets both streams.
			g.compress(map[string]any{"scheme": []string{string(scheme)}}, scheme)
			g.call("getScenes", nil)
			// Back to text ("text" is another name for none).
			g.compress(map[string]any{"scheme": []string{"text"}}, wire.None)
			g.call("getTime", nil)
		})
	}
}

// Participants' compression streams share a budget: past it a viewer
// gets its next preference that fits, and a viewer who leaves or goes back
// to none frees its share. The game client is not counted.
func TestCompressionBudgetPicksTheNextChoice(t *testing.T) {
	budget := wire.Gzip.StreamCost() + wire.LZ4.StreamCost()
	e := newEnv(t, Options{CompressionBudget: budget})
	g := e.game()
	g.compress(map[string]any{"scheme": []string{"gzip"}}, wire.Gzip)
	gzipOrLZ4 := map[string]any{"scheme": []string{"gzip", "lz4"}}
	a := e.participant("")
	a.compress(gzipOrLZ4, wire.Gzip)
	b := e.participant("")
	b.compress(gzipOrLZ4, wire.LZ4) // gzip no longer fits
	c := e.participant("")
	c.compress(gzipOrLZ4, wire.None) // nothing fits
	if used := e.m.streams.used.Load(); used != budget {
		t.Fatalf("%d bytes charged, want %d", used, budget)
	}
	a.compress(map[string]any{"scheme": []string{"none"}}, wire.None)
	c.compress(gzipOrLZ4, wire.Gzip) // a's share is free again
	b.ws.Close()                     // leaving frees b's
	for deadline := time.Now().Add(5 * time.Second); e.m.streams.used.Load() != wire.Gzip.StreamCost(); {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still charged after b left", e.m.streams.used.Load())
		}
		time.Sleep(time.Millisecond)
	}
	d := e.participant("")
	d.compress(map[string]any{"scheme": []string{"lz4"}}, wire.LZ4)
	d.call("getTime", nil) // and the streams work
	if used := e.m.streams.used.Load(); used != budget {
		t.Fatalf("%d bytes charged, want %d", used, budget)
	}
}

func TestMalformedSetCompressionFallsBackToNone(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	for _, params := range []any{
		map[string]any{"params": []string{"gzip"}}, // the node SDK's request
		map[string]any{"scheme": 5},
		map[string]any{"scheme": []string{"zstd"}},
		nil,
	} {
		g.compress(params, wire.None)
	}
	g.call("getTime", nil)
}

func TestCorruptCompressedFrameCloses4001(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.compress(map[string]any{"scheme": []string{"gzip"}}, wire.Gzip)
	if err := g.ws.WriteMessage(websocket.BinaryMessage, []byte{5, 1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	if got := g.closeCode(); got != 4001 {
		t.Fatalf("corrupt gzip: close %d, want 4001", got)
	}
}

func TestBatches(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	// A client may always send an array; without opting in, the replies
	// come one per frame.
	g.write([]byte(`[{"type":"method","id":21,"method":"getTime","params":{}},{"type":"method","id":22,"method":"getTime"}]`))
	g.reply(21)
	g.reply(22)
	if g.batches != 0 {
		t.Fatalf("%d batches sent to a client that did not opt in", g.batches)
	}
	p := e.participant("")
	g.call("broadcastEvent", map[string]any{"scope": []string{"everyone"}, "data": 1})
	p.expect("event")
	if p.batches != 0 {
		t.Fatal("batch to a participant that did not opt in")
	}
	// A client that opted in gets what was queued together as one array.
	b := e.participant("", "batch", "1")
	for range 50 {
		g.send("broadcastEvent", map[string]any{"scope": []string{"everyone"}, "data": 2})
	}
	for range 50 {
		b.expect("event")
	}
	if b.batches == 0 {
		t.Fatal("an opted-in client never got a batch")
	}
	for _, f := range p.frames {
		if f[0] == '[' {
			t.Fatal("a batch reached a client that did not opt in")
		}
	}
}

var _ = json.Valid

func TestClosePayloadFitsAControlFrame(t *testing.T) {
	b := transport.ClosePayload(4017, strings.Repeat("é", 200))
	if len(b) > 125 || !utf8.Valid(b[2:]) || int(b[0])<<8|int(b[1]) != 4017 {
		t.Fatalf("close payload of %d bytes: %q", len(b), b)
	}
}

func TestOversizedFramesCloseWith1009(t *testing.T) {
	e := newEnv(t, Options{})
	e.game()
	p := e.participant("")
	big := `{"type":"method","id":1,"method":"giveInput","params":{"controlID":"` + strings.Repeat("a", 70<<10) + `"}}`
	if err := p.ws.WriteMessage(websocket.TextMessage, []byte(big)); err != nil {
		t.Fatal(err)
	}
	if got := p.closeCode(); got != websocket.CloseMessageTooBig {
		t.Fatalf("a 70 KiB participant frame: close %d, want 1009", got)
	}
}

func TestPlainGetOnParticipantIs400(t *testing.T) {
	e := newEnv(t, Options{})
	resp, err := http.Get(e.srv.URL + ParticipantPath + "?channel=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain GET /participant: %d", resp.StatusCode)
	}
}
