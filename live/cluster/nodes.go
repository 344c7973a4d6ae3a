package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mixstudio/mixstudio/live/mediator"
)

// Each node puts a heartbeat under its id in the nodes bucket every third
// of the TTL; a node whose heartbeat expires (or that deletes it leaving)
// is gone. Every node watches the bucket into a local registry, so that
// Nodes, which discovery calls per request, reads memory only.

// heartbeat is the value of a node's key.
type heartbeat struct {
	URL          string `json:"url"`
	Participants int    `json:"participants"`
	EdgeOnly     bool   `json:"edgeOnly,omitempty"`
}

type nodeRegistry struct {
	mu    sync.RWMutex
	nodes map[string]seenNode
	gone  map[int]func(string)
	next  int
	load  atomic.Int64 // this node's participants (SetLoad)
	stop  chan struct{}
	beats sync.WaitGroup
}

type seenNode struct {
	mediator.BusNode
	seen time.Time // when its last heartbeat arrived here
}

func (r *nodeRegistry) init() {
	r.nodes = map[string]seenNode{}
	r.gone = map[int]func(string){}
	r.stop = make(chan struct{})
}

// startNodes puts this node's first heartbeat and starts the heartbeat and
// the watcher; it returns once the watcher has read the current nodes.
func (n *Node) startNodes(ctx context.Context) error {
	if err := n.firstBeat(ctx); err != nil {
		return err
	}
	initial := make(chan struct{})
	var once sync.Once
	round := map[string]bool{} // nodes the current watcher has reported
	err := n.watch(n.ctx, n.nodes, jetstream.AllKeys, keyWatch{
		begin: func() { clear(round) },
		entry: func(e jetstream.KeyValueEntry) {
			if e.Operation() != jetstream.KeyValuePut {
				delete(round, e.Key())
				n.reg.remove(e.Key(), n.id)
				return
			}
			var hb heartbeat
			if err := json.Unmarshal(e.Value(), &hb); err != nil {
				n.log.Warn("cluster: bad heartbeat", "key", e.Key(), "err", err)
				return
			}
			round[e.Key()] = true
			n.reg.put(mediator.BusNode{ID: e.Key(), URL: hb.URL, Participants: hb.Participants, EdgeOnly: hb.EdgeOnly})
		},
		current: func() {
			// A new watcher starts with the live nodes: the others
			// left while this one was not watching.
			for _, id := range n.reg.ids() {
				if !round[id] {
					n.reg.remove(id, n.id)
				}
			}
			once.Do(func() { close(initial) })
		},
		stale: func() bool { return len(n.reg.stale(time.Now().Add(-2*n.ttl), n.id)) > 0 },
	})
	if err != nil {
		return fmt.Errorf("cluster: watch nodes: %w", err)
	}
	n.reg.beats.Add(1)
	go func() {
		defer n.reg.beats.Done()
		n.beat()
	}()
	select {
	case <-initial:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *Node) beatValue() []byte {
	b, _ := json.Marshal(heartbeat{URL: n.publicURL, Participants: int(n.reg.load.Load()), EdgeOnly: n.edgeOnly})
	return b
}

func (n *Node) firstBeat(ctx context.Context) error {
	var rev uint64
	deadline := time.Now().Add(n.ttl + n.ttl/2)
	for {
		_, err := n.nodes.Create(ctx, n.id, n.beatValue())
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("cluster: node heartbeat: %w", err)
		}
		e, err := n.nodes.Get(ctx, n.id)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
			continue
		case err != nil:
			return fmt.Errorf("cluster: node heartbeat: %w", err)
		case rev != 0 && e.Revision() != rev:
			return fmt.Errorf("cluster: node id %q is in use by a live node (give each node its own --node-id)", n.id)
		}
		rev = e.Revision()
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster: node id %q: its old heartbeat does not expire", n.id)
		}
		n.log.Info("cluster: waiting for an earlier heartbeat of this node id to expire")
		select {
		case <-time.After(n.ttl / 6):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// beat renews the heartbeat (Put: it carries the current load) until
// stopNodes or Close.
func (n *Node) beat() {
	tick := time.NewTicker(n.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-n.reg.stop:
			return
		case <-n.ctx.Done():
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(n.ctx, n.ttl/3)
		_, err := n.nodes.Put(ctx, n.id, n.beatValue())
		if n.remake(ctx, err) {
			_, err = n.nodes.Put(ctx, n.id, n.beatValue())
		}
		cancel()
		if err != nil && n.ctx.Err() == nil {
			n.log.Warn("cluster: node heartbeat", "err", err)
		}
	}
}

func (r *nodeRegistry) put(b mediator.BusNode) {
	r.mu.Lock()
	r.nodes[b.ID] = seenNode{BusNode: b, seen: time.Now()}
	r.mu.Unlock()
}

// remove drops a node and tells WatchNodes' callbacks (on the watcher's
// goroutine, so in order), unless it is this node (self).
func (r *nodeRegistry) remove(id, self string) {
	r.mu.Lock()
	_, was := r.nodes[id]
	delete(r.nodes, id)
	fns := make([]func(string), 0, len(r.gone))
	for _, fn := range r.gone {
		fns = append(fns, fn)
	}
	r.mu.Unlock()
	if !was || id == self {
		return
	}
	for _, fn := range fns {
		fn(id)
	}
}

func (r *nodeRegistry) ids() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.nodes))
	for id := range r.nodes {
		ids = append(ids, id)
	}
	return ids
}

