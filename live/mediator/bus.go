package mediator

import (
	"context"
	"time"
)

// Bus is what a mediator of a cluster needs from the message bus its
// nodes share (live/cluster implements it over NATS; docs/scaling.md says
// how a channel runs on it). Without one (Options.Bus nil) the mediator
// is the single process it always was.
//
// Subjects are plain strings; the mediator names them (see cluster_subjects.go).
type Bus interface {
	// NodeID names this node in the cluster (unique among live nodes).
	NodeID() string

	// Publish sends data on subject. Messages one node publishes on one
	// subject reach each subscriber in the order they were published.
	Publish(subject string, data []byte) error
	// Subscribe calls fn for each message on subject, one at a time and
	// in order, until stop is called. fn must not keep data after it
	// returns.
	Subscribe(subject string, fn func(data []byte)) (stop func(), err error)

	// ClaimHome makes this node the channel's home by taking the
	// channel's lease. A lease held by another node is waited for, up to
	// wait, until it is released or expires (its holder died and stopped
	// renewing it); if it is still held then, holder names that node and
	// release is nil (err is for the bus failing). A taken lease is
	// renewed until release is called; lost is called once, on its own
	// goroutine, if it cannot be renewed any more (the bus unreachable for
	// longer than the lease lasts, or another node holds it).
	ClaimHome(ctx context.Context, channelID int64, wait time.Duration, lost func()) (release func(), holder string, err error)
	// WatchHome calls fn with the node holding the channel's lease each
	// time it changes ("" when none does), starting with the current one,
	// until stop is called. fn runs on one goroutine, in order.
	WatchHome(channelID int64, fn func(nodeID string)) (stop func(), err error)

	// Nodes lists the live nodes (this one included), for discovery.
	Nodes() []BusNode
	// SetLoad publishes how many participant sockets this node holds, so
	// that discovery can hand a viewer the least-loaded node.
	SetLoad(participants int)
	// WatchNodes calls fn with a node's id when it stops being live (its
	// heartbeat expired or it left), until stop is called.
	WatchNodes(gone func(nodeID string)) (stop func(), err error)

	// Connected reports whether the bus is reachable now. OnConnection
	// calls fn (on its own goroutine, in order) each time that changes.
	Connected() bool
	OnConnection(fn func(up bool))
}

// BusNode is a live node as discovery sees it.
type BusNode struct {
	ID string
	// URL is the base URL clients reach the node at (http(s)://host).
	URL string
	// Participants is the node's last published load (Bus.SetLoad).
	Participants int
	// EdgeOnly: the node holds viewers only and refuses game clients
	// (Options.EdgeOnly); discovery does not hand it to game clients.
	EdgeOnly bool
}
