package cluster

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// keyWatch is what watch feeds: begin before each watcher's entries, then
// each entry, then current once that watcher's initial values are all in.
type keyWatch struct {
	begin   func()
	entry   func(jetstream.KeyValueEntry)
	current func()
	// stale, if set, is asked every TTL while connected: true makes a new
	// watcher (a watcher that went quiet without a reconnect).
	stale func() bool
}

// watch follows keys of kv until ctx ends, calling w's functions on one
// goroutine. It makes a new watcher after each reconnect: a KV watcher is
// an ordered consumer, which a restarted server forgets and which notices
// that by itself only after its idle heartbeats stop (10 s and more), and a
// new watcher starts with the current values, so what changed while this
// node was cut off is seen at once. The first watcher is made before watch
// returns, so its error is watch's.
func (n *Node) watch(ctx context.Context, kv jetstream.KeyValue, keys string, w keyWatch) error {
	epoch := n.conn.reconnected()
	first, err := kv.Watch(ctx, keys)
	if n.remake(ctx, err) {
		first, err = kv.Watch(ctx, keys)
	}
	if err != nil {
		return err
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		kw := first
		for {
			if kw != nil {
				w.begin()
				again := n.follow(ctx, kw, epoch, w)
				// Stop asks the server to delete the consumer and waits up
				// to 5 s for an answer that does not come while cut off.
				go kw.Stop()
				if !again && !n.pause(ctx, epoch) {
					return
				}
			}
			if ctx.Err() != nil {
				return
			}
			epoch = n.conn.reconnected()
			kw, err = kv.Watch(ctx, keys)
			if n.remake(ctx, err) {
				kw, err = kv.Watch(ctx, keys)
			}
			if err != nil {
				kw = nil
				if ctx.Err() == nil {
					n.log.Warn("cluster: watching keys (retrying)", "bucket", kv.Bucket(), "keys", keys, "err", err)
				}
				if !n.pause(ctx, epoch) {
					return
				}
			}
		}
	}()
	return nil
}

// pause waits a third of the TTL or until the next reconnect, before a new
// watcher; false if ctx ended.
func (n *Node) pause(ctx context.Context, epoch <-chan struct{}) bool {
	select {
	case <-ctx.Done():
		return false
	case <-epoch:
	case <-time.After(n.ttl / 3):
	}
	return true
}

// follow reads one watcher until ctx ends (false), the connection comes
// back after a cut (true), or the watcher ends (false).
func (n *Node) follow(ctx context.Context, kw jetstream.KeyWatcher, epoch <-chan struct{}, w keyWatch) bool {
	var check <-chan time.Time
	if w.stale != nil {
		t := time.NewTicker(n.ttl)
		defer t.Stop()
		check = t.C
	}
	for {
		select {
		case <-check:
			if n.Connected() && w.stale() {
				n.log.Warn("cluster: a KV watcher went quiet; watching again")
				return true
			}
		case <-ctx.Done():
			return false
		case <-epoch:
			return true
		case e, ok := <-kw.Updates():
			if !ok {
				return false
			}
			if e == nil {
				w.current()
			} else {
				w.entry(e)
			}
		}
	}
}
