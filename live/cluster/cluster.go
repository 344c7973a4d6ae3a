// Package cluster joins a mediator node to the others of its cluster over
// NATS: it implements mediator.Bus (leases for a channel's home node,
// node heartbeats for discovery, core NATS subjects for the messages
// between home and edges). It is the only package that imports NATS; the
// mediator sees only the Bus interface. docs/scaling.md says how a
// cluster runs.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mixstudio/mixstudio/live/mediator"
)

// DefaultLeaseTTL is how long a home lease and a node heartbeat last
// without renewal. Nodes renew both every third of it.
const DefaultLeaseTTL = 3 * time.Second

// The KV buckets the cluster keeps (they are made by the first node that
// joins, with its lease TTL; later nodes adopt the bucket's).
const (
	homesBucket = "mixstudio_homes"
	nodesBucket = "mixstudio_nodes"
)

// markerTTL is how long an expired key's delete marker stays in a bucket:
// long enough for watchers to see it, and the server's minimum (1 s).
const markerTTL = time.Second

// Options say how a node joins.
type Options struct {
	// URL of the NATS server(s) (comma-separated).
	URL string
	// NodeID names the node; unique among live nodes. Letters, digits and
	// - _ = . / only (it is a KV key).
	NodeID string
	// PublicURL is the base URL clients reach this node at, for discovery.
	PublicURL string
	// LeaseTTL: see DefaultLeaseTTL (used when zero).
	LeaseTTL time.Duration
	// EdgeOnly says in the node's heartbeat that it refuses game clients
	// (mediator.Options.EdgeOnly), so discovery leaves it out for them.
	EdgeOnly bool
	Logger   *slog.Logger
}

// Node is this process in the cluster. It implements mediator.Bus.
type Node struct {
	id, publicURL string
	edgeOnly      bool
	ttl           time.Duration
	log           *slog.Logger

	nc    *nats.Conn
	js    jetstream.JetStream
	homes jetstream.KeyValue
	nodes jetstream.KeyValue

	ctx    context.Context // cancelled by Close: stops the loops below
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed chan struct{} // closed when the NATS connection is closed

	conn connWatch
	reg  nodeRegistry

	mu     sync.Mutex
	leases map[int64]*lease // leases this node holds

	// pending limits of subscriptions (the consts below; tests lower them)
	pendingMsgs, pendingBytes int

	closeOnce sync.Once
	closeErr  error
}

var _ mediator.Bus = (*Node)(nil)

var validNodeID = regexp.MustCompile(`^[-/_=.a-zA-Z0-9]+$`)

// Join connects to NATS, opens (or makes) the cluster's buckets and
// starts this node's heartbeat. It fails if the server cannot be reached
// now; once joined, the node reconnects for as long as it runs.
func Join(ctx context.Context, o Options) (*Node, error) {
	if o.URL == "" {
		return nil, errors.New("cluster: no NATS URL")
	}
	if !validNodeID.MatchString(o.NodeID) {
		return nil, fmt.Errorf("cluster: node id %q: use letters, digits and - _ = . / only", o.NodeID)
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.LeaseTTL < time.Second/2 {
		return nil, fmt.Errorf("cluster: lease TTL %v is too short (at least 500ms)", o.LeaseTTL)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	n := &Node{
		id:        o.NodeID,
		publicURL: o.PublicURL,
		edgeOnly:  o.EdgeOnly,
		ttl:       o.LeaseTTL,
		log:       o.Logger.With("node", o.NodeID),
		closed:    make(chan struct{}),
		leases:    map[int64]*lease{},

		pendingMsgs:  pendingMsgs,
		pendingBytes: pendingBytes,
	}
	n.conn.init()
	n.reg.init()
	nc, err := nats.Connect(o.URL,
		nats.Name("mixstudio "+o.NodeID),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, 100*time.Millisecond),
		// A server that vanished without closing the socket is noticed
		// after two unanswered pings: about a TTL.
		nats.PingInterval(max(o.LeaseTTL/2, 250*time.Millisecond)),
		nats.MaxPingsOutstanding(2),
		nats.DrainTimeout(5*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: Close
				n.log.Warn("cluster: NATS disconnected", "err", err)
			}
			n.conn.set(false)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			n.log.Info("cluster: NATS reconnected", "url", c.ConnectedUrl())
			n.conn.set(true)
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(n.closed) }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				n.log.Error("cluster: NATS subscription error", "subject", sub.Subject, "err", err)
				return
			}
			n.log.Error("cluster: NATS error", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("cluster: cannot reach NATS at %s: %w", Redacted(o.URL), err)
	}
	n.nc = nc
	n.conn.set(true)
	n.ctx, n.cancel = context.WithCancel(context.Background())
	fail := func(err error) (*Node, error) {
		n.cancel()
		nc.Close()
		n.wg.Wait()
		n.conn.stop()
		return nil, err
	}
	if n.js, err = jetstream.New(nc); err != nil {
		return fail(fmt.Errorf("cluster: jetstream: %w", err))
	}
	if n.homes, n.nodes, err = n.buckets(ctx); err != nil {
		return fail(err)
	}
	n.adoptTTL(ctx)
	if err := n.startNodes(ctx); err != nil {
		return fail(err)
	}
	return n, nil
}

