package transport

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// ReadLoop reads c's frames until the socket closes, decoding the current
// compression scheme and splitting batches; handle runs for each packet,
// on this goroutine, in order, or with a frame-level error to answer.
func (c *Conn) ReadLoop(limit int64, handle func(*wire.Packet, *wire.Error)) {
	c.ws.SetReadLimit(limit)
	pong := c.timeouts.Pong
	c.ws.SetReadDeadline(time.Now().Add(pong))
	// parsed is a lower bound of the bytes gorilla has consumed: each frame
	// counted at its smallest header. When it equals what the socket has
	// received, gorilla holds nothing buffered, and the loop may wait for
	// the next frame parked shallow (awaitData) instead of deep in
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
	defer c.Kill()
	var packets []wire.Packet
	for {
		if c.sock != nil && parsed == c.sock.received {
			c.sock.awaitData(func() { c.ws.SetReadDeadline(time.Now().Add(pong)) })
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
		if c.IsClosing() {
			continue // closing: wait for the peer's close, run nothing more
		}
		if mt == websocket.TextMessage && !utf8.Valid(frame) {
			// RFC 6455 8.1: an endpoint that receives invalid UTF-8 in a
			// text message fails the connection with 1007.
			c.CloseWith(wire.CodeInvalidPayload, "A text frame must be UTF-8.")
			continue
		}
		data, derr := c.dec.Decode(frame, mt == websocket.BinaryMessage)
		if derr != nil {
			// The stream is out of step: nothing after this can be read.
			c.CloseWith(derr.Code, derr.CloseReason())
			continue
		}
		var ferr *wire.Error
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

func (s *Socket) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	s.received += int64(n)
	return n, err
}

// awaitData parks until the peer has sent something for gorilla to read
// (or the read deadline passes, or the socket closes), without reading it.
// Parked here, a reader's stack is shallow enough for the GC to halve it:
// an idle viewer costs a 2 KiB stack instead of 4. Pongs and pings that
// arrive whole are taken here (pong is called; a ping is answered), so
// that a ping round does not leave every reader waiting deep in gorilla.
// Only call it when gorilla holds nothing buffered.
func (s *Socket) awaitData(pong func()) {
	if s.raw == nil {
		return
	}
	var b [6 + 125]byte // a masked control frame at its largest
	for {
		n, err := s.recv(b[:], syscall.MSG_PEEK, true)
		if err != nil || n < 6 {
			return
		}
		size := 6 + int(b[1]&0x7f)
		control := (b[0] == 0x80|opPing || b[0] == 0x80|opPong) && b[1]&0x80 != 0 && size <= n
		if !control {
			return // data, a close, or a frame still arriving: gorilla's
		}
		if k, err := s.recv(b[:size], 0, false); err != nil || k != size {
			s.Conn.Close() // cannot happen: the bytes were there to peek
			return
		}
		if b[0] == 0x80|opPong {
			pong()
			continue
		}
		payload := b[6:size]
		for i := range payload {
			payload[i] ^= b[2+i%4]
		}
		if s.write(appendFrame(nil, opPong, payload)) != nil {
			return
		}
	}
}

// recv is one recvfrom on the socket; with wait, it first parks until
// there is something to read.
func (s *Socket) recv(b []byte, flags int, wait bool) (n int, err error) {
	rerr := s.raw.Read(func(fd uintptr) bool {
		n, _, err = syscall.Recvfrom(int(fd), b, flags|syscall.MSG_DONTWAIT)
		return !wait || !errors.Is(err, syscall.EAGAIN)
	})
	if rerr != nil {
		return 0, rerr
	}
	return n, err
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
func lingerDrain(c *Conn) {
	nc := c.ws.UnderlyingConn()
	nc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(nc, 8<<20))
}
