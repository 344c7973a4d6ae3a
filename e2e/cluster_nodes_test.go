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
	NATS  *cluster.Server // nil while stopNATS has it down
	DB    string
	Nodes map[string]*server // by node id
	// LeaseTTL is the nodes' --lease-ttl (clusterLeaseTTL unless set
	// before the first node starts).
	LeaseTTL time.Duration

	natsURL, natsStore string // where startNATS brings it back
}

// newTestCluster starts NATS and prepares the shared database: setup runs
// CLI commands on it (tokens, imports) before any node starts, so that no
// two processes migrate it at once.
func newTestCluster(t *testing.T, setup func(db string)) *testCluster {
	t.Helper()
	c := &testCluster{DB: filepath.Join(t.TempDir(), "cluster.db"), Nodes: map[string]*server{},
		LeaseTTL: clusterLeaseTTL, natsURL: "127.0.0.1:0", natsStore: t.TempDir()}
	c.startNATS(t)
	c.natsURL = strings.TrimPrefix(c.NATS.URL(), "nats://") // its port from now on
	// Registered before any node: the nodes stop (SIGTERM, exit 0 checked)
	// while their bus is still there.
	t.Cleanup(func() {
		if c.NATS != nil {
			c.NATS.Shutdown()
		}
	})
	setup(c.DB)
	return c
}

// stopNATS shuts the NATS server down: every node loses its bus.
func (c *testCluster) stopNATS(t *testing.T) {
	t.Helper()
	c.NATS.Shutdown()
	c.NATS = nil
}

// startNATS (re)starts the NATS server on its address, with its store
// (the KV buckets: leases and heartbeats) as it was.
func (c *testCluster) startNATS(t *testing.T) {
	t.Helper()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if c.NATS, err = cluster.RunServer(c.natsURL, c.natsStore); err == nil {
			return
		}
		// The old listener's port may not be free again yet.
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("embedded NATS on %s: %v", c.natsURL, err)
}

// startNode runs `mixstudio mediator --nats URL --node-id ID` on the
// shared database and waits for its /healthz.
func (c *testCluster) startNode(t *testing.T, id string) *server {
	t.Helper()
	return c.startNodeAs(t, "mediator", id)
}

// startNodeAs is startNode with another command: "serve" is a node that
// also serves the studio and the play pages.
func (c *testCluster) startNodeAs(t *testing.T, command, id string) *server {
	t.Helper()
	s := startCommand(t, command, c.DB, []string{
		"--nats", "nats://" + c.natsURL, "--node-id", id, "--lease-ttl", c.LeaseTTL.String(),
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

// clusterRig is a running cluster with its channel live: NATS, the
// nodes (each listing all of them), viewer tokens, and the SDK's game
// client opened through the first node's hosts list and ready there.
type clusterRig struct {
	t       *testing.T
	c       *testCluster
	game    *clusterGame
	channel int64
	tokens  map[string]string // viewer1 … viewerN
}

func startClusterRig(t *testing.T, leaseTTL time.Duration, viewers int, nodes ...string) *clusterRig {
	t.Helper()
	dir := interopDir(t)
	r := &clusterRig{t: t, tokens: map[string]string{}}
	var ownerToken, versionID string
	r.c = newTestCluster(t, func(db string) {
		ownerToken = runCLI(t, db, "token")
		versionID = runCLI(t, db, "import", writeTemp(t, "cluster.json", clusterLayout))
		for i := 1; i <= viewers; i++ {
			name := fmt.Sprintf("viewer%d", i)
			r.tokens[name] = runCLI(t, db, "token", "--user", name)
		}
	})
	r.c.LeaseTTL = leaseTTL
	for _, id := range nodes {
		r.c.startNode(t, id)
	}
	for _, id := range nodes {
		r.c.waitHosts(t, id, len(nodes))
	}
	first := r.c.Nodes[nodes[0]]
	var me struct {
		Channel struct {
			ID int64 `json:"id"`
		} `json:"channel"`
	}
	getJSON(t, first.URL+"/api/v1/users/current", ownerToken, &me)
	r.channel = me.Channel.ID

	// The game client, through the first node's hosts list, lands there:
	// that node is home.
	r.game = startClusterGame(t, dir, first, ownerToken, versionID)
	_, hosts := r.game.wait("hosts", 0, func(l gameLine) bool { return l.Step == "hosts" })
	if len(hosts.Hosts) != len(nodes) || !strings.Contains(hosts.Hosts[0], first.Addr) {
		t.Fatalf("the SDK got hosts %q from node %s, want the %d nodes with it (%s) first", hosts.Hosts, nodes[0], len(nodes), first.Addr)
	}
	_, ready := r.game.wait("ready", 0, func(l gameLine) bool { return l.Step == "ready" })
	if !strings.Contains(ready.URL, first.Addr) {
		t.Fatalf("the game client opened on %s, want node %s (%s), the first of its hosts", ready.URL, nodes[0], first.Addr)
	}
	return r
}

// newViewer joins viewer name (one of the rig's tokens) on node id, with
// a participant key that node hands out.
func (r *clusterRig) newViewer(name, id string) *clusterViewer {
	t := r.t
	t.Helper()
	v := &clusterViewer{t: t, Name: name, Token: r.tokens[name]}
	v.Key = participantKey(t, r.c.Nodes[id], r.channel, v.Token)
	v.dial(r.c, id, r.channel)
	return v
}
