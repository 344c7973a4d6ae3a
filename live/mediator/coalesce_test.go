package mediator

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// recordingConn records each write that reaches the "network".
type recordingConn struct {
	net.Conn
	writes [][]byte
}

func (r *recordingConn) Write(p []byte) (int, error) {
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func TestCoalescerGathersAPassIntoOneWrite(t *testing.T) {
	pool := &sync.Pool{New: func() any { b := make([]byte, 0, 64); return &b }}
	rec := &recordingConn{}
	c := &coalescer{Conn: rec, pool: pool}

	c.Write([]byte("handshake")) // outside a pass: straight through
	c.begin()
	c.Write([]byte("frame1|"))
	c.Write([]byte("frame2|"))
	c.Write([]byte("frame3"))
	if len(rec.writes) != 1 {
		t.Fatalf("%d writes before the end of the pass", len(rec.writes))
	}
	if err := c.end(); err != nil {
		t.Fatal(err)
	}
	if len(rec.writes) != 2 || string(rec.writes[1]) != "frame1|frame2|frame3" {
		t.Fatalf("writes %q", rec.writes)
	}
	// Over the buffer: what was gathered goes first, the big one alone.
	c.begin()
	c.Write([]byte("small"))
	big := bytes.Repeat([]byte("x"), 100)
	c.Write(big)
	c.Write([]byte("tail"))
	c.end()
	if len(rec.writes) != 5 || string(rec.writes[2]) != "small" || len(rec.writes[3]) != 100 || string(rec.writes[4]) != "tail" {
		t.Fatalf("writes %q", rec.writes[2:])
	}
	if c.buf != nil {
		t.Fatal("an idle coalescer keeps a buffer")
	}
}
