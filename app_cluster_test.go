package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/cluster"
)

// logValue waits until the log has a line with msg and returns its key=.
func logValue(t *testing.T, log *testkit.Buffer, msg, key string) string {
	t.Helper()
	re := regexp.MustCompile(`msg="` + regexp.QuoteMeta(msg) + `".* ` + key + `=(\S+)`)
	deadline := time.After(60 * time.Second)
	for {
		written := log.Written()
		if m := re.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		select {
		case <-written:
		case <-deadline:
			t.Fatalf("no %q with %s in the log:\n%s", msg, key, log)
		}
	}
}

// `serve --nats-listen` runs a NATS server, joins it as a node that the
// cluster lists under hostname-port with its listen URL, hands out the
// other nodes in discovery, and on shutdown leaves the cluster before the
// server stops.
func TestServeWithEmbeddedNATSJoinsAndLeaves(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "c.db"),
			"--nats-listen", "127.0.0.1:0", "--lease-ttl", "600ms"}, &testkit.Buffer{}, log)
	}()
	natsURL := logValue(t, log, "NATS server listening", "url")
	base := logValue(t, log, "mixstudio listening", "url")
	nodeID := logValue(t, log, "joined the cluster", "node")
	if !strings.HasSuffix(nodeID, "-"+base[strings.LastIndex(base, ":")+1:]) {
		t.Fatalf("node id %q is not hostname-port of %s", nodeID, base)
	}

	other, err := cluster.Join(ctx, cluster.Options{URL: natsURL, NodeID: "other", PublicURL: "http://other.test",
		LeaseTTL: 600 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if ns := other.Nodes(); len(ns) != 2 || ns[1].ID != nodeID || ns[1].URL != base {
		t.Fatalf("the cluster lists %+v, want %s at %s", ns, nodeID, base)
	}
	gone := make(chan string, 1)
	other.WatchNodes(func(id string) { gone <- id })

	// Discovery: serve's own address first, then the other node.
	want := []string{strings.Replace(base, "http://", "ws://", 1) + "/gameClient", "ws://other.test/gameClient"}
	deadline := time.Now().Add(60 * time.Second)
	for hosts := discoveredHosts(t, base); !slices.Equal(hosts, want); hosts = discoveredHosts(t, base) {
		if time.Now().After(deadline) {
			t.Fatalf("discovery: %q, want %q", hosts, want)
		}
		time.Sleep(20 * time.Millisecond) // serve's node reads heartbeats in the background
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
	// Only a node that deletes its heartbeat is seen gone: the NATS
	// server stopped with serve, so no heartbeat can expire any more.
	select {
	case id := <-gone:
		if id != nodeID {
			t.Fatalf("gone %q", id)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve stopped without leaving the cluster first")
	}
	if !strings.Contains(log.String(), "shut down") {
		t.Fatalf("no clean shutdown logged:\n%s", log)
	}
}

func discoveredHosts(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/interactive/hosts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var hosts []struct{ Address string }
	if err := json.NewDecoder(resp.Body).Decode(&hosts); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hosts {
		out = append(out, h.Address)
	}
	return out
}

// The cluster flags refuse what cannot work before anything starts.
func TestClusterFlagsRefuseBadCombinations(t *testing.T) {
	for _, args := range [][]string{
		{"--nats", "nats://127.0.0.1:1", "--nats-listen", "127.0.0.1:0"},
		{"--nats-listen", "127.0.0.1:0", "--lease-ttl", "10ms"},
	} {
		err := run(context.Background(), append([]string{"mediator", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db")}, args...), &testkit.Buffer{}, &testkit.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "--") {
			t.Fatalf("%v: %v", args, err)
		}
	}
	// No server where --nats points: a clear error, not a hang.
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "y.db"), "--nats", "nats://127.0.0.1:1"}, &testkit.Buffer{}, &testkit.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "cannot reach NATS at nats://127.0.0.1:1") {
		t.Fatalf("unreachable NATS: %v", err)
	}
}
