package transport

import (
	"encoding/binary"
	"runtime"
	"sync"
)

// Writers is a small set of goroutines that write every socket's queued
// packets. A broadcast to 10,000 viewers schedules 10,000 sockets, not
// 10,000 goroutines, and an idle mediator runs none: a writer exits when
// nothing is ready and schedule starts one again, up to max.
type Writers struct {
	max int

	mu      sync.Mutex
	ready   []*Conn // FIFO from head
	head    int
	urgent  []*Conn // game clients: ahead of any fan-out to viewers
	running int
}

// NewWriters makes the set, at most GOMAXPROCS writers (2 at least).
func NewWriters() *Writers {
	return &Writers{max: max(2, runtime.GOMAXPROCS(0))}
}

// schedule hands c, which has packets queued, to a writer.
func (w *Writers) schedule(c *Conn) {
	w.mu.Lock()
	if c.urgent {
		w.urgent = append(w.urgent, c)
	} else {
		w.ready = append(w.ready, c)
	}
	start := w.running < w.max
	if start {
		w.running++
	}
	w.mu.Unlock()
	if start {
		go w.run()
	}
}

func (w *Writers) next() *Conn {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.urgent) > 0 {
		c := w.urgent[0]
		w.urgent[0] = nil
		w.urgent = w.urgent[1:]
		return c
	}
	if w.head == len(w.ready) {
		w.ready, w.head = w.ready[:0], 0
		w.running--
		return nil
	}
	c := w.ready[w.head]
	w.ready[w.head] = nil
	w.head++
	// Under steady load the queue may never empty: reuse the consumed front.
	if w.head >= 1024 && w.head*2 >= len(w.ready) {
		n := copy(w.ready, w.ready[w.head:])
		clear(w.ready[n:])
		w.ready, w.head = w.ready[:n], 0
	}
	return c
}

func (w *Writers) run() {
	var buf []byte // frames of one pass, reused across sockets
	n := 0
	for c := w.next(); c != nil; c = w.next() {
		// A fan-out keeps every writer busy for tens of milliseconds: make
		// room now and then for the readers, whose input is waiting.
		if n++; n%32 == 0 {
			runtime.Gosched()
		}
		buf = c.flush(buf[:0])
		if cap(buf) > 256<<10 {
			buf = nil // don't keep a big scene's buffer for small packets
		}
	}
}

// WebSocket opcodes of the frames written here (RFC 6455 §5.2).
const (
	opText   = 1
	opBinary = 2
	opPing   = 9
	opPong   = 10
)

// appendFrame appends one final, unmasked frame: a server's frame is the
// same bytes for every recipient, so no per-socket framing state is needed.
func appendFrame(b []byte, opcode byte, payload []byte) []byte {
	b = append(b, 0x80|opcode)
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n <= 0xFFFF:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}
