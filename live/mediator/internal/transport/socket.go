package transport

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// Socket is the connection under gorilla's websocket.Conn. Every write —
// the frames a writer builds and gorilla's own control frames (pongs,
// close) — is first tried without blocking. What the kernel will not take
// now waits in pending, and a goroutine that exists only while the socket
// is backed up writes it out under the write timeout. So a writer never
// waits on a slow viewer, and a socket that keeps up costs no goroutine
// and no deadline timer. Its read side (counting, waiting shallow) is in
// read.go, beside ReadLoop.
type Socket struct {
	net.Conn
	raw          syscall.RawConn // nil: every write goes through the drainer
	writeTimeout time.Duration
	drained      func() // called when a backed-up socket has caught up

	// received counts the bytes gorilla has read (its reader goroutine only).
	received int64

	mu       sync.Mutex
	pending  []byte
	draining bool
	err      error
}

func newSocket(c net.Conn, writeTimeout time.Duration) *Socket {
	s := &Socket{Conn: c, writeTimeout: writeTimeout}
	if sc, ok := c.(syscall.Conn); ok {
		s.raw, _ = sc.SyscallConn()
	}
	return s
}

// Write is gorilla's: it never blocks, so gorilla's deadlines don't matter.
func (s *Socket) Write(p []byte) (int, error) {
	if err := s.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// SetWriteDeadline ignores gorilla's deadlines: a write here never blocks,
// and the drainer sets its own.
func (s *Socket) SetWriteDeadline(time.Time) error { return nil }

// write sends p in order after anything pending, without blocking.
func (s *Socket) write(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.draining {
		s.pending = append(s.pending, p...)
		return nil
	}
	n, err := s.tryWrite(p)
	if err != nil {
		s.err = err
		return err
	}
	if n < len(p) {
		s.pending = append(s.pending[:0:0], p[n:]...)
		s.draining = true
		go s.drain()
	}
	return nil
}

// tryWrite writes what the kernel takes now.
func (s *Socket) tryWrite(p []byte) (int, error) {
	if s.raw == nil {
		return 0, nil
	}
	n := 0
	var werr error
	err := s.raw.Write(func(fd uintptr) bool {
		for n < len(p) {
			k, err := syscall.Write(int(fd), p[n:])
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			if errors.Is(err, syscall.EAGAIN) {
				break
			}
			if err != nil {
				werr = err
				break
			}
			n += k
		}
		return true // never wait for the socket to become writable
	})
	if err == nil {
		err = werr
	}
	return n, err
}

// drain writes pending out, blocking, until it is empty.
func (s *Socket) drain() {
	for {
		s.mu.Lock()
		buf := s.pending
		s.pending = nil
		if len(buf) == 0 {
			s.draining = false
			s.mu.Unlock()
			if s.drained != nil {
				s.drained()
			}
			return
		}
		s.mu.Unlock()
		s.Conn.SetWriteDeadline(time.Now().Add(s.writeTimeout))
		if _, err := s.Conn.Write(buf); err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			s.Conn.Close() // the reader returns and cleans up
			return
		}
	}
}

// busy reports whether the socket is backed up (writes only queue).
func (s *Socket) busy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// hijacker hands gorilla a socket instead of the raw connection.
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

// Upgrade completes the WebSocket handshake over a Socket.
func Upgrade(up *websocket.Upgrader, w http.ResponseWriter, r *http.Request, writeTimeout time.Duration) (*websocket.Conn, *Socket, error) {
	var sock *Socket
	ws, err := up.Upgrade(hijacker{w, func(c net.Conn) net.Conn {
		sock = newSocket(c, writeTimeout)
		return sock
	}}, r, nil)
	return ws, sock, err
}
