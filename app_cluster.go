package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/mixstudio/mixstudio/live/cluster"
)

// clusterOptions are the flags that join serve/mediator to a cluster of
// nodes over NATS (docs/scaling.md). With neither --nats nor --nats-listen
// the process is the single node it always was.
type clusterOptions struct {
	natsURL    string        // --nats: join the cluster of this NATS server
	natsListen string        // --nats-listen: run a NATS server here, in this process, and join it
	nodeID     string        // --node-id ("": hostname-port)
	leaseTTL   time.Duration // --lease-ttl
	edgeOnly   bool          // --edge-only (mediator): hold viewers only
}

func (c *clusterOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.natsURL, "nats", "", "NATS server `URL`: join the cluster of mediator nodes that share it (docs/scaling.md)")
	fs.StringVar(&c.natsListen, "nats-listen", "", "run a NATS server in this process on `ADDR` (127.0.0.1:0: any port) and join it, to try a cluster on one machine")
	fs.StringVar(&c.nodeID, "node-id", "", "this node's `ID` in the cluster, unique among live nodes (default: hostname-port)")
	fs.DurationVar(&c.leaseTTL, "lease-ttl", cluster.DefaultLeaseTTL, "how long a dead node keeps a channel's home lease and its place in discovery")
}

// edgeFlag is mediator's --edge-only (a studio always takes its console's
// game client, so serve has no such flag).
func (c *clusterOptions) edgeFlag(fs *flag.FlagSet) {
	fs.BoolVar(&c.edgeOnly, "edge-only", false, "in a cluster: hold viewers only and refuse game clients; the node then needs no database of its own (docs/scaling.md)")
}

func (c *clusterOptions) enabled() bool { return c.natsURL != "" || c.natsListen != "" }

func (c *clusterOptions) check() error {
	if c.natsURL != "" && c.natsListen != "" {
		return errors.New("--nats and --nats-listen: give one (--nats-listen runs the server --nats would name)")
	}
	if c.edgeOnly && !c.enabled() {
		return errors.New("--edge-only: only in a cluster (--nats)")
	}
	if c.enabled() && c.leaseTTL < time.Second/2 {
		return fmt.Errorf("--lease-ttl %v: at least 500ms", c.leaseTTL)
	}
	return nil
}

// defaultNodeID names a node after its host and the port it serves on,
// which tells nodes of one machine apart.
func defaultNodeID(addr net.Addr) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return fmt.Sprintf("%s-%d", host, tcp.Port)
	}
	return host
}

// clusterParts are what joining a cluster starts: the node (the
// mediator's Bus) and, for --nats-listen, the NATS server.
type clusterParts struct {
	node   *cluster.Node
	server *cluster.Server
}

// joinCluster starts the NATS server if asked and joins the node; the
// node's URL for discovery is --public-url, else where this process listens.
func joinCluster(ctx context.Context, opts serveOptions, logger *slog.Logger) (*clusterParts, error) {
	c := opts.cluster
	parts := &clusterParts{}
	url := c.natsURL
	if c.natsListen != "" {
		s, err := cluster.RunServer(c.natsListen, "")
		if err != nil {
			return nil, err
		}
		parts.server = s
		url = s.URL()
		logger.Info("NATS server listening", "url", url)
	}
	public := opts.publicURL
	if public == "" {
		public = opts.listenURL
	}
	node, err := cluster.Join(ctx, cluster.Options{
		URL: url, NodeID: c.nodeID, PublicURL: public, LeaseTTL: c.leaseTTL, EdgeOnly: c.edgeOnly, Logger: logger,
	})
	if err != nil {
		parts.close()
		return nil, err
	}
	parts.node = node
	logger.Info("joined the cluster", "nats", cluster.Redacted(url), "node", node.NodeID(), "url", public, "lease_ttl", node.LeaseTTL())
	return parts, nil
}

// close leaves the cluster (after the mediator has closed its sessions)
// and stops the NATS server this process runs, if any.
func (p *clusterParts) close() {
	if p == nil {
		return
	}
	if p.node != nil {
		if err := p.node.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "mixstudio: leaving the cluster:", err)
		}
	}
	if p.server != nil {
		p.server.Shutdown()
	}
}
