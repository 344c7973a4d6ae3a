package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mixstudio/mixstudio/live/cluster"
)

// MaxEdges bounds a cluster run's edge nodes (each is a process).
const MaxEdges = 8

// CheckEdges says whether a cluster run may have n edges.
func CheckEdges(n int) error {
	if n < 1 || n > MaxEdges {
		return fmt.Errorf("edges %d: want 1 to %d", n, MaxEdges)
	}
	return nil
}

// Cluster is a home node and N edge nodes, each a `mixstudio mediator`
// child process, joined over a NATS server run in this process. Stop
// ends them all.
type Cluster struct {
	Target Target
	bus    *cluster.Server
	nodes  []*child
}

// StartCluster prepares a database in dir, starts a NATS server in this
// process and exe's `mediator` command as "home" on that database and as
// "edge1".."edgeN" with --edge-only, each on an empty database of its own
// (as docs/scaling.md deploys them: edges need none), and returns the
// Target a run drives: the game client on the home, the participants
// spread over the edges only, so that every figure is for the path
// through the bus. The nodes' stderr goes to
// logTo, each line prefixed with the node's name. On error, whatever
// was started is stopped.
func StartCluster(ctx context.Context, dir, exe string, edges int, logTo io.Writer) (c *Cluster, err error) {
	if err := CheckEdges(edges); err != nil {
		return nil, err
	}
	db := filepath.Join(dir, "load.db")
	t, err := PrepareDB(ctx, db)
	if err != nil {
		return nil, err
	}
	bus, err := cluster.RunServer("127.0.0.1:0", filepath.Join(dir, "nats"))
	if err != nil {
		return nil, err
	}
	c = &Cluster{bus: bus}
	defer func() {
		if err != nil {
			c.Stop()
			c = nil
		}
	}()
	names := []string{"home"}
	for i := 1; i <= edges; i++ {
		names = append(names, fmt.Sprintf("edge%d", i))
	}
	// The nodes start at once; each is ready when it says it listens
	// (after it has joined the bus).
	nodes := make([]Node, len(names))
	c.nodes = make([]*child, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			ch, url, err := startChild(ctx, name, exe, nodeArgs(dir, db, bus.URL(), name), logTo, true, listeningURL)
			if err != nil {
				errs[i] = fmt.Errorf("node %s: %w", name, err)
				return
			}
			c.nodes[i] = ch
			nodes[i] = Node{Name: name, URL: url, PID: ch.pid()}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	for _, n := range nodes {
		if err := CheckLoopback(n.URL); err != nil {
			return c, fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	t.BaseURL = nodes[0].URL
	for _, n := range nodes[1:] {
		t.ParticipantURLs = append(t.ParticipantURLs, n.URL)
	}
	t.Nodes = nodes
	t.BusMessages = bus.Messages
	c.Target = t
	return c, nil
}

// nodeArgs is one node's command line: the mediator on a free loopback
// port, in the cluster, without the limits a public node keeps (every
// participant comes from loopback and presses faster than people: the
// tool measures load, not the limits). The home serves the prepared
// database; an edge is --edge-only, on an empty one of its own.
func nodeArgs(dir, db, natsURL, name string) []string {
	args := []string{"mediator", "--addr", "127.0.0.1:0", "--nats", natsURL, "--node-id", name,
		"--input-rate", "0", "--sockets-per-address", "0", "--requests-per-address", "0"}
	if name == "home" {
		return append(args, "--db", db)
	}
	return append(args, "--edge-only", "--db", filepath.Join(dir, name+".db"))
}

// listeningURL recognises the mediator's log line saying where it serves:
// `... msg="mixstudio listening" url=http://127.0.0.1:PORT ...`.
func listeningURL(line string) (string, bool) {
	if !strings.Contains(line, `msg="mixstudio listening"`) {
		return "", false
	}
	for f := range strings.FieldsSeq(line) {
		if u, ok := strings.CutPrefix(f, "url="); ok {
			return u, true
		}
	}
	return "", false
}

// Stop ends the nodes (SIGTERM, then SIGKILL after 15 s), all at once,
// then the NATS server. It may be called more than once.
func (c *Cluster) Stop() error {
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		if n != nil {
			wg.Go(func() { errs[i] = n.stop() })
		}
	}
	wg.Wait()
	if c.bus != nil {
		c.bus.Shutdown()
		c.bus = nil
	}
	return errors.Join(errs...)
}
