package console

import (
	"sort"
	"time"
)

// The overlay's events (GET /overlay/{channelID}/events) are a feed of
// their own, numbered and resumable like the console's, but carrying only
// what may be shown on stream: alerts, counters and votes, with viewers'
// names and never their session ids or inputs.

// Overlay event kinds (the "kind" of an overlay event's data).
const (
	OverlayAlert   = "alert"
	OverlayCounter = "counter"
	OverlayVote    = "vote"
	OverlayClear   = "clear" // a new go-live: counters and votes start at 0
)

// TypeOverlay is the type of every overlay event.
const TypeOverlay = "overlay"

type overlayAlert struct {
	Kind       string `json:"kind"`
	Press      uint64 `json:"press"`
	Text       string `json:"text"`
	Image      string `json:"image,omitempty"` // file names of the live version
	Sound      string `json:"sound,omitempty"`
	DurationMs int64  `json:"durationMs"`
	Username   string `json:"username,omitempty"`
	Control    string `json:"control"`
}

type overlayCounter struct {
	Kind     string `json:"kind"`
	Press    uint64 `json:"press"`
	Name     string `json:"name"`
	Label    string `json:"label"`
	Count    uint64 `json:"count"`
	Username string `json:"username,omitempty"`
}

type overlayVote struct {
	Kind     string       `json:"kind"`
	Press    uint64       `json:"press"`
	Name     string       `json:"name"`
	Option   string       `json:"option"`
	Options  []voteOption `json:"options"`
	Total    uint64       `json:"total"`
	Username string       `json:"username,omitempty"`
}

type overlayClear struct {
	Kind      string `json:"kind"`
	VersionID int64  `json:"versionID"`
}

func (ch *Channel) publishOverlay(now time.Time, data any) {
	ch.overlayFeed().publish(TypeOverlay, now, data)
}

// overlayFeed is the channel's overlay feed, made on first use.
func (ch *Channel) overlayFeed() *feed {
	ch.overlayOnce.Do(func() {
		ch.overlay = newFeed(ch.m.cfg.BufferSize, ch.m.cfg.SubscriberQueue)
	})
	return ch.overlay
}

// SubscribeOverlay starts a subscription to the overlay's events, with
// the same resumption rules as Subscribe.
func (ch *Channel) SubscribeOverlay(lastID uint64, hasLast bool) (*Subscription, Resume) {
	return ch.overlayFeed().subscribe(lastID, hasLast)
}

// OverlaySnapshot is what an overlay draws when it (re)starts: whether the
// channel is live, its version (for file URLs), the counters and votes.
type OverlaySnapshot struct {
	Live      bool             `json:"live"`
	VersionID int64            `json:"versionID,omitempty"`
	Counters  []overlayCounter `json:"counters"`
	Votes     []overlayVote    `json:"votes"`
	Head      uint64           `json:"head"`
}

// OverlaySnapshot returns the overlay's current state.
func (ch *Channel) OverlaySnapshot() OverlaySnapshot {
	snap := OverlaySnapshot{Counters: []overlayCounter{}, Votes: []overlayVote{}}
	s, err := ch.current()
	if err != nil {
		return snap
	}
	snap.Live, snap.VersionID = true, s.versionID
	rx := s.rx
	if rx == nil {
		return snap
	}
	rx.mu.Lock()
	defer rx.mu.Unlock()
	for _, cs := range rx.counters {
		snap.Counters = append(snap.Counters, overlayCounter{Kind: OverlayCounter, Name: cs.Name, Label: cs.Label, Count: cs.Count})
	}
	sort.Slice(snap.Counters, func(i, j int) bool { return snap.Counters[i].Name < snap.Counters[j].Name })
	for _, name := range rx.voteList {
		vs := rx.votes[name]
		snap.Votes = append(snap.Votes, overlayVote{Kind: OverlayVote, Name: vs.Name, Options: copyOptions(vs.Options), Total: vs.Total})
	}
	return snap
}
