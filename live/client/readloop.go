package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// readLoop reads frames until the socket ends. It never blocks on anyone:
// replies go to buffered channels, events to the bounded event buffer,
// replies to server methods to the writer's queue without waiting.
func (c *conn) readLoop() {
	defer c.wg.Done()
	idle := 2 * c.cl.cfg.PingInterval
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(idle))
	})
	dec := wire.NewDecoder(wire.None)
	var packets []wire.Packet
	for {
		c.ws.SetReadDeadline(time.Now().Add(idle))
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			c.end(readError(err))
			return
		}
		// Text frames are plain JSON in every scheme (the setCompression
		// reply comes that way); binary frames continue the inbound
		// stream, which is lost after a bad one, so the connection ends.
		plain, werr := dec.Decode(data, mt == websocket.BinaryMessage)
		if werr != nil {
			c.cl.stats.badPackets.Add(1)
			c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(werr.Code, werr.CloseReason()), time.Now().Add(time.Second))
			c.end(fmt.Errorf("inbound %s frame: %w", dec.Scheme(), werr))
			return
		}
		var ferr *wire.Error
		packets, _, ferr = wire.AppendPackets(packets[:0], plain)
		if ferr != nil {
			c.cl.stats.badPackets.Add(1)
			c.cl.log.Warn("interactive client: unusable frame from server", "host", c.host, "err", ferr, "bytes", len(plain))
			c.sendReply(wire.ErrorReply(0, ferr))
			continue
		}
		for i := range packets {
			if next := c.handle(&packets[i]); next != nil {
				dec = next
			}
		}
	}
}

// handle acts on one packet. It returns a new inbound decoder when the
// packet was the reply that switched compression.
func (c *conn) handle(p *wire.Packet) *wire.Decoder {
	if p.Seq != 0 {
		c.lastSeq.Store(p.Seq)
	}
	if p.Err != nil {
		c.cl.stats.badPackets.Add(1)
		c.cl.log.Warn("interactive client: bad packet from server", "host", c.host, "err", p.Err)
		if p.Type == wire.TypeReply {
			if pc := c.take(p.ID); pc != nil {
				pc.reply <- callResult{err: fmt.Errorf("%s: malformed reply: %w", pc.method, p.Err)}
			}
			if c.isCompressionReply(p.ID) {
				// We cannot tell which scheme the server now speaks.
				c.switched <- schemeSwitch{keep: true}
				c.end(fmt.Errorf("setCompression: malformed reply: %w", p.Err))
			}
		} else if !p.Discard {
			c.sendReply(wire.ErrorReply(p.ID, p.Err))
		}
		return nil
	}
	if p.Type == wire.TypeMethod {
		c.onMethod(p)
		return nil
	}
	var next *wire.Decoder
	if c.isCompressionReply(p.ID) {
		next = c.switchScheme(p)
	}
	pc := c.take(p.ID)
	if pc == nil {
		c.cl.stats.unknownReplies.Add(1)
		c.cl.log.Warn("interactive client: reply to an id we are not waiting for", "host", c.host, "id", p.ID)
		return next
	}
	if p.Error != nil {
		pc.reply <- callResult{err: &ReplyError{Method: pc.method, Code: p.Error.Code, Message: p.Error.Message, Path: p.Error.Path}}
		return next
	}
	pc.reply <- callResult{result: append(json.RawMessage(nil), p.Result...)}
	return next
}

// isCompressionReply reports (and clears) whether id is our outstanding
// setCompression. It is tracked apart from pending calls: even if the
// caller gave up waiting, the server switches, and so must we.
func (c *conn) isCompressionReply(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.compressID == 0 || c.compressID != id {
		return false
	}
	c.compressID = 0
	return true
}