// Redacted hides passwords in a list of NATS URLs, for messages and logs.
func Redacted(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			parts[i] = u.Redacted()
		}
	}
	return strings.Join(parts, ",")
}

// buckets opens (or makes) the cluster's two buckets.
func (n *Node) buckets(ctx context.Context) (homes, nodes jetstream.KeyValue, err error) {
	if homes, err = n.bucket(ctx, homesBucket, "home node of each channel (leases)"); err != nil {
		return nil, nil, err
	}
	if nodes, err = n.bucket(ctx, nodesBucket, "live mediator nodes (heartbeats)"); err != nil {
		return nil, nil, err
	}
	return homes, nodes, nil
}

// bucket opens a KV bucket, making it if it is the first node to need it.
// Keys expire n.ttl after their last write, leaving a delete marker that
// watchers see (LimitMarkerTTL), so an expired lease or heartbeat shows
// as a purge and the next Create succeeds.
func (n *Node) bucket(ctx context.Context, name, description string) (jetstream.KeyValue, error) {
	kv, err := n.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:         name,
		Description:    description,
		History:        1,
		TTL:            n.ttl,
		Storage:        jetstream.FileStorage,
		LimitMarkerTTL: markerTTL,
	})
	if errors.Is(err, jetstream.ErrBucketExists) { // made by a node with another TTL
		kv, err = n.js.KeyValue(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: bucket %s: %w", name, err)
	}
	return kv, nil
}

// remake makes the buckets again if err says a write found no bucket (a
// NATS server that restarted without its store, or a bucket deleted by
// hand), so that the cluster heals instead of failing every renewal.
func (n *Node) remake(ctx context.Context, err error) bool {
	if !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, jetstream.ErrStreamNotFound) &&
		!errors.Is(err, nats.ErrStreamNotFound) { // (KV watchers use the older API)
		return false
	}
	n.log.Warn("cluster: a bucket is missing; making it again")
	_, _, err = n.buckets(ctx)
	return err == nil
}

// adoptTTL makes this node renew at the pace of the cluster it joined: the
// homes bucket's TTL, set by the node that made it, is what expires keys.
// (Called in Join only: n.ttl is read without a lock afterwards.)
func (n *Node) adoptTTL(ctx context.Context) {
	st, err := n.homes.Status(ctx)
	if err != nil || st.TTL() == 0 || st.TTL() == n.ttl {
		return
	}
	n.log.Warn("cluster: the cluster's lease TTL differs from this node's; using the cluster's",
		"cluster", st.TTL(), "asked", n.ttl)
	n.ttl = st.TTL()
}

// NodeID names this node.
func (n *Node) NodeID() string { return n.id }

// LeaseTTL is how long this node's leases and heartbeat last unrenewed.
func (n *Node) LeaseTTL() time.Duration { return n.ttl }

// Publish sends data on subject (core NATS: per publisher and subject,
// in order; nothing is stored).
func (n *Node) Publish(subject string, data []byte) error {
	return n.nc.Publish(subject, data)
}

