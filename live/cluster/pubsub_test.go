package cluster

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"
)

// Messages one node publishes on a subject reach a subscriber on another
// node all, and in order.
func TestPublishKeepsOrder(t *testing.T) {
	const count = 10_000
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	got := make(chan uint64, count)
	stop, err := a.Subscribe("mix.1.out", func(data []byte) { got <- binary.BigEndian.Uint64(data) })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for i := range uint64(count) {
		if err := b.Publish("mix.1.out", binary.BigEndian.AppendUint64(nil, i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range uint64(count) {
		if v := recv(t, got, "message"); v != i {
			t.Fatalf("message %d arrived as number %d", v, i)
		}
	}
	// stop ends delivery
	stop()
	b.Publish("mix.1.out", binary.BigEndian.AppendUint64(nil, count))
	b.nc.Flush()
	a.nc.Flush()
	select {
	case v := <-got:
		t.Fatalf("message %d delivered after stop", v)
	default:
	}
}

// A subscriber too slow for its pending limit loses messages: the node
// logs it.
func TestSlowConsumerIsLogged(t *testing.T) {
	s := startServer(t)
	a, logs := join(t, s.URL(), "a")
	a.pendingMsgs = 10
	block := make(chan struct{})
	stop, err := a.Subscribe("slow", func([]byte) { <-block })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for range 100 {
		a.Publish("slow", []byte("x"))
	}
	a.nc.Flush()
	waitFor(t, "the slow consumer logged", func() bool {
		return strings.Contains(logs.String(), "slow consumer")
	})
	close(block)
}

// Connected and OnConnection follow the server going away and coming back;
// once back, subscriptions and the node registry work again.
func TestConnectionAcrossServerRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := RunServer("127.0.0.1:0", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() }) // the last s, after the nodes close
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL(), "nats://"))
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	ups := make(chan bool, 10)
	a.OnConnection(func(up bool) { ups <- up })
	got := make(chan string, 10)
	stop, _ := a.Subscribe("ping", func(d []byte) { got <- string(d) })
	defer stop()
	if !a.Connected() {
		t.Fatal("not connected after Join")
	}

	s.Shutdown()
	if up := recv(t, ups, "down"); up {
		t.Fatal("first change reported up")
	}
	if a.Connected() {
		t.Fatal("Connected with the server down")
	}

	s, err = RunServer("127.0.0.1:"+port, dir)
	if err != nil {
		t.Fatal(err)
	}
	if up := recv(t, ups, "up"); !up {
		t.Fatal("second change reported down")
	}
	if !a.Connected() {
		t.Fatal("not Connected after the reconnect")
	}
	waitFor(t, "b reconnected", b.Connected)
	b.nc.Flush()
	a.nc.Flush() // a's subscription is back on the server
	b.Publish("ping", []byte("after"))
	if d := recv(t, got, "message after restart"); d != "after" {
		t.Fatal(d)
	}
	c, _ := join(t, s.URL(), "c")
	waitFor(t, "a to see c after the restart", func() bool {
		_, ok := find(a.Nodes(), c.NodeID())
		return ok
	})
	select {
	case up := <-ups:
		t.Fatalf("extra connection change %v", up)
	case <-time.After(0):
	}
}

// Messages counts what the server received and delivered: one publish
// heard by two subscribers is one in and two out (the load test's "bus
// messages per update").
func TestServerCountsMessages(t *testing.T) {
	const count = 1000
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	got := make(chan struct{}, 2*count)
	for _, n := range []*Node{a, b} {
		stop, err := n.Subscribe("mix.2.out", func([]byte) { got <- struct{}{} })
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
	}
	in0, out0 := s.Messages()
	for range count {
		a.Publish("mix.2.out", []byte("x"))
	}
	for range 2 * count {
		recv(t, got, "message")
	}
	in1, out1 := s.Messages()
	// Heartbeats and lease renewals add a few of their own.
	if d := in1 - in0; d < count || d > count+count/10 {
		t.Fatalf("in: %d for %d publishes", d, count)
	}
	if d := out1 - out0; d < 2*count || d > 2*count+count/10 {
		t.Fatalf("out: %d for %d publishes to two subscribers", d, count)
	}
}

// The embedded server takes messages up to MaxPayload, above NATS's 1 MiB
// default; larger ones are refused at Publish, not lost silently.
func TestLargeMessages(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	got := make(chan int, 1)
	stop, _ := a.Subscribe("big", func(d []byte) { got <- len(d) })
	defer stop()
	big := make([]byte, 4<<20)
	if err := a.Publish("big", big); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, got, "4 MiB message"); n != len(big) {
		t.Fatalf("got %d bytes", n)
	}
	if err := a.Publish("big", make([]byte, MaxPayload+1)); err == nil {
		t.Fatal("a message over MaxPayload was accepted")
	}
}
