package mediator

import (
	"bufio"
	"net"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// coalescer is the connection under gorilla's: during a writer pass
// (begin … end) the frames gorilla writes are gathered and go out in one
// write call, so a burst of packets (a participant's arrival, the inputs
// queued for a game client) costs one syscall instead of one per packet.
// Outside a pass, writes go straight through. The gathering buffer comes
// from a pool and is only held during a pass: an idle socket holds none.
type coalescer struct {
	net.Conn
	pool *sync.Pool

	mu        sync.Mutex
	gathering bool
	buf       *[]byte
}

func (c *coalescer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.gathering {
		return c.Conn.Write(p)
	}
	b := *c.buf
	if len(b)+len(p) > cap(b) {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(b) {
			return c.Conn.Write(p)
		}
		b = *c.buf
	}
	*c.buf = append(b, p...)
	return len(p), nil
}

func (c *coalescer) flushLocked() error {
	b := *c.buf
	if len(b) == 0 {
		return nil
	}
	_, err := c.Conn.Write(b)
	*c.buf = b[:0]
	return err
}

func (c *coalescer) begin() {
	c.mu.Lock()
	c.gathering = true
	c.buf = c.pool.Get().(*[]byte)
	c.mu.Unlock()
}

// end sends what was gathered and gives the buffer back.
func (c *coalescer) end() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.flushLocked()
	c.gathering = false
	*c.buf = (*c.buf)[:0]
	c.pool.Put(c.buf)
	c.buf = nil
	return err
}

// hijacker hands gorilla a coalescer instead of the raw connection.
type hijacker struct {
	http.ResponseWriter
	wrap func(net.Conn) net.Conn
}

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	return h.wrap(c), rw, nil
}

// upgrade completes the WebSocket handshake over a coalescer.
func (m *Mediator) upgrade(w http.ResponseWriter, r *http.Request) (*websocket.Conn, *coalescer, error) {
	var co *coalescer
	ws, err := m.upgrader.Upgrade(hijacker{w, func(c net.Conn) net.Conn {
		co = &coalescer{Conn: c, pool: &m.gatherPool}
		return co
	}}, r, nil)
	return ws, co, err
}