// pendingMsgs and pendingBytes bound what a subscription may have queued
// before NATS drops messages for it (a slow consumer, logged by the error
// handler). Generous: an edge's out subject carries every message of a
// channel, and a dropped one costs the edge announcing its viewers again;
// bounded: a stuck subscriber should not take the machine's memory.
const (
	pendingMsgs  = 1 << 20
	pendingBytes = 256 << 20
)

// Subscribe calls fn for each message on subject, serially and in order.
func (n *Node) Subscribe(subject string, fn func(data []byte)) (stop func(), err error) {
	sub, err := n.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe %s: %w", subject, err)
	}
	if err := sub.SetPendingLimits(n.pendingMsgs, n.pendingBytes); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("cluster: subscribe %s: %w", subject, err)
	}
	// Once Subscribe returns, the server knows the subscription: what is
	// published from then on reaches it (an edge subscribes, then asks the
	// home for a snapshot). While disconnected, nats.go resubscribes on
	// reconnect.
	if n.nc.IsConnected() {
		if err := n.nc.FlushTimeout(n.ttl); err != nil {
			n.log.Warn("cluster: subscribe: flush", "subject", subject, "err", err)
		}
	}
	var once sync.Once
	return func() { once.Do(func() { sub.Unsubscribe() }) }, nil
}

// Connected reports whether the NATS connection is up now.
func (n *Node) Connected() bool { return n.nc.IsConnected() }

// OnConnection calls fn each time the connection goes down or comes back.
func (n *Node) OnConnection(fn func(up bool)) { n.conn.add(fn) }

// Close releases this node's leases, removes its heartbeat and drains
// its connection (pending subscription callbacks run first).
func (n *Node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.close() })
	return n.closeErr
}

func (n *Node) close() error {
	n.mu.Lock()
	held := make([]*lease, 0, len(n.leases))
	for _, l := range n.leases {
		held = append(held, l)
	}
	n.mu.Unlock()
	for _, l := range held {
		l.release()
	}
	n.stopNodes()
	n.cancel()
	n.wg.Wait()
	// Drain lets the subscriptions' pending callbacks run; cut off from
	// the server there is nothing to drain.
	var err error
	if !n.Connected() {
		n.nc.Close()
	} else if err = n.nc.Drain(); err != nil {
		n.nc.Close()
	}
	<-n.closed // Drain closes within its timeout
	n.conn.stop()
	return err
}

// connWatch reports connection changes to OnConnection's callbacks on a
// goroutine of its own, in order, each change once.
type connWatch struct {
	mu    sync.Mutex
	epoch chan struct{} // closed at the next reconnect

	fns    []func(bool)
	queue  []bool
	last   bool
	wake   chan struct{}
	done   chan struct{}
	exited chan struct{}
}

func (c *connWatch) init() {
	c.wake = make(chan struct{}, 1)
	c.done = make(chan struct{})
	c.exited = make(chan struct{})
	c.epoch = make(chan struct{})
	c.last = true
	go c.run()
}

// reconnected returns a channel closed at the next reconnect.
func (c *connWatch) reconnected() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

func (c *connWatch) add(fn func(bool)) {
	c.mu.Lock()
	c.fns = append(c.fns, fn)
	c.mu.Unlock()
}

func (c *connWatch) set(up bool) {
	c.mu.Lock()
	if up == c.last {
		c.mu.Unlock()
		return
	}
	c.last = up
	c.queue = append(c.queue, up)
	if up {
		close(c.epoch)
		c.epoch = make(chan struct{})
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *connWatch) run() {
	defer close(c.exited)
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		for {
			c.mu.Lock()
			if len(c.queue) == 0 {
				c.mu.Unlock()
				break
			}
			up := c.queue[0]
			c.queue = c.queue[1:]
			fns := append([]func(bool){}, c.fns...)
			c.mu.Unlock()
			for _, fn := range fns {
				fn(up)
			}
		}
	}
}

func (c *connWatch) stop() {
	close(c.done)
	<-c.exited
}
