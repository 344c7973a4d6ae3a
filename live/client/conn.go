package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// outQueue is the writer's queue length. Calls wait for room (bounded by
// their context); replies to server methods never wait.
const outQueue = 256

// conn is one WebSocket session: a reader goroutine that owns the inbound
// decoder, and a writer goroutine that owns the outbound encoder. Nothing
// else touches the socket except Close and WriteControl (which gorilla
// allows concurrently).
type conn struct {
	cl   *Client
	ws   *websocket.Conn
	host string

	lastSeq atomic.Int32
	nextID  atomic.Uint32
	scheme  atomic.Value // wire.Scheme in use (for Status)

	mu      sync.Mutex
	pending map[uint32]*pendingCall

	out     chan outFrame
	hello   chan struct{} // closed when hello arrives
	helloed sync.Once
	// switched carries the scheme the server chose to the writer, which
	// holds every later frame until it knows how to encode it.
	switched   chan schemeSwitch
	compressID uint32 // our unanswered setCompression, guarded by mu
	compressMu sync.Mutex

	done    chan struct{}
	endOnce sync.Once
	endErr  error
	wg      sync.WaitGroup
}

type pendingCall struct {
	method string
	reply  chan callResult // buffered 1: the reader never blocks on it
}

type callResult struct {
	result json.RawMessage
	err    error
}

// dial opens the socket and starts the goroutines; it returns once hello
// has arrived, or a HandshakeError if the server refused.
func (cl *Client) dial(ctx context.Context, host string) (*conn, error) {
	cfg := &cl.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()

	h := http.Header{}
	h.Set("Authorization", "Bearer "+cfg.Token)
	h.Set("X-Interactive-Version", cfg.VersionID)
	h.Set("X-Protocol-Version", "2.0")
	if cfg.Bundle != "" {
		h.Set("X-Interactive-Bundle", cfg.Bundle)
	}
	if cfg.Sharecode != "" {
		h.Set("X-Interactive-Sharecode", cfg.Sharecode)
	}
	addr, err := socketURL(host, cfg.AcceptBatches)
	if err != nil {
		return nil, err
	}
	ws, resp, err := cfg.Dialer.DialContext(ctx, addr, h)
	if err != nil {
		if resp != nil && errors.Is(err, websocket.ErrBadHandshake) {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
			resp.Body.Close()
			return nil, &HandshakeError{Host: host, HTTPStatus: resp.StatusCode, Reason: strings.TrimSpace(string(body))}
		}
		return nil, fmt.Errorf("dial %s: %w", host, err)
	}
	ws.SetReadLimit(cfg.MaxFrameBytes)
	c := &conn{
		cl:       cl,
		ws:       ws,
		host:     host,
		pending:  map[uint32]*pendingCall{},
		out:      make(chan outFrame, outQueue),
		hello:    make(chan struct{}),
		switched: make(chan schemeSwitch, 1),
		done:     make(chan struct{}),
	}
	c.scheme.Store(wire.None)
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()

	select {
	case <-c.hello:
		return c, nil
	case <-c.done:
		c.wait()
		var ce *CloseError
		if errors.As(c.endErr, &ce) {
			return nil, &HandshakeError{Host: host, Code: ce.Code, Reason: ce.Reason}
		}
		return nil, fmt.Errorf("connect %s: dropped before hello: %w", host, c.endErr)
	case <-ctx.Done():
		c.close(websocket.CloseNormalClosure, "no hello")
		return nil, fmt.Errorf("connect %s: waiting for hello: %w", host, ctx.Err())
	}
}

// end records why the connection ended (first reason wins), fails every
// pending call and closes the socket so both goroutines return.
func (c *conn) end(err error) {
	c.endOnce.Do(func() {
		c.endErr = err
		close(c.done)
		if c.ws != nil { // nil only in fuzz tests of the packet handling
			c.ws.Close()
		}
		c.mu.Lock()
		pend := c.pending
		c.pending = nil
		c.mu.Unlock()
		for _, p := range pend {
			p.reply <- callResult{err: fmt.Errorf("%s: %w (%w)", p.method, ErrConnectionLost, err)}
		}
	})
}

