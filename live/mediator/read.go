package mediator

import (
	"errors"
	"io"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// readLoop reads c's frames until the socket closes, decoding the current
// compression scheme and splitting batches; handle runs for each packet,
// on this goroutine, in order, or with a frame-level error to answer.
func (m *Mediator) readLoop(c *conn, limit int64, handle func(*wire.Packet, *Error)) {
	c.ws.SetReadLimit(limit)
	pong := c.timeouts.pong
	c.ws.SetReadDeadline(time.Now().Add(pong))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(pong))
	})
	defer c.kill()
	var packets []wire.Packet
	for {
		mt, frame, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				lingerDrain(c)
			}
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(pong))
		if c.isClosing() {
			continue // closing: wait for the peer's close, run nothing more
		}
		data, derr := c.dec.Decode(frame, mt == websocket.BinaryMessage)
		if derr != nil {
			// The stream is out of step: nothing after this can be read.
			c.closeWith(derr.Code, derr.CloseReason())
			continue
		}
		var ferr *Error
		packets, _, ferr = wire.AppendPackets(packets[:0], data)
		if ferr != nil {
			handle(nil, ferr)
			continue
		}
		for i := range packets {
			handle(&packets[i], nil)
		}
	}
}

// lingerDrain reads and drops what the peer is still sending after its
// frame was refused as too big (gorilla has sent close 1009), for a short
// while, so that closing does not reset the connection before the peer
// has read that close frame.
func lingerDrain(c *conn) {
	nc := c.ws.UnderlyingConn()
	nc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(nc, 8<<20))
}
