package cluster

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// testTTL is short so expiry tests end quickly; the timeouts below are
// long because the machine running the tests is loaded.
const (
	testTTL = 600 * time.Millisecond
	timeout = 30 * time.Second
)

var quiet = slog.New(slog.DiscardHandler)

func startServer(t *testing.T) *Server {
	t.Helper()
	s, err := RunServer("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func join(t *testing.T, url, id string) (*Node, *testkit.Buffer) {
	t.Helper()
	logs := &testkit.Buffer{}
	n, err := Join(t.Context(), Options{
		URL: url, NodeID: id, PublicURL: "http://" + id + ".test",
		LeaseTTL: testTTL,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatalf("join %s: %v", id, err)
	}
	t.Cleanup(func() { n.Close() })
	return n, logs
}

// kill drops a node the way a crash does: its loops stop and its
// connection closes, with no lease released and no heartbeat removed.
func (n *Node) kill() {
	n.closeOnce.Do(func() {
		n.cancel()
		close(n.reg.stop)
		n.nc.Close()
		n.wg.Wait()
		n.reg.beats.Wait()
		n.conn.stop()
	})
}

// recv waits for a value on ch.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// waitFor polls cond (for state only readable by asking, such as Nodes)
// until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// claim takes channel's lease on n, failing the test if it cannot.
func claim(t *testing.T, n *Node, channel int64, wait time.Duration, lost func()) func() {
	t.Helper()
	if lost == nil {
		lost = func() { t.Errorf("%s lost the lease of channel %d", n.NodeID(), channel) }
	}
	release, holder, err := n.ClaimHome(context.Background(), channel, wait, lost)
	if err != nil || release == nil {
		t.Fatalf("%s claim %d: holder %q err %v", n.NodeID(), channel, holder, err)
	}
	return release
}

// watchHome records WatchHome's reports on a channel.
func watchHome(t *testing.T, n *Node, channel int64) <-chan string {
	t.Helper()
	ch := make(chan string, 100)
	stop, err := n.WatchHome(channel, func(id string) { ch <- id })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return ch
}

func expectHome(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	if got := recv(t, ch, "home "+want); got != want {
		t.Fatalf("home: got %q, want %q", got, want)
	}
}