// stale lists the nodes but self whose last heartbeat arrived before before.
func (r *nodeRegistry) stale(before time.Time, self string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var ids []string
	for id, s := range r.nodes {
		if id != self && s.seen.Before(before) {
			ids = append(ids, id)
		}
	}
	return ids
}

// Nodes lists the live nodes, this one first, the others by id.
func (n *Node) Nodes() []mediator.BusNode {
	n.reg.mu.RLock()
	out := make([]mediator.BusNode, 0, len(n.reg.nodes)+1)
	out = append(out, mediator.BusNode{ID: n.id, URL: n.publicURL, Participants: int(n.reg.load.Load())})
	for id, s := range n.reg.nodes {
		if id != n.id {
			out = append(out, s.BusNode)
		}
	}
	n.reg.mu.RUnlock()
	sort.Slice(out[1:], func(i, j int) bool { return out[1+i].ID < out[1+j].ID })
	return out
}

// SetLoad records this node's participant count; the next heartbeat
// carries it (within a third of the TTL).
func (n *Node) SetLoad(participants int) { n.reg.load.Store(int64(participants)) }

// WatchNodes calls gone with a node's id when its heartbeat expires or it
// leaves, until stop is called. gone runs on the goroutine that reads the
// heartbeats, in order: while it runs, Nodes does not change.
func (n *Node) WatchNodes(gone func(nodeID string)) (stop func(), err error) {
	n.reg.mu.Lock()
	id := n.reg.next
	n.reg.next++
	n.reg.gone[id] = gone
	n.reg.mu.Unlock()
	return func() {
		n.reg.mu.Lock()
		delete(n.reg.gone, id)
		n.reg.mu.Unlock()
	}, nil
}

// stopNodes stops the heartbeat and deletes it, so that the others see
// this node leave now rather than after a TTL.
func (n *Node) stopNodes() {
	select {
	case <-n.reg.stop:
		return
	default:
	}
	close(n.reg.stop)
	n.reg.beats.Wait() // no heartbeat may land after the delete
	if !n.Connected() {
		return // it expires by itself
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.ttl)
	defer cancel()
	if err := n.nodes.Delete(ctx, n.id); err != nil {
		n.log.Warn("cluster: removing node heartbeat (it expires by itself)", "err", err)
	}
}
