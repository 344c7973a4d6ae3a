package transport

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// A peer that stops reading backs the socket up: writes then queue behind
// what the kernel did not take, nothing blocks, and once the peer reads,
// every byte arrives in the order written, gorilla's writes included.
func TestSocketBacklogKeepsOrderWithoutBlocking(t *testing.T) {
	server, client := tcpPair(t)
	s := newSocket(server, 10*time.Second)
	if s.raw == nil {
		t.Fatal("a TCP connection should give a raw connection")
	}
	drained := make(chan struct{}, 1)
	s.drained = func() { drained <- struct{}{} }

	var want bytes.Buffer
	chunk := make([]byte, 64<<10)
	for i := 0; !s.busy(); i++ {
		if i > 2000 { // 128 MiB: the kernel's buffers are far smaller
			t.Fatal("the socket never backed up")
		}
		binary.BigEndian.PutUint32(chunk, uint32(i))
		start := time.Now()
		if err := s.write(chunk); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("write %d blocked for %v", i, d)
		}
		want.Write(chunk)
	}
	// Queued behind the backlog: a frame the way gorilla writes it.
	if _, err := s.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	want.WriteString("pong")

	got := make([]byte, want.Len())
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("bytes arrived out of order or altered")
	}
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("drained was not called")
	}
	if s.busy() {
		t.Fatal("still busy after draining")
	}
	// Caught up: writes go straight out again.
	s.write([]byte("next"))
	if _, err := io.ReadFull(client, got[:4]); err != nil || string(got[:4]) != "next" {
		t.Fatalf("after draining: %q %v", got[:4], err)
	}
}

// A write to a peer that has gone reports the error, and so do the next.
func TestSocketReportsABrokenConnection(t *testing.T) {
	server, client := tcpPair(t)
	s := newSocket(server, time.Second)
	client.Close()
	var err error
	for i := 0; i < 100 && err == nil; i++ { // the first writes may still be accepted
		err = s.write(make([]byte, 1024))
		time.Sleep(time.Millisecond)
	}
	if err == nil {
		t.Fatal("writes to a closed peer kept succeeding")
	}
	if s.write([]byte("x")) == nil {
		t.Fatal("a failed socket accepted a write")
	}
}

func TestAppendFrameLengthEncodings(t *testing.T) {
	for _, c := range []struct {
		n      int
		header []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{65535, []byte{0x81, 126, 0xff, 0xff}},
		{65536, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	} {
		payload := bytes.Repeat([]byte("a"), c.n)
		f := appendFrame(nil, opText, payload)
		if !bytes.Equal(f[:len(c.header)], c.header) || !bytes.Equal(f[len(c.header):], payload) {
			t.Errorf("%d bytes: header % x", c.n, f[:min(len(f), 10)])
		}
	}
}
