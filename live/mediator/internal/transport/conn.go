package transport

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// outItem is one thing queued for a socket: a packet's plain JSON (shared,
// read-only, between every recipient of a broadcast), a switch of the
// outgoing compression, a ping, or the final close frame.
type outItem struct {
	data   []byte
	scheme wire.Scheme // itemSwitch: the scheme used from the next packet on
	kind   itemKind
	code   int // close
	reason string
}

type itemKind uint8

const (
	itemPacket itemKind = iota
	itemSwitch
	itemPing
	itemClose
)

// Conn is one WebSocket, game client or participant. One goroutine reads
// (ReadLoop); what is sent is queued here and written by the Writers,
// never by a goroutine of the socket's own, so 10,000 idle participants
// cost one goroutine each (BenchmarkIdleParticipants).
type Conn struct {
	ws       *websocket.Conn
	sock     *Socket
	writers  *Writers
	urgent   bool // a game client: written before viewers' sockets
	batch    bool // the client opted in to JSON array batches
	maxItems int
	maxBytes int
	timeouts Timeouts

	mu          sync.Mutex
	queue       []outItem
	queuedBytes int
	// writing: the queue is with a writer (scheduled or being written) or
	// waiting for the socket to drain (awaitDrain); enqueue leaves it alone.
	writing    bool
	awaitDrain bool
	closing    bool // a close is queued or done: nothing more is sent

	// enc is used by the writer holding the queue only, dec by the reader.
	enc    *wire.Encoder // nil: none
	dec    *wire.Decoder
	encBuf []byte

	closeOnce sync.Once
	done      chan struct{}
}

// Timeouts bound a socket's writes, the wait for a pong (any frame) and
// the wait for the peer's close reply.
type Timeouts struct {
	Write time.Duration
	Pong  time.Duration
	Close time.Duration
}

// Options are one socket's queue bounds and standing.
type Options struct {
	Urgent   bool // a game client: written before viewers' sockets
	Batch    bool // the client opted in to JSON array batches
	MaxItems int  // packets queued at most before the socket is dropped
	MaxBytes int  // bytes queued at most before the socket is dropped
	Timeouts Timeouts
}

// Init readies c, a zero Conn (usually a field of the protocol's own
// connection type, so that a socket costs one allocation), for an
// upgraded socket; sock nil makes a queue that is never written, for
// tests of the protocol. c must not be copied afterwards.
func (c *Conn) Init(ws *websocket.Conn, sock *Socket, w *Writers, o Options) {
	c.ws, c.sock, c.writers, c.urgent, c.batch = ws, sock, w, o.Urgent, o.Batch
	c.maxItems, c.maxBytes, c.timeouts = o.MaxItems, o.MaxBytes, o.Timeouts
	c.dec, c.done = wire.NewDecoder(wire.None), make(chan struct{})
	if sock != nil {
		sock.drained = c.drained
	} else {
		c.writing = true // no writer is ever scheduled
	}
}

// Send queues a packet without blocking. A socket whose queue is full is a
// slow reader: it is disconnected (1008) rather than allowed to hold
// memory or delay anyone else. It reports whether the packet was queued.
func (c *Conn) Send(data []byte) bool {
	return c.enqueue(outItem{data: data})
}

// SwitchScheme makes the packets queued after it go out in scheme (the
// protocol's setCompression); what is already queued keeps the old one.
func (c *Conn) SwitchScheme(scheme wire.Scheme) {
	c.enqueue(outItem{kind: itemSwitch, scheme: scheme})
}

// SetDecoder reads the frames after this one in scheme. Call it from the
// reader's goroutine (a packet handler).
func (c *Conn) SetDecoder(scheme wire.Scheme) { c.dec = wire.NewDecoder(scheme) }

// Ping queues a ping frame (any frame back counts as the pong).
func (c *Conn) Ping() { c.enqueue(outItem{kind: itemPing}) }

// Done is closed when the socket is closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

func (c *Conn) enqueue(it outItem) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if it.kind == itemPacket && (len(c.queue) >= c.maxItems || c.queuedBytes+len(it.data) > c.maxBytes) {
		c.closing = true
		c.queue = nil
		c.queuedBytes = 0
		c.mu.Unlock()
		go c.Abort(websocket.ClosePolicyViolation, "slow reader: outgoing queue full")
		return false
	}
	c.queue = append(c.queue, it)
	c.queuedBytes += len(it.data)
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		c.writers.schedule(c)
	}
	return true
}

// CloseWith queues a close frame after everything already queued (replies
// flush first) and stops accepting more.
func (c *Conn) CloseWith(code int, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.queue = append(c.queue, outItem{kind: itemClose, code: code, reason: reason})
	c.closing = true
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	// If the peer never reads, the socket never drains: cut it off.
	time.AfterFunc(c.timeouts.Close+c.timeouts.Write, c.Kill)
	if start {
		c.writers.schedule(c)
	}
}

