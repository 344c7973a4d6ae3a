package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/cluster"
)

// clusterLeaseTTL is the home lease every node of a test cluster is given:
// short, so that a dead home is replaced within a test's patience.
const clusterLeaseTTL = 2 * time.Second

// testCluster is one channel's cluster on loopback (docs/scaling.md): a
// NATS server embedded in the test process and `mixstudio mediator`
// processes, the nodes, all on one SQLite file.
type testCluster struct {
	NATS  *cluster.Server
	DB    string
	Nodes map[string]*server // by node id
}

// newTestCluster starts NATS and prepares the shared database: setup runs
// CLI commands on it (tokens, imports) before any node starts, so that no
// two processes migrate it at once.
func newTestCluster(t *testing.T, setup func(db string)) *testCluster {
	t.Helper()
	ns, err := cluster.RunServer("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatalf("embedded NATS: %v", err)
	}
	// Registered before any node: the nodes stop (SIGTERM, exit 0 checked)
	// while their bus is still there.
	t.Cleanup(ns.Shutdown)
	c := &testCluster{NATS: ns, DB: filepath.Join(t.TempDir(), "cluster.db"), Nodes: map[string]*server{}}
	setup(c.DB)
	return c
}

// startNode runs `mixstudio mediator --nats URL --node-id ID` on the
// shared database and waits for its /healthz.
func (c *testCluster) startNode(t *testing.T, id string) *server {
	t.Helper()
	s := startCommand(t, "mediator", c.DB, []string{
		"--nats", c.NATS.URL(), "--node-id", id, "--lease-ttl", clusterLeaseTTL.String(),
		// Every viewer of the test dials from 127.0.0.1.
		"--sockets-per-address", "0", "--requests-per-address", "0",
	})
	c.Nodes[id] = s
	return s
}

// waitHosts waits until node id's hosts list names want nodes, itself first.
func (c *testCluster) waitHosts(t *testing.T, id string, want int) []string {
	t.Helper()
	s := c.Nodes[id]
	deadline := time.Now().Add(testkit.Timeout)
	var last []string
	for {
		last = hostsOf(s)
		if len(last) == want && strings.Contains(last[0], s.Addr) {
			return last
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s lists hosts %q, want %d with itself (%s) first", id, last, want, s.Addr)
		}
		// Nothing announces a node's arrival to the test: poll the list.
		time.Sleep(50 * time.Millisecond)
	}
}

// hostsOf is a node's /api/v1/interactive/hosts addresses (nil when it
// does not answer).
func hostsOf(s *server) []string {
	var list []struct {
		Address string `json:"address"`
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(s.URL + "/api/v1/interactive/hosts")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&list) != nil {
		return nil
	}
	out := make([]string, len(list))
	for i, h := range list {
		out[i] = h.Address
	}
	return out
}

// kill9 ends the node as a crash does: SIGKILL, no goodbye on the bus, no
// close frames. The cleanup does not stop it again.
func (s *server) kill9(t *testing.T) {
	t.Helper()
	if s.down {
		t.Fatalf("kill -9 of a node that is already down")
	}
	s.down = true
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(testkit.Timeout):
		t.Fatalf("node did not end within %v of SIGKILL", testkit.Timeout)
	}
}

// relaunch starts a killed node again on its address and database, with
// the same flags (a supervisor restarting a crashed process).
func (s *server) relaunch(t *testing.T) {
	t.Helper()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = s.launch(); err == nil {
			s.down = false
			return
		}
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("relaunch node: %v", err)
}

// participantKey asks node s for a viewer's participant key to channel
// (/api/v1/interactive/{channel}, the viewer's page's call).
func participantKey(t *testing.T, s *server, channel int64, viewerToken string) string {
	t.Helper()
	var join struct {
		SocketAddress string `json:"socketAddress"`
		Key           string `json:"key"`
	}
	getJSON(t, fmt.Sprintf("%s/api/v1/interactive/%d", s.URL, channel), viewerToken, &join)
	if join.Key == "" {
		t.Fatalf("node %s gave no participant key for channel %d", s.Addr, channel)
	}
	return join.Key
}

// participantURL is node s's participant socket for channel with key.
func participantURL(s *server, channel int64, key string) string {
	q := url.Values{"channel": {strconv.FormatInt(channel, 10)}, "key": {key}, "x-protocol-version": {"2.0"}}
	return testkit.WSURL(s.URL, "/participant", q)
}

// writeTemp writes content to a file in a test's temporary directory.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
