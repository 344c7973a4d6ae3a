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
// (readLoop); writing happens on a goroutine that exists only while the
// queue is non-empty, so 10,000 idle participants cost one goroutine
// each, not two (BenchmarkIdleParticipants).
type conn struct {
	ws       *websocket.Conn
	batch    bool // the client opted in to JSON array batches
	maxItems int
	maxBytes int
	timeouts timeouts

	mu          sync.Mutex
	queue       []outItem
	queuedBytes int
	writing     bool
	closing     bool // a close is queued or done: nothing more is sent

	// enc is used by the writer goroutine only, dec by the reader only.
	enc    *wire.Encoder // nil: none
	dec    *wire.Decoder
	encBuf []byte

	// nc gathers a writer pass's frames into one write (nil: none).
	nc *coalescer

	closeOnce sync.Once
	done      chan struct{}
}

type timeouts struct {
	write time.Duration
	pong  time.Duration
	close time.Duration
}

func newConn(ws *websocket.Conn, batch bool, maxItems, maxBytes int, t timeouts) *conn {
	return &conn{ws: ws, batch: batch, maxItems: maxItems, maxBytes: maxBytes, timeouts: t,
		dec: wire.NewDecoder(wire.None), done: make(chan struct{})}
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
		go c.writeLoop()
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
	// If the peer never reads, the writer may be stuck: cut it off.
	time.AfterFunc(c.timeouts.close+c.timeouts.write, c.kill)
	if start {
		go c.writeLoop()
	}
}

// abort sends a close frame now, bypassing the queue, then drops the socket.
func (c *conn) abort(code int, reason string) {
	// A writer stuck on a full socket may hold the connection: cut it off
	// after a second whatever happens.
	t := time.AfterFunc(time.Second, c.kill)
	defer t.Stop()
	_ = c.ws.WriteControl(websocket.CloseMessage, closePayload(code, reason), time.Now().Add(time.Second))
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

func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		items := c.queue
		c.queue = nil
		c.queuedBytes = 0
		if len(items) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		err := c.pass(items)
		if err != nil {
			c.kill()
			return
		}
	}
}

// pass writes items, gathered into one write when there is a coalescer.
func (c *conn) pass(items []outItem) error {
	if c.nc == nil {
		return c.writeItems(items)
	}
	c.nc.begin()
	err := c.writeItems(items)
	if ferr := c.nc.end(); err == nil {
		err = ferr
	}
	return err
}

func (c *conn) writeItems(items []outItem) error {
	for i := 0; i < len(items); i++ {
		it := items[i]
		deadline := time.Now().Add(c.timeouts.write)
		switch it.kind {
		case itemPing:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
				return err
			}
		case itemSwitch:
			c.enc = nil
			if it.scheme.Binary() {
				c.enc = wire.NewEncoder(it.scheme)
			}
		case itemClose:
			_ = c.ws.WriteControl(websocket.CloseMessage, closePayload(it.code, it.reason), deadline)
			// Let the reader see the peer's close reply; cut off if it never comes.
			time.AfterFunc(c.timeouts.close, c.kill)
			return nil
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
			if err := c.writePacket(payload, deadline); err != nil {
				return err
			}
		}
	}
	return nil
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

func (c *conn) writePacket(payload []byte, deadline time.Time) error {
	c.ws.SetWriteDeadline(deadline)
	if c.enc == nil {
		return c.ws.WriteMessage(websocket.TextMessage, payload)
	}
	frame, err := c.enc.Encode(c.encBuf[:0], payload)
	if err != nil {
		return err
	}
	c.encBuf = frame[:0]
	return c.ws.WriteMessage(websocket.BinaryMessage, frame)
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
