package testkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// Packet is one MixPlay packet as a peer received it.
type Packet struct {
	ID      uint32          `json:"id"`
	Type    string          `json:"type"` // "method" or "reply"
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *PacketError    `json:"error"`
	Discard bool            `json:"discard"`
	Seq     int32           `json:"seq"`
	Raw     []byte          `json:"-"`
}

// PacketError is a reply's error.
type PacketError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path"`
}

// Participant is a MixPlay peer (a viewer or a game client) on a real
// WebSocket. A reader goroutine decodes every frame (batches split,
// compressed frames inflated) into a queue; Expect, Reply and Take wait
// for a matching packet on a channel that each arrival signals, so a test
// waits exactly as long as the server takes.
type Participant struct {
	tb testing.TB
	// Conn is the socket, for tests that need to write odd frames or
	// close it; do not read from it while the reader runs.
	Conn *websocket.Conn

	wmu    sync.Mutex
	nextID uint32
	enc    *wire.Encoder

	mu      sync.Mutex
	dec     *wire.Decoder
	pending []*Packet
	all     []*Packet     // everything received, for Seen and History
	arrived chan struct{} // closed and replaced on every arrival
	frames  [][]byte
	binary  int
	batches int
	closed  *websocket.CloseError
	readErr error
	// switchAt is the id of a setCompression whose reply switches dec.
	switchAt uint32
	done     chan struct{}
}

// WSURL turns an http(s) server URL and a path into a ws(s) URL.
func WSURL(httpURL, path string, q url.Values) string {
	u := "ws" + strings.TrimPrefix(httpURL, "http") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// Dial opens a socket to u and starts reading it. The socket closes when
// tb ends. A failed handshake returns the response (its status and body
// say why).
func Dial(tb testing.TB, u string, h http.Header) (*Participant, *http.Response, error) {
	ws, resp, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		return nil, resp, err
	}
	p := &Participant{tb: tb, Conn: ws, nextID: 1, dec: wire.NewDecoder(wire.None),
		arrived: make(chan struct{}), done: make(chan struct{})}
	tb.Cleanup(func() { ws.Close(); <-p.done })
	go p.read()
	return p, resp, nil
}

// MustDial is Dial that fails the test when the handshake does.
func MustDial(tb testing.TB, u string, h http.Header) *Participant {
	tb.Helper()
	p, _, err := Dial(tb, u, h)
	if err != nil {
		tb.Fatalf("dial %s: %v", u, err)
	}
	return p
}

func (p *Participant) read() {
	defer close(p.done)
	for {
		mt, data, err := p.Conn.ReadMessage()
		p.mu.Lock()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				p.closed = ce
			}
			p.readErr = err
			p.signal()
			p.mu.Unlock()
			return
		}
		if mt == websocket.BinaryMessage {
			p.binary++
		}
		plain, werr := p.dec.Decode(data, mt == websocket.BinaryMessage)
		if werr != nil {
			p.readErr = fmt.Errorf("decoding a frame: %v", werr)
			p.signal()
			p.mu.Unlock()
			return
		}
		plain = bytes.Clone(plain)
		p.frames = append(p.frames, plain)
		if len(plain) > 0 && plain[0] == '[' {
			p.batches++
			var list []json.RawMessage
			if err := json.Unmarshal(plain, &list); err != nil {
				p.readErr = fmt.Errorf("bad batch %s: %v", plain, err)
			}
			for _, raw := range list {
				p.add(raw)
			}
		} else {
			p.add(plain)
		}
		p.signal()
		err = p.readErr
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// add queues one packet; p.mu is held.
func (p *Participant) add(raw []byte) {
	m := &Packet{Raw: raw}
	if err := json.Unmarshal(raw, m); err != nil {
		p.readErr = fmt.Errorf("bad packet %s: %v", raw, err)
		return
	}
	p.pending = append(p.pending, m)
	p.all = append(p.all, m)
	if m.Type == "reply" && m.ID == p.switchAt && m.ID != 0 {
		var res struct{ Scheme wire.Scheme }
		json.Unmarshal(m.Result, &res)
		p.dec, p.switchAt = wire.NewDecoder(res.Scheme), 0
	}
}

// signal wakes every waiter; p.mu is held.
func (p *Participant) signal() {
	close(p.arrived)
	p.arrived = make(chan struct{})
}

// Take removes and returns the first queued packet f accepts, waiting up
// to Timeout for one to arrive. what names it in the failure.
func (p *Participant) Take(what string, f func(*Packet) bool) *Packet {
	p.tb.Helper()
	timeout := time.NewTimer(Timeout)
	defer timeout.Stop()
	for {
		p.mu.Lock()
		for i, m := range p.pending {
			if f(m) {
				p.pending = append(p.pending[:i:i], p.pending[i+1:]...)
				p.mu.Unlock()
				return m
			}
		}
		arrived, err, n := p.arrived, p.readErr, len(p.pending)
		p.mu.Unlock()
		if err != nil {
			p.tb.Fatalf("waiting for %s: %v (%d other packets queued)", what, err, n)
		}
		select {
		case <-arrived:
		case <-timeout.C:
			p.tb.Fatalf("no %s within %v; %d other packets queued", what, Timeout, n)
		}
	}
}

