package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A channel's home is the node holding the key channels.<id> in the homes
// bucket. It is taken with Create (one winner), renewed with Update on the
// revision the holder last wrote (so a renewal can never overwrite another
// node's lease) and expires by the bucket's TTL when its holder stops
// renewing; the expiry leaves a marker that watchers see and that the next
// Create replaces.

func homeKey(channelID int64) string { return "channels." + strconv.FormatInt(channelID, 10) }

// lease is a home lease this node holds.
type lease struct {
	n       *Node
	channel int64
	key     string
	lost    func()
	stop    chan struct{}
	exited  chan struct{}
	once    sync.Once
	rev     uint64 // last revision written; owned by renew, read after exited
	wasLost bool   // renew gave up; owned by renew, read after exited
}

// ClaimHome takes the channel's lease, waiting up to wait for another
// holder to release it or let it expire. See mediator.Bus.
func (n *Node) ClaimHome(ctx context.Context, channelID int64, wait time.Duration, lost func()) (release func(), holder string, err error) {
	n.mu.Lock()
	_, mine := n.leases[channelID]
	n.mu.Unlock()
	if mine {
		return nil, "", fmt.Errorf("cluster: channel %d: this node already holds its lease", channelID)
	}
	if !n.Connected() {
		// A write sent now would wait in nats.go's reconnect buffer and
		// might take the lease later, behind this node's back.
		return nil, "", fmt.Errorf("cluster: channel %d: not connected to NATS", channelID)
	}
	key := homeKey(channelID)
	// Watch before the first try so a release between the try and the
	// wait is not missed.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := n.homes.Watch(wctx, key)
	if err != nil {
		return nil, "", fmt.Errorf("cluster: watch lease of channel %d: %w", channelID, err)
	}
	defer func() { go w.Stop() }() // see watch
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		sent := time.Now()
		rev, holder, err := n.tryClaim(ctx, key)
		if err != nil {
			return nil, "", err
		}
		if holder == "" {
			return n.hold(channelID, key, rev, sent, lost), "", nil
		}
		// Held by another node: wait for its key to go (released or
		// expired), then try again.
		if !n.waitGone(ctx, w.Updates(), deadline.C) {
			if err := ctx.Err(); err != nil {
				return nil, "", err
			}
			return nil, holder, nil
		}
	}
}

// tryClaim takes the key if nobody holds it (holder "") or returns who
// does. A key naming this node is left from an earlier run of it (node ids
// are unique among live nodes and this run holds no lease for it): taken
// over.
func (n *Node) tryClaim(ctx context.Context, key string) (rev uint64, holder string, err error) {
	ctx, cancel := context.WithTimeout(ctx, n.ttl)
	defer cancel()
	rev, err = n.homes.Create(ctx, key, []byte(n.id))
	if n.remake(ctx, err) {
		rev, err = n.homes.Create(ctx, key, []byte(n.id))
	}
	if err == nil {
		return rev, "", nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return 0, "", fmt.Errorf("cluster: claim %s: %w", key, err)
	}
	e, err := n.homes.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return n.tryClaim(ctx, key) // gone in between: try again
	}
	if err != nil {
		return 0, "", fmt.Errorf("cluster: read %s: %w", key, err)
	}
	if string(e.Value()) != n.id {
		return 0, string(e.Value()), nil
	}
	rev, err = n.homes.Update(ctx, key, []byte(n.id), e.Revision())
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return n.tryClaim(ctx, key)
	}
	if err != nil {
		return 0, "", fmt.Errorf("cluster: take over %s: %w", key, err)
	}
	return rev, "", nil
}