// Abort sends a close frame now, bypassing the queue, then drops the socket
// (a backed-up socket gets a second to pass the close frame on).
func (c *Conn) Abort(code int, reason string) {
	_ = c.ws.WriteControl(websocket.CloseMessage, ClosePayload(code, reason), time.Now().Add(time.Second))
	if c.sock != nil && c.sock.busy() {
		time.AfterFunc(time.Second, c.Kill)
		return
	}
	c.Kill()
}

// Kill closes the TCP connection; the reader then returns and cleans up.
func (c *Conn) Kill() {
	c.closeOnce.Do(func() {
		c.ws.Close()
		close(c.done)
	})
}

// ClosePayload is a close frame's body: the code and the reason cut to
// what a control frame holds, on a UTF-8 boundary.
func ClosePayload(code int, reason string) []byte {
	return websocket.FormatCloseMessage(code, (&wire.Error{Code: code, Message: reason}).CloseReason())
}

// flush is a writer's pass over c: it writes what is queued as frames in
// one write that never blocks. buf is the writer's scratch, returned for
// reuse. A backed-up socket keeps the queue until it has drained.
func (c *Conn) flush(buf []byte) []byte {
	c.mu.Lock()
	if c.sock.busy() {
		c.awaitDrain = true
		c.mu.Unlock()
		return buf
	}
	items := c.queue
	c.queue = nil
	c.queuedBytes = 0
	c.mu.Unlock()

	buf, err := c.writeItems(buf, items)
	if err != nil {
		c.Kill()
		return buf // writing stays set: nothing more is written
	}
	c.mu.Lock()
	switch {
	case len(c.queue) == 0:
		c.writing = false
	case c.sock.busy():
		c.awaitDrain = true
	default:
		c.writers.schedule(c) // more came while writing: back of the line
	}
	c.mu.Unlock()
	return buf
}

// drained is the socket's word that it caught up after being backed up.
func (c *Conn) drained() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.awaitDrain {
		return // a writer holds the queue and will see the socket is free
	}
	c.awaitDrain = false
	if len(c.queue) == 0 {
		c.writing = false
		return
	}
	c.writers.schedule(c)
}

// writeItems turns items into frames appended to buf and writes them.
func (c *Conn) writeItems(buf []byte, items []outItem) ([]byte, error) {
	for i := 0; i < len(items); i++ {
		it := items[i]
		switch it.kind {
		case itemPing:
			buf = appendFrame(buf, opPing, nil)
		case itemSwitch:
			c.enc = nil
			if it.scheme.Binary() {
				c.enc = wire.NewEncoder(it.scheme)
			}
		case itemClose:
			if err := c.sock.write(buf); err != nil {
				return buf, err
			}
			// gorilla sends the close, so that it knows not to send another.
			_ = c.ws.WriteControl(websocket.CloseMessage, ClosePayload(it.code, it.reason), time.Now().Add(c.timeouts.Write))
			// Let the reader see the peer's close reply; cut off if it never comes.
			time.AfterFunc(c.timeouts.Close, c.Kill)
			return buf, nil
		case itemPacket:
			payload := it.data
			if c.batch {
				// Combine the run of packets queued together into one array frame.
				j := i + 1
				for j < len(items) && items[j].kind == itemPacket {
					j++
				}
				if j-i > 1 {
					payload = joinBatch(items[i:j])
					i = j - 1
				}
			}
			var err error
			if buf, err = c.appendPacket(buf, payload); err != nil {
				return buf, err
			}
		}
	}
	if len(buf) == 0 {
		return buf, nil
	}
	return buf, c.sock.write(buf)
}

func joinBatch(items []outItem) []byte {
	n := 2
	for _, it := range items {
		n += len(it.data) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for k, it := range items {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, it.data...)
	}
	return append(b, ']')
}

// appendPacket appends payload's frame: text, or binary in c's scheme.
func (c *Conn) appendPacket(buf, payload []byte) ([]byte, error) {
	if c.enc == nil {
		return appendFrame(buf, opText, payload), nil
	}
	frame, err := c.enc.Encode(c.encBuf[:0], payload)
	if err != nil {
		return buf, err
	}
	c.encBuf = frame[:0]
	return appendFrame(buf, opBinary, frame), nil
}

// IsClosing reports whether a close was queued or done.
func (c *Conn) IsClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// Queued reports the number of packets waiting (for tests and stats).
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// Idle reports whether nothing is queued or being written (for tests and
// benchmarks).
func (c *Conn) Idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue) == 0 && !c.writing
}

// LastQueued is the last packet queued and not yet written, nil if none
// (for tests of what the protocol sends).
func (c *Conn) LastQueued() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return nil
	}
	return c.queue[len(c.queue)-1].data
}

// Busy reports whether the socket is backed up (for tests).
func (c *Conn) Busy() bool { return c.sock != nil && c.sock.busy() }

// WS is the socket's gorilla connection.
func (c *Conn) WS() *websocket.Conn { return c.ws }
