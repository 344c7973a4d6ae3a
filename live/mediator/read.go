package mediator

import (
	"errors"
	"io"
	"net"
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
	// parsed is a lower bound of the bytes gorilla has consumed: each frame
	// counted at its smallest header. When it equals what the socket has
	// received, gorilla holds nothing buffered, and the loop may wait for
	// the next frame parked shallow (waitReadable) instead of deep in
	// gorilla's reader. A fragmented message leaves parsed behind for good,
	// which only costs that socket the shallow wait.
	var parsed int64
	c.ws.SetPongHandler(func(data string) error {
		parsed += frameSize(len(data))
		return c.ws.SetReadDeadline(time.Now().Add(pong))
	})
	c.ws.SetPingHandler(func(data string) error {
		parsed += frameSize(len(data))
		// What gorilla's default handler does.
		err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		var ne net.Error
		if err == websocket.ErrCloseSent || errors.As(err, &ne) {
			return nil
		}
		return err
	})
	defer c.kill()
	var packets []wire.Packet
	for {
		if c.sock != nil && parsed == c.sock.received {
			c.sock.waitReadable()
		}
		mt, frame, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				lingerDrain(c)
			}
			return
		}
		parsed += frameSize(len(frame))
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

// frameSize is the size of a client's frame (masked) carrying n bytes,
// with the shortest length encoding.
func frameSize(n int) int64 {
	switch {
	case n < 126:
		return int64(2 + 4 + n)
	case n <= 0xFFFF:
		return int64(4 + 4 + n)
	}
	return int64(10 + 4 + n)
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