// Seen waits until some packet received so far (taken or not) satisfies
// f and returns the first that does, leaving the queue as it is.
func (p *Participant) Seen(what string, f func(*Packet) bool) *Packet {
	p.tb.Helper()
	timeout := time.NewTimer(Timeout)
	defer timeout.Stop()
	for {
		p.mu.Lock()
		for _, m := range p.all {
			if f(m) {
				p.mu.Unlock()
				return m
			}
		}
		arrived, err := p.arrived, p.readErr
		var got []string
		if err != nil {
			for _, m := range p.all {
				got = append(got, string(m.Raw))
			}
		}
		p.mu.Unlock()
		if err != nil {
			p.tb.Fatalf("waiting for %s: %v; got:\n%s", what, err, strings.Join(got, "\n"))
		}
		select {
		case <-arrived:
		case <-timeout.C:
			p.mu.Lock()
			for _, m := range p.all {
				got = append(got, string(m.Raw))
			}
			p.mu.Unlock()
			p.tb.Fatalf("no %s within %v; got:\n%s", what, Timeout, strings.Join(got, "\n"))
		}
	}
}

// History returns every packet received so far, in order.
func (p *Participant) History() []*Packet {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Packet(nil), p.all...)
}

// Expect returns the next method packet named method (skipping, but
// keeping, others).
func (p *Participant) Expect(method string) *Packet {
	p.tb.Helper()
	return p.Take(method, func(m *Packet) bool { return m.Type == "method" && m.Method == method })
}

// Reply waits for the reply to id.
func (p *Participant) Reply(id uint32) *Packet {
	p.tb.Helper()
	return p.Take(fmt.Sprintf("reply %d", id), func(m *Packet) bool { return m.Type == "reply" && m.ID == id })
}

// Send writes a method packet and returns its id.
func (p *Participant) Send(method string, params any) uint32 {
	p.tb.Helper()
	raw, err := json.Marshal(params)
	if err != nil {
		p.tb.Fatal(err)
	}
	p.wmu.Lock()
	id := p.nextID
	p.nextID++
	p.wmu.Unlock()
	p.Write([]byte(fmt.Sprintf(`{"type":"method","id":%d,"method":%q,"params":%s,"discard":false,"seq":0}`, id, method, raw)))
	return id
}

// NextID reserves a packet id for a packet the test writes itself.
func (p *Participant) NextID() uint32 {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	id := p.nextID
	p.nextID++
	return id
}

// Write sends one packet as it is (compressed when SetScheme chose a
// binary scheme).
func (p *Participant) Write(raw []byte) {
	p.tb.Helper()
	p.wmu.Lock()
	defer p.wmu.Unlock()
	mt := websocket.TextMessage
	if p.enc != nil {
		var err error
		if raw, err = p.enc.Encode(nil, raw); err != nil {
			p.tb.Fatal(err)
		}
		mt = websocket.BinaryMessage
	}
	if err := p.Conn.WriteMessage(mt, raw); err != nil {
		p.tb.Fatalf("write: %v", err)
	}
}

// Call sends a method and returns its reply's result, failing the test on
// an error reply.
func (p *Participant) Call(method string, params any) json.RawMessage {
	p.tb.Helper()
	r := p.Reply(p.Send(method, params))
	if r.Error != nil {
		p.tb.Fatalf("%s: error %d %s (%s)", method, r.Error.Code, r.Error.Message, r.Error.Path)
	}
	return r.Result
}

// CallErr sends a method and returns its error code (0 for success).
func (p *Participant) CallErr(method string, params any) int {
	p.tb.Helper()
	r := p.Reply(p.Send(method, params))
	if r.Error == nil {
		return 0
	}
	return r.Error.Code
}

// None fails if a method named method has arrived by the time a getTime
// round trip completes: whatever the server queued for p before its reply
// is in by then.
func (p *Participant) None(method string) {
	p.tb.Helper()
	p.Call("getTime", nil)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.pending {
		if m.Type == "method" && m.Method == method {
			p.tb.Fatalf("unexpected %s: %s", method, m.Raw)
		}
	}
}

// Drain removes and returns every queued packet.
func (p *Participant) Drain() []*Packet {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.pending
	p.pending = nil
	return out
}

// Pending returns a copy of the queue without removing anything.
func (p *Participant) Pending() []*Packet {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Packet(nil), p.pending...)
}

// Frames returns every frame received so far (decompressed), with how
// many were binary and how many were JSON array batches.
func (p *Participant) Frames() (frames [][]byte, binary, batches int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.frames...), p.binary, p.batches
}

// SetCompression sends setCompression with params and waits for its
// reply. From the frame after that reply on, p reads binary frames with
// the scheme the server chose (the reader switches exactly there, so
// nothing in flight is decoded with the wrong stream) and writes with it.
func (p *Participant) SetCompression(params any) *Packet {
	p.tb.Helper()
	id := p.NextID()
	p.mu.Lock()
	p.switchAt = id
	p.mu.Unlock()
	raw, _ := json.Marshal(params)
	p.Write([]byte(fmt.Sprintf(`{"type":"method","id":%d,"method":"setCompression","params":%s,"discard":false,"seq":0}`, id, raw)))
	r := p.Reply(id)
	var res struct{ Scheme wire.Scheme }
	json.Unmarshal(r.Result, &res)
	p.wmu.Lock()
	p.enc = nil
	if res.Scheme.Binary() {
		p.enc = wire.NewEncoder(res.Scheme)
	}
	p.wmu.Unlock()
	return r
}

// CloseCode waits until the server closes the socket and returns the
// close code (-1 when it ended without a close frame).
func (p *Participant) CloseCode() int {
	p.tb.Helper()
	select {
	case <-p.done:
	case <-time.After(Timeout):
		p.tb.Fatalf("socket did not close within %v", Timeout)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed != nil {
		return p.closed.Code
	}
	return -1
}

// CloseError is the close frame that ended the socket, nil while it is
// open or when it ended without one.
func (p *Participant) CloseError() *websocket.CloseError {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Done is closed when the reader stops (the socket ended).
func (p *Participant) Done() <-chan struct{} { return p.done }