// waitGone reads a key watcher until it reports the key deleted or
// expired (true), or until the deadline or ctx (false).
//
// It also returns true every third of the TTL, to try again anyway: a
// watcher can go quiet across a reconnect.
func (n *Node) waitGone(ctx context.Context, updates <-chan jetstream.KeyValueEntry, deadline <-chan time.Time) bool {
	retry := time.NewTimer(n.ttl / 3)
	defer retry.Stop()
	for {
		select {
		case <-retry.C:
			return true
		case e := <-updates:
			if e != nil && e.Operation() != jetstream.KeyValuePut {
				return true
			}
		case <-deadline:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// hold starts renewing a lease just taken at rev by a write sent at sent.
func (n *Node) hold(channelID int64, key string, rev uint64, sent time.Time, lost func()) func() {
	l := &lease{n: n, channel: channelID, key: key, lost: lost, rev: rev,
		stop: make(chan struct{}), exited: make(chan struct{})}
	n.mu.Lock()
	n.leases[channelID] = l
	n.mu.Unlock()
	go l.renew(sent)
	return l.release
}

// renew rewrites the key every third of the TTL. The lease is counted
// lost when a renewal finds another revision (someone else holds it, or it
// expired), or when no renewal has succeeded for a TTL counted from when
// that renewal was sent: the server's expiry is later than that, so this
// node gives the lease up before another can take it.
func (l *lease) renew(taken time.Time) {
	defer close(l.exited)
	ttl := l.n.ttl
	expires := taken.Add(ttl)
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	giveUp := time.NewTimer(time.Until(expires))
	defer giveUp.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-l.n.ctx.Done():
			return
		case <-giveUp.C:
			l.n.log.Warn("cluster: home lease not renewed in time", "channel", l.channel)
			l.fail()
			return
		case <-tick.C:
		}
		if !l.n.Connected() {
			continue // see ClaimHome: nothing is sent into the reconnect buffer
		}
		sent := time.Now()
		ctx, cancel := context.WithDeadline(l.n.ctx, expires)
		rev, err := l.n.homes.Update(ctx, l.key, []byte(l.n.id), l.rev)
		cancel()
		switch {
		case err == nil:
			l.rev = rev
			expires = sent.Add(ttl)
			giveUp.Reset(time.Until(expires))
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyDeleted):
			l.n.log.Warn("cluster: home lease taken by another node or expired", "channel", l.channel)
			l.fail()
			return
		default:
			l.n.log.Warn("cluster: renewing home lease", "channel", l.channel, "err", err)
		}
	}
}

// fail marks the lease lost and tells its holder, once, on its own goroutine.
func (l *lease) fail() {
	l.wasLost = true
	l.forget()
	go l.lost()
}

func (l *lease) forget() {
	l.n.mu.Lock()
	if l.n.leases[l.channel] == l {
		delete(l.n.leases, l.channel)
	}
	l.n.mu.Unlock()
}

// release stops renewing and deletes the key if this node still holds it
// (the delete names the revision it last wrote).
func (l *lease) release() {
	l.once.Do(func() {
		close(l.stop)
		<-l.exited
		l.forget()
		if l.wasLost {
			return
		}
		if !l.n.Connected() {
			l.n.log.Warn("cluster: cut off from NATS: the home lease expires by itself", "channel", l.channel)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.n.ttl)
		defer cancel()
		if err := l.n.homes.Delete(ctx, l.key, jetstream.LastRevision(l.rev)); err != nil {
			l.n.log.Warn("cluster: releasing home lease (it expires by itself)", "channel", l.channel, "err", err)
		}
	})
}

// WatchHome calls fn with the channel's holder each time it changes ("" when
// none), starting with the current one. See mediator.Bus. A state that
// lasts less than the watcher takes to read it can be skipped (the bucket
// keeps a key's last value only): a release followed at once by another
// node's claim may read as one change from the old holder to the new.
func (n *Node) WatchHome(channelID int64, fn func(nodeID string)) (stop func(), err error) {
	ctx, cancel := context.WithCancel(n.ctx)
	var stopped atomic.Bool
	last, reported := "", false
	var holder string // as this watcher has it; reported when its initial values are in
	report := func(h string) {
		if !stopped.Load() && (!reported || h != last) {
			last, reported = h, true
			fn(h)
		}
	}
	var current bool
	err = n.watch(ctx, n.homes, homeKey(channelID), keyWatch{
		begin: func() { holder, current = "", false },
		entry: func(e jetstream.KeyValueEntry) {
			holder = ""
			if e.Operation() == jetstream.KeyValuePut {
				holder = string(e.Value())
			}
			if current {
				report(holder)
			}
		},
		current: func() { current = true; report(holder) },
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("cluster: watch home of channel %d: %w", channelID, err)
	}
	// stop does not wait for the watching goroutine (fn may call stop);
	// fn is not called after stop returns, unless it is running then.
	return func() {
		if !stopped.Swap(true) {
			cancel()
		}
	}, nil
}
