package console

import (
	"encoding/json"
	"sync"
	"time"
)

// Event is one console event as subscribers receive it. Data is the whole
// JSON object ({"id", "type", "at", "data"}), encoded once for everyone.
type Event struct {
	ID   uint64
	Type string
	Data []byte
}

// Event types.
const (
	TypeState        = "state"        // connection state changed
	TypeInput        = "input"        // a participant's giveInput
	TypeParticipants = "participants" // joined, left or changed
	TypeCapture      = "capture"      // a spark transaction's capture result
	TypeStats        = "stats"        // counters and rates, once a second while live
	TypeServer       = "server"       // any other server method, params as sent
	TypeNotice       = "notice"       // something the streamer did (scene switch, control change, broadcast)
)

type envelope struct {
	ID   uint64 `json:"id"`
	Type string `json:"type"`
	At   int64  `json:"at"` // unix ms, server clock of this studio
	Data any    `json:"data"`
}

// feed is a channel's numbered events: a ring of the last ones and the
// live subscribers. Publishing never waits.
type feed struct {
	mu       sync.Mutex
	ring     []Event
	start, n int
	last     uint64 // id of the newest event (0: none yet)
	subs     map[*Subscription]struct{}
	queue    int
}

func newFeed(size, queue int) *feed {
	return &feed{ring: make([]Event, size), subs: map[*Subscription]struct{}{}, queue: queue}
}

// publish numbers, encodes and stores an event, and offers it to every
// subscriber; a subscriber whose queue is full is dropped.
func (f *feed) publish(typ string, at time.Time, data any) Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last++
	b, err := json.Marshal(envelope{ID: f.last, Type: typ, At: at.UnixMilli(), Data: data})
	if err != nil {
		b, _ = json.Marshal(envelope{ID: f.last, Type: typ, At: at.UnixMilli(), Data: map[string]string{"error": err.Error()}})
	}
	ev := Event{ID: f.last, Type: typ, Data: b}
	if f.n < len(f.ring) {
		f.ring[(f.start+f.n)%len(f.ring)] = ev
		f.n++
	} else {
		f.ring[f.start] = ev
		f.start = (f.start + 1) % len(f.ring)
	}
	for s := range f.subs {
		select {
		case s.ch <- ev:
		default:
			s.dropped = true
			delete(f.subs, s)
			close(s.ch)
		}
	}
	return ev
}

// Subscription is one subscriber's queue. C is closed when the
// subscription ends: by Cancel, or because the subscriber fell behind
// (Dropped reports which).
type Subscription struct {
	ch      chan Event
	f       *feed
	dropped bool // written under f.mu
}

// C delivers the events after the backlog, in order.
func (s *Subscription) C() <-chan Event { return s.ch }

// Dropped reports whether the subscription was ended for falling behind.
func (s *Subscription) Dropped() bool {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return s.dropped
}

// Cancel ends the subscription (safe to call more than once).
func (s *Subscription) Cancel() {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if _, ok := s.f.subs[s]; ok {
		delete(s.f.subs, s)
		close(s.ch)
	}
}

// Resume says where a subscription starts.
type Resume struct {
	// Backlog is what was published after the subscriber's last id.
	Backlog []Event
	// Reset is true when the last id is no longer (or never was) in the
	// ring: events were missed and the subscriber must start over from a
	// snapshot. Head is then the id to continue from.
	Reset bool
	Head  uint64
}

// subscribe registers a subscriber. With hasLast, the events after
// lastID come back as the backlog (atomically with the registration, so
// none is missed or repeated).
func (f *feed) subscribe(lastID uint64, hasLast bool) (*Subscription, Resume) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &Subscription{ch: make(chan Event, f.queue), f: f}
	f.subs[s] = struct{}{}
	r := Resume{Head: f.last}
	if !hasLast {
		return s, r
	}
	oldest := f.last - uint64(f.n) + 1 // id of ring[start] when n > 0
	switch {
	case lastID > f.last:
		r.Reset = true // from an earlier run of the server
	case lastID == f.last:
	case f.n == 0 || lastID+1 < oldest:
		r.Reset = true
	default:
		for i := lastID + 1 - oldest; i < uint64(f.n); i++ {
			r.Backlog = append(r.Backlog, f.ring[(f.start+int(i))%len(f.ring)])
		}
	}
	return s, r
}

// closeAll ends every subscription (server shutting down).
func (f *feed) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		delete(f.subs, s)
		close(s.ch)
	}
}

func (f *feed) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// Subscribe starts a subscription to the channel's events. With hasLast
// (a Last-Event-ID), the events after lastID are returned as the backlog,
// or Reset when they are no longer all in the buffer.
func (ch *Channel) Subscribe(lastID uint64, hasLast bool) (*Subscription, Resume) {
	return ch.feed.subscribe(lastID, hasLast)
}

// Subscribers counts the channel's live subscriptions.
func (ch *Channel) Subscribers() int { return ch.feed.subscribers() }
