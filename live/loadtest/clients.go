package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// dialer is shared by every driver socket: small buffers and a shared
// write-buffer pool, so that the driver's 10,000 sockets take little of
// the memory a run in one process measures.
var dialer = &websocket.Dialer{
	HandshakeTimeout: 20 * time.Second,
	ReadBufferSize:   1024,
	WriteBufferSize:  512,
	WriteBufferPool:  &sync.Pool{},
}

var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// readFrame reads one whole message into a pooled buffer; put returns it.
func readFrame(ws *websocket.Conn) (frame []byte, put func(), err error) {
	_, r, err := ws.NextReader()
	if err != nil {
		return nil, nil, err
	}
	bp := frameBufs.Get().(*[]byte)
	buf := bytes.NewBuffer((*bp)[:0])
	_, err = io.Copy(buf, r)
	*bp = buf.Bytes()
	return *bp, func() {
		if cap(*bp) <= 1<<20 {
			frameBufs.Put(bp)
		}
	}, err
}

func wsURL(base, path string) string {
	return "ws" + strings.TrimPrefix(base, "http") + path
}

// gameClient is the session's game client: it counts joins, takes the
// input latencies and sends the fan-outs.
type gameClient struct {
	ws   *websocket.Conn
	base time.Time
	wmu  sync.Mutex
	id   uint32

	joined, left atomic.Int64
	inputs       atomic.Int64
	errors       atomic.Int64
	firstError   atomic.Pointer[string]
	lat          latencies // written by the reader only; read after it stops
	latMu        sync.Mutex
	done         chan struct{}
}

func dialGame(ctx context.Context, t Target, base time.Time) (*gameClient, error) {
	h := http.Header{
		"Authorization":         {"Bearer " + t.Token},
		"X-Interactive-Version": {strconv.FormatInt(t.VersionID, 10)},
		"X-Protocol-Version":    {"2.0"},
	}
	ws, resp, err := dialer.DialContext(ctx, wsURL(t.BaseURL, "/gameClient"), h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("game client: %s: %w", resp.Status, err)
		}
		return nil, fmt.Errorf("game client: %w", err)
	}
	g := &gameClient{ws: ws, base: base, done: make(chan struct{})}
	go g.read()
	return g, nil
}

func (g *gameClient) read() {
	defer close(g.done)
	for {
		frame, put, err := readFrame(g.ws)
		if err != nil {
			if ce := (*websocket.CloseError)(nil); asClose(err, &ce) && ce.Code != websocket.CloseNormalClosure {
				msg := fmt.Sprintf("game client closed: %d %s", ce.Code, ce.Text)
				g.firstError.CompareAndSwap(nil, &msg)
			}
			return
		}
		now := time.Since(g.base).Nanoseconds()
		g.latMu.Lock()
		inputStamps(frame, func(sent int64) {
			g.inputs.Add(1)
			g.lat.add(time.Duration(now - sent))
		})
		g.latMu.Unlock()
		g.joined.Add(int64(bytes.Count(frame, markJoin)))
		g.left.Add(int64(bytes.Count(frame, markLeave)))
		if n := bytes.Count(frame, markError); n > 0 {
			g.errors.Add(int64(n))
			msg := string(frame[:min(len(frame), 300)])
			g.firstError.CompareAndSwap(nil, &msg)
		}
		put()
	}
}

// call sends a method (replies are read by the reader; errors counted).
func (g *gameClient) call(method, params string) error {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	g.id++
	msg := fmt.Sprintf(`{"type":"method","id":%d,"method":%q,"params":%s,"discard":false,"seq":0}`, g.id, method, params)
	g.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return g.ws.WriteMessage(websocket.TextMessage, []byte(msg))
}

func (g *gameClient) close() {
	g.wmu.Lock()
	g.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "load test done"), time.Now().Add(time.Second))
	g.wmu.Unlock()
	select {
	case <-g.done:
	case <-time.After(3 * time.Second):
	}
	g.ws.Close()
}

// participant is one viewer socket: its reader takes the fan-out
// latencies; inputs are written by the run's senders.
type participant struct {
	ws   *websocket.Conn
	url  string // the node it reached
	wmu  sync.Mutex
	id   uint32
	base time.Time

	fanouts    atomic.Int64
	given      atomic.Int64 // inputs sent
	errors     atomic.Int64
	lastStamp  int64 // reader only: a fan-out seen twice (onGroupCreate, onGroupUpdate) counts once
	lat        latencies
	closedCode atomic.Int64
	done       chan struct{}
}

func dialParticipant(ctx context.Context, node string, channelID int64, base time.Time, batch bool) (*participant, error) {
	u := wsURL(node, fmt.Sprintf("/participant?channel=%d&x-protocol-version=2.0", channelID))
	if batch {
		u += "&batch=1"
	}
	ws, _, err := dialer.DialContext(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	p := &participant{ws: ws, url: node, base: base, done: make(chan struct{})}
	go p.read()
	return p, nil
}

func (p *participant) read() {
	defer close(p.done)
	for {
		frame, put, err := readFrame(p.ws)
		if err != nil {
			if ce := (*websocket.CloseError)(nil); asClose(err, &ce) {
				p.closedCode.Store(int64(ce.Code))
			}
			return
		}
		now := time.Since(p.base).Nanoseconds()
		stamps(frame, markStamp, func(sent int64) {
			if sent > p.lastStamp {
				p.lastStamp = sent
				p.fanouts.Add(1)
				p.lat.add(time.Duration(now - sent))
			}
		})
		if n := bytes.Count(frame, markError); n > 0 {
			p.errors.Add(int64(n))
		}
		put()
	}
}

// giveInput presses the textbox with the send time as its value.
func (p *participant) giveInput() error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.id++
	b := make([]byte, 0, 160)
	b = append(b, `{"type":"method","id":`...)
	b = strconv.AppendUint(b, uint64(p.id), 10)
	b = append(b, `,"method":"giveInput","params":{"controlID":"box","event":"submit","value":"`...)
	b = strconv.AppendInt(b, time.Since(p.base).Nanoseconds(), 10)
	b = append(b, `"},"discard":false,"seq":0}`...)
	p.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := p.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return err
	}
	p.given.Add(1)
	return nil
}

func (p *participant) close() {
	p.wmu.Lock()
	p.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	p.wmu.Unlock()
	p.ws.Close()
}