// close sends a close frame, gives the server a moment to answer it, then
// tears the socket down and waits for the goroutines.
func (c *conn) close(code int, reason string) {
	deadline := time.Now().Add(time.Second)
	if c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline) == nil {
		select {
		case <-c.done:
		case <-time.After(time.Until(deadline)):
		}
	}
	c.end(ErrClosed)
	c.wait()
}

func (c *conn) wait() { c.wg.Wait() }

// call sends a method and waits for its reply (or ctx, or the end of the
// connection).
func (c *conn) call(ctx context.Context, method string, params any, discard bool) (json.RawMessage, error) {
	var raw json.RawMessage
	switch p := params.(type) {
	case nil:
		raw = json.RawMessage("{}")
	case json.RawMessage:
		raw = p
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("%s: encode params: %w", method, err)
		}
		raw = b
	}
	if method == "setCompression" {
		// One at a time: the reader tracks a single outstanding switch.
		c.compressMu.Lock()
		defer c.compressMu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		// Never sent: a select below with both cases ready picks either,
		// so an expired call could otherwise go out and even succeed.
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	id := c.newID()
	pc := &pendingCall{method: method, reply: make(chan callResult, 1)}
	c.mu.Lock()
	if c.pending == nil {
		c.mu.Unlock()
		return nil, &notSentError{fmt.Errorf("%s: %w (%w)", method, ErrConnectionLost, c.endErr)}
	}
	c.pending[id] = pc
	compress := method == "setCompression"
	if compress {
		c.compressID = id
	}
	c.mu.Unlock()
	defer c.forget(id)

	pkt := wire.Method(id, method, raw, discard)
	pkt.Seq = c.lastSeq.Load()
	select {
	case c.out <- outFrame{data: pkt.AppendJSON(nil), setCompression: compress}:
	case <-ctx.Done():
		c.unsent(id)
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	case <-c.done:
		return nil, &notSentError{fmt.Errorf("%s: %w (%w)", method, ErrConnectionLost, c.endErr)}
	}
	select {
	case r := <-pc.reply:
		return r.result, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: no reply: %w", method, ctx.Err())
	}
}

// newID returns a fresh uint32 id, never 0 (replies to unparsable frames
// carry 0) and never one still waiting for its reply.
func (c *conn) newID() uint32 {
	for {
		id := c.nextID.Add(1)
		if id == 0 {
			continue
		}
		c.mu.Lock()
		_, busy := c.pending[id]
		c.mu.Unlock()
		if !busy {
			return id
		}
	}
}

func (c *conn) forget(id uint32) {
	c.mu.Lock()
	if c.pending != nil {
		delete(c.pending, id)
	}
	c.mu.Unlock()
}

// unsent clears a setCompression that never reached the writer.
func (c *conn) unsent(id uint32) {
	c.mu.Lock()
	if c.compressID == id {
		c.compressID = 0
	}
	c.mu.Unlock()
}

// take removes and returns the call waiting for id.
func (c *conn) take(id uint32) *pendingCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pending[id]
	if p != nil {
		delete(c.pending, id)
	}
	return p
}

// sendReply queues a reply to a server method without ever waiting: the
// reader must not stall behind a slow socket.
func (c *conn) sendReply(p wire.Packet) {
	p.Seq = c.lastSeq.Load()
	select {
	case c.out <- outFrame{data: p.AppendJSON(nil)}:
	default:
		c.cl.stats.repliesDropped.Add(1)
		c.cl.log.Warn("interactive client: reply queue full, reply dropped", "host", c.host, "id", p.ID)
	}
}

func (c *conn) schemeName() wire.Scheme { return c.scheme.Load().(wire.Scheme) }

// notSentError is a call that never left: the connection had ended before
// the frame was queued, so it is safe to send it again on the next one.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// socketURL is the address to dial: http(s) is taken for ws(s) (a base URL
// pasted from a browser), and batch=1 is added when batches are wanted.
func socketURL(host string, batches bool) (string, error) {
	u, err := url.Parse(host)
	if err != nil {
		return "", fmt.Errorf("host %q: %w", host, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("host %q: want a ws:// or wss:// address", host)
	}
	if batches {
		q := u.Query()
		q.Set("batch", "1")
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}
