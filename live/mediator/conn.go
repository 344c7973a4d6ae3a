package mediator

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

// conn is one WebSocket, game client or participant. One goroutine reads
// (readLoop); what is sent is queued here and written by the mediator's
// writers, never by a goroutine of the socket's own, so 10,000 idle
// participants cost one goroutine each (BenchmarkIdleParticipants).
type conn struct {
	ws       *websocket.Conn
	sock     *socket
	writers  *writers
	urgent   bool // a game client: written before viewers' sockets
	batch    bool // the client opted in to JSON array batches
	maxItems int
	maxBytes int
	timeouts timeouts

	mu          sync.Mutex
	queue       []outItem
	queuedBytes int
	// writing: the queue is with a writer (scheduled or being written) or
	// waiting for the socket to drain (awaitDrain); enqueue leaves it alone.
	writing    bool
	awaitDrain bool
	closing    bool // a close is queued or done: nothing more is sent

	// enc is used by the writer holding the queue only, dec and
	// streamCost (what a participant's streams are charged) by the reader.
	enc        *wire.Encoder // nil: none
	dec        *wire.Decoder
	encBuf     []byte
	streamCost int64

	closeOnce sync.Once
	done      chan struct{}
	// addr is the client address holding one of its participant sockets
	// (Options.SocketsPerAddress) until removeConn; empty: none held.
	addr string
}

type timeouts struct {
	write time.Duration
	pong  time.Duration
	close time.Duration
}

func newConn(ws *websocket.Conn, sock *socket, w *writers, batch bool, maxItems, maxBytes int, t timeouts) *conn {
	c := &conn{ws: ws, sock: sock, writers: w, batch: batch, maxItems: maxItems, maxBytes: maxBytes, timeouts: t,
		dec: wire.NewDecoder(wire.None), done: make(chan struct{})}
	if sock != nil {
		sock.drained = c.drained
	}
	return c
}

// send queues a packet without blocking. A socket whose queue is full is a
// slow reader: it is disconnected (1008) rather than allowed to hold
// memory or delay anyone else. It reports whether the packet was queued.
func (c *conn) send(data []byte) bool {
	return c.enqueue(outItem{data: data})
}

func (c *conn) enqueue(it outItem) bool {
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
		go c.abort(websocket.ClosePolicyViolation, "slow reader: outgoing queue full")
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

// closeWith queues a close frame after everything already queued (replies
// flush first) and stops accepting more.
func (c *conn) closeWith(code int, reason string) {
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
	time.AfterFunc(c.timeouts.close+c.timeouts.write, c.kill)
	if start {
		c.writers.schedule(c)
	}
}

// abort sends a close frame now, bypassing the queue, then drops the socket
// (a backed-up socket gets a second to pass the close frame on).
func (c *conn) abort(code int, reason string) {
	_ = c.ws.WriteControl(websocket.CloseMessage, closePayload(code, reason), time.Now().Add(time.Second))
	if c.sock != nil && c.sock.busy() {
		time.AfterFunc(time.Second, c.kill)
		return
	}
	c.kill()
}

// kill closes the TCP connection; the reader then returns and cleans up.
func (c *conn) kill() {
	c.closeOnce.Do(func() {
		c.ws.Close()
		close(c.done)
	})
}

// closePayload is a close frame's body: the code and the reason cut to
// what a control frame holds, on a UTF-8 boundary.
func closePayload(code int, reason string) []byte {
	return websocket.FormatCloseMessage(code, (&wire.Error{Code: code, Message: reason}).CloseReason())
}

// flush is a writer's pass over c: it writes what is queued as frames in
// one write that never blocks. buf is the writer's scratch, returned for
// reuse. A backed-up socket keeps the queue until it has drained.
func (c *conn) flush(buf []byte) []byte {
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
		c.kill()
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
func (c *conn) drained() {
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
func (c *conn) writeItems(buf []byte, items []outItem) ([]byte, error) {
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
			_ = c.ws.WriteControl(websocket.CloseMessage, closePayload(it.code, it.reason), time.Now().Add(c.timeouts.write))
			// Let the reader see the peer's close reply; cut off if it never comes.
			time.AfterFunc(c.timeouts.close, c.kill)
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
func (c *conn) appendPacket(buf, payload []byte) ([]byte, error) {
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

// isClosing reports whether a close was queued or done.
func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// queued reports the number of packets waiting (for tests and stats).
func (c *conn) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}
