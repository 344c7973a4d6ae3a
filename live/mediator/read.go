package mediator

import (
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
