package cluster

import (
	"net"
	"strings"
	"sync"
	"testing"
)

// partition is a TCP proxy to the NATS server that can go silent: sockets
// stay open but nothing passes, as when a network drops packets.
type partition struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	open   chan struct{} // closed while traffic passes
}

func newPartition(t *testing.T, target string) *partition {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &partition{ln: ln, target: strings.TrimPrefix(target, "nats://"), open: make(chan struct{})}
	close(p.open)
	t.Cleanup(func() { ln.Close() })
	go p.accept()
	return p
}

func (p *partition) url() string { return "nats://" + p.ln.Addr().String() }

func (p *partition) gate() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

func (p *partition) cut() {
	p.mu.Lock()
	p.open = make(chan struct{})
	p.mu.Unlock()
}

func (p *partition) heal() {
	p.mu.Lock()
	close(p.open)
	p.mu.Unlock()
}

func (p *partition) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			<-p.gate() // a connection made while cut hangs
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				return
			}
			go p.pipe(s, c)
			p.pipe(c, s)
		}()
	}
}

// pipe copies until either side closes; while cut, it drops what it
// reads and leaves both sockets open.
func (p *partition) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		select {
		case <-p.gate():
		default:
			continue
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// A node cut off from NATS without its socket closing (a network
// partition) notices by its pings: it reports the bus down and gives up
// its lease, and comes back when the network does.
func TestPartitionedNodeGivesUpItsLease(t *testing.T) {
	s := startServer(t)
	p := newPartition(t, s.URL())
	a, _ := join(t, p.url(), "a")
	b, _ := join(t, s.URL(), "b")
	ups := make(chan bool, 10)
	a.OnConnection(func(up bool) { ups <- up })
	lost := make(chan struct{}, 1)
	claim(t, a, 1, 0, func() { lost <- struct{}{} })
	homes := watchHome(t, b, 1)
	expectHome(t, homes, "a")

	p.cut()
	recv(t, lost, "a's lost()")
	if up := recv(t, ups, "a's bus down"); up {
		t.Fatal("reported up")
	}
	expectHome(t, homes, "") // a's lease expired on the server
	claim(t, b, 1, timeout, nil)

	p.heal()
	if up := recv(t, ups, "a's bus back"); !up {
		t.Fatal("reported down")
	}
	if _, holder, err := a.ClaimHome(t.Context(), 1, 0, func() {}); err != nil || holder != "b" {
		t.Fatalf("a after the partition: holder %q err %v", holder, err)
	}
}
