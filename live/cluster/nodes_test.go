package cluster

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/live/mediator"
)

func nodeIDs(ns []mediator.BusNode) []string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	return ids
}

func find(ns []mediator.BusNode, id string) (mediator.BusNode, bool) {
	for _, n := range ns {
		if n.ID == id {
			return n, true
		}
	}
	return mediator.BusNode{}, false
}

// Nodes sees a node join with its URL and load, and WatchNodes sees it go
// when it leaves (Close) and when it dies (its heartbeat expires).
func TestNodesComeAndGo(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	if ids := nodeIDs(a.Nodes()); !slices.Equal(ids, []string{"a"}) {
		t.Fatalf("alone: %v", ids)
	}
	gone := make(chan string, 10)
	stop, _ := a.WatchNodes(func(id string) { gone <- id })
	defer stop()

	b, _ := join(t, s.URL(), "b")
	c, _ := join(t, s.URL(), "c")
	// Join returns with the others' heartbeats already read.
	if ids := nodeIDs(c.Nodes()); !slices.Equal(ids, []string{"c", "a", "b"}) {
		t.Fatalf("c sees %v", ids)
	}
	waitFor(t, "a to see b and c", func() bool { return len(a.Nodes()) == 3 })
	if got, _ := find(a.Nodes(), "b"); got.URL != "http://b.test" {
		t.Fatalf("b as a sees it: %+v", got)
	}

	b.SetLoad(7)
	if got, _ := find(b.Nodes(), "b"); got.Participants != 7 {
		t.Fatalf("b's own load: %+v", got)
	}
	waitFor(t, "a to see b's load", func() bool {
		got, _ := find(a.Nodes(), "b")
		return got.Participants == 7
	})

	b.Close()
	if id := recv(t, gone, "b gone"); id != "b" {
		t.Fatalf("gone %q, want b", id)
	}
	if _, ok := find(a.Nodes(), "b"); ok {
		t.Fatal("b still listed after it left")
	}

	c.kill()
	if id := recv(t, gone, "c gone"); id != "c" {
		t.Fatalf("gone %q, want c", id)
	}
	if ids := nodeIDs(a.Nodes()); !slices.Equal(ids, []string{"a"}) {
		t.Fatalf("after both left: %v", ids)
	}
}

// Two live nodes cannot share an id: the second Join says so.
func TestJoinRefusesALiveNodesID(t *testing.T) {
	s := startServer(t)
	join(t, s.URL(), "a")
	_, err := Join(t.Context(), Options{URL: s.URL(), NodeID: "a", LeaseTTL: testTTL, Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second node a: %v", err)
	}
}

// Join fails at once, saying where, when no server listens.
func TestJoinWithoutServer(t *testing.T) {
	s, err := RunServer("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	url := s.URL()
	s.Shutdown()
	_, err = Join(context.Background(), Options{URL: url, NodeID: "a"})
	if err == nil || !strings.Contains(err.Error(), "cannot reach NATS at "+url) {
		t.Fatalf("join without a server: %v", err)
	}
	_, err = Join(context.Background(), Options{URL: url, NodeID: "a b"})
	if err == nil || !strings.Contains(err.Error(), "node id") {
		t.Fatalf("bad node id: %v", err)
	}
}

// A NATS server restarted without its store has no buckets: the nodes make
// them again, and leases and discovery work as before.
func TestServerRestartWithoutStore(t *testing.T) {
	s, err := RunServer("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() }) // the last s, after the nodes close
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL(), "nats://"))
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	ups := make(chan bool, 10)
	a.OnConnection(func(up bool) { ups <- up })
	s.Shutdown()
	recv(t, ups, "down")
	s, err = RunServer("127.0.0.1:"+port, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	recv(t, ups, "up")

	homes := watchHome(t, b, 1)
	expectHome(t, homes, "")
	claim(t, a, 1, timeout, nil)
	expectHome(t, homes, "a")
	for _, n := range []*Node{a, b} {
		waitFor(t, n.NodeID()+" to see a and b", func() bool { return len(n.Nodes()) == 2 })
	}
	c, _ := join(t, s.URL(), "c")
	for _, n := range []*Node{a, b, c} {
		waitFor(t, n.NodeID()+" to see the three nodes", func() bool { return len(n.Nodes()) == 3 })
	}
	gone := make(chan string, 1)
	stop, _ := c.WatchNodes(func(id string) { gone <- id })
	defer stop()
	b.Close()
	if id := recv(t, gone, "b gone"); id != "b" {
		t.Fatalf("gone %q", id)
	}
}

// A node asking for another TTL than the cluster's renews at the
// cluster's pace: the buckets' TTL is what expires its keys.
func TestJoinAdoptsTheClustersTTL(t *testing.T) {
	s := startServer(t)
	join(t, s.URL(), "a") // makes the buckets with testTTL
	b, err := Join(t.Context(), Options{URL: s.URL(), NodeID: "b", LeaseTTL: 3 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.LeaseTTL() != testTTL {
		t.Fatalf("b's TTL %v, the cluster's %v", b.LeaseTTL(), testTTL)
	}
}

// The error for an unreachable server names it without its password.
func TestJoinErrorHidesPassword(t *testing.T) {
	_, err := Join(context.Background(), Options{URL: "nats://me:secret@127.0.0.1:1", NodeID: "a"})
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error: %v", err)
	}
}