// switchScheme reads the server's choice from a setCompression reply, hands
// it to the writer (which is holding later frames) and returns the new
// inbound decoder. The reply itself came in plain text; both directions
// change from the next frame. Choosing the current scheme resets both
// streams, so a fresh decoder is returned in every case of success.
func (c *conn) switchScheme(p *wire.Packet) *wire.Decoder {
	if p.Error != nil {
		c.switched <- schemeSwitch{keep: true}
		return nil
	}
	var r struct {
		Scheme string `json:"scheme"`
	}
	if json.Unmarshal(p.Result, &r) != nil || r.Scheme == "" {
		r.Scheme = "none" // no usable answer: the spec's fallback is plain text
	}
	s, known := wire.ParseScheme(r.Scheme)
	if !known {
		c.switched <- schemeSwitch{keep: true}
		c.end(fmt.Errorf("setCompression: server chose unknown scheme %q", r.Scheme))
		return nil
	}
	c.switched <- schemeSwitch{scheme: s}
	c.scheme.Store(s)
	return wire.NewDecoder(s)
}

// onMethod delivers a server method as an event and answers it unless the
// server asked us to discard the reply.
func (c *conn) onMethod(p *wire.Packet) {
	if !p.Discard {
		c.sendReply(wire.Reply(p.ID, nil))
	}
	if p.Method == "hello" {
		c.helloed.Do(func() { close(c.hello) })
		return
	}
	c.cl.emit(Event{Method: p.Method, Params: append(json.RawMessage(nil), p.Params...), Seq: p.Seq})
}

// readError turns a read failure into the reason the connection ended: a
// CloseError when the server sent a close frame, otherwise the network
// error as is.
func readError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
		return &CloseError{Code: ce.Code, Reason: ce.Text}
	}
	if ce != nil {
		// 1006 is gorilla's name for a socket that ended without a close
		// frame: the network, not the server, ended it.
		return fmt.Errorf("connection dropped without a close frame: %s", ce.Text)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no traffic from server: %w", err)
	}
	return err
}

// writeLoop writes queued frames in order, encoding them in the outbound
// scheme, and pings. After a setCompression request it holds every later
// frame until the reader has the server's answer, because the server reads
// the next frame in the new scheme.
func (c *conn) writeLoop() {
	defer c.wg.Done()
	enc := wire.NewEncoder(wire.None)
	var buf []byte
	ping := time.NewTicker(c.cl.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cl.cfg.PingInterval)); err != nil {
				c.end(fmt.Errorf("ping: %w", err))
				return
			}
		case f := <-c.out:
			data, err := enc.Encode(buf[:0], f.data)
			if err != nil {
				c.end(fmt.Errorf("encode outbound frame: %w", err))
				return
			}
			if cap(data) <= maxKeptBuffer {
				buf = data // reuse; one huge frame must not pin its size
			}
			mt := websocket.TextMessage
			if enc.Binary() {
				mt = websocket.BinaryMessage
			}
			c.ws.SetWriteDeadline(time.Now().Add(c.cl.cfg.RequestTimeout))
			if err := c.ws.WriteMessage(mt, data); err != nil {
				c.end(fmt.Errorf("write: %w", err))
				return
			}
			if !f.setCompression {
				continue
			}
			wait := time.NewTimer(c.cl.cfg.RequestTimeout)
			select {
			case sw := <-c.switched:
				if !sw.keep {
					enc = wire.NewEncoder(sw.scheme)
				}
			case <-wait.C:
				// Without the answer we cannot know the server's scheme.
				c.end(errors.New("setCompression: no reply; compression state unknown"))
				return
			case <-c.done:
				wait.Stop()
				return
			}
			wait.Stop()
		}
	}
}

// maxKeptBuffer is the largest encode buffer the writer keeps between frames.
const maxKeptBuffer = 256 << 10

// schemeSwitch is the reader's word to the writer after setCompression:
// keep the current encoder (the call failed) or start a fresh one.
type schemeSwitch struct {
	scheme wire.Scheme
	keep   bool
}

// outFrame is a plain-JSON frame queued for the writer.
type outFrame struct {
	data           []byte
	setCompression bool
}
