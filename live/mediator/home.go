package mediator

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/studio"
)

// home is a session's side of the bus when the mediator is a node of a
// cluster: the session stays the one authority of the channel (state,
// seq, transactions), and its participants are held by edges — every
// node, this one included, holds viewers as an edge (edge.go). Each
// packet for participants is encoded once and published once on
// mix.<channel>.out, naming the participants it is for on each edge.
//
// Every field but the bus's is used under s.mu, which also orders the
// publishes.
type home struct {
	s       *session
	bus     Bus
	epoch   uint64
	n       uint64 // the last out message's number
	active  bool   // the lease is held and the session claimed
	lost    bool   // the lease was lost: the session ends as for a restart
	edges   map[string]*edgeRef
	far     int // participants held by edges, in all
	subject string
	buf     []byte // the last encoded message (the bus copies it)

	release, stopIn, stopNodes func() // bus-side, called once by stop
	stopOnce                   sync.Once
}

// edgeRef is what the home knows of one edge: its participants by slot.
type edgeRef struct {
	id    string
	parts map[uint64]*participant
}

// remote is a participant an edge holds; it is the participant's peer.
type remote struct {
	h    *home
	p    *participant
	edge *edgeRef
	slot uint64
}

func (r *remote) Send(b []byte) bool {
	r.h.sendFrame([]*participant{r.p}, 1, b)
	return true
}

func (r *remote) CloseWith(code int, reason string) {
	r.h.publish(&outMsg{kind: outClose, edge: r.edge.id, slot: r.slot, code: code, reason: reason})
}

func newHome(s *session, bus Bus) *home {
	return &home{s: s, bus: bus, epoch: rand.Uint64() >> 1, edges: map[string]*edgeRef{}, subject: outSubject(s.channelID)}
}

// leaseWait is how long a game client reaching a node waits for the
// channel's lease when another node holds it: long enough for a dead
// home's lease to expire, short enough for a client's handshake.
const leaseWait = 10 * time.Second

// claimLease takes the channel's lease before the game client's socket
// is upgraded; the returned code is 0 or how to refuse it.
func (h *home) claimLease(ctx context.Context) (code int, reason string) {
	release, holder, err := h.bus.ClaimHome(ctx, h.s.channelID, leaseWait, h.leaseLost)
	switch {
	case err != nil:
		h.s.m.log.Error("cluster lease", "channel", h.s.channelID, "err", err)
		return wire.CodeRestart, "The cluster's bus cannot be reached; try again."
	case release == nil:
		h.s.m.log.Info("cluster lease held elsewhere", "channel", h.s.channelID, "holder", holder)
		return wire.CodeAlreadyRunning, "A different interactive session is already running for the channel."
	}
	h.release = release
	return 0, ""
}

// start makes the session the channel's home on the bus: it hears the
// edges, then says hello so that they announce their participants.
func (h *home) start() error {
	stopIn, err := h.bus.Subscribe(inSubject(h.s.channelID), h.handleIn)
	if err != nil {
		return err
	}
	h.stopIn = stopIn
	if h.stopNodes, err = h.bus.WatchNodes(h.edgeGone); err != nil {
		return err
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.active = true
	h.publish(&outMsg{kind: outHello})
	return nil
}

// stop leaves the bus once the session has ended.
func (h *home) stop() {
	h.stopOnce.Do(func() {
		for _, f := range []func(){h.stopNodes, h.stopIn, h.release} {
			if f != nil {
				f()
			}
		}
	})
}

// leaseLost: another node may be the home now. The game client is closed
// with 1012 so that it reconnects wherever the lease is.
func (h *home) leaseLost() {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	h.lost = true
	s.m.log.Warn("cluster lease lost", "channel", s.channelID)
	if s.game != nil {
		s.game.CloseWith(wire.CodeRestart, "the channel's home node lost its lease; reconnect")
	}
}

// endCode is how edges are told the session ended: a home that stops or
// lost its lease lets them keep their participants for the next home.
func (h *home) endCode(code int, reason string) (int, string) {
	if h.lost {
		return wire.CodeRestart, "the channel's home moved"
	}
	return code, reason
}

// publish numbers m and sends it to every edge.
func (h *home) publish(m *outMsg) {
	if !h.active {
		return
	}
	h.n++
	m.node, m.epoch, m.n = h.bus.NodeID(), h.epoch, h.n
	h.buf = m.append(h.buf[:0])
	if err := h.bus.Publish(h.subject, h.buf); err != nil {
		h.s.m.log.Warn("cluster publish", "channel", h.s.channelID, "err", err)
	}
	if cap(h.buf) > 64<<10 {
		h.buf = nil // a big frame once should not stay held
	}
}

// sendFrame publishes frame b for the far participants among ps: all of
// an edge's participants are named by the edge alone, so that a
// broadcast costs the same few bytes whatever the audience.
func (h *home) sendFrame(ps []*participant, far int, b []byte) {
	m := &outMsg{kind: outFrame, frame: b}
	switch {
	case far == h.far:
		for _, e := range h.edges {
			if len(e.parts) > 0 {
				m.targets = append(m.targets, target{edge: e.id, all: true})
			}
		}
	case far == 1: // a reply, a join's welcome: the common case on input
		for _, p := range ps {
			if r := p.remote; r != nil {
				m.targets = []target{{edge: r.edge.id, slots: []uint64{r.slot}}}
			}
		}
	default:
		at := map[*edgeRef]int{} // index in m.targets
		for _, p := range ps {
			if p.remote == nil {
				continue
			}
			i, ok := at[p.remote.edge]
			if !ok {
				i = len(m.targets)
				at[p.remote.edge] = i
				m.targets = append(m.targets, target{edge: p.remote.edge.id})
			}
			m.targets[i].slots = append(m.targets[i].slots, p.remote.slot)
		}
		for e, i := range at {
			if len(m.targets[i].slots) == len(e.parts) {
				m.targets[i] = target{edge: e.id, all: true}
			}
		}
	}
	h.publish(m)
}

// forget drops a participant that left from its edge's list.
func (h *home) forget(p *participant) {
	e := p.remote.edge
	if e.parts[p.remote.slot] == p {
		delete(e.parts, p.remote.slot)
		h.far--
	}
}

// handleIn runs one message from an edge, in the order the edge sent it.
func (h *home) handleIn(data []byte) {
	m, err := decodeIn(data)
	if err != nil {
		h.s.m.log.Warn("cluster: malformed message from an edge", "channel", h.s.channelID, "err", err)
		return
	}
	if m.kind == inJoin {
		h.join(m) // checks the key in the database first, without the lock
		return
	}
	s := h.s
	s.mu.Lock()
	if s.ended || !h.active {
		s.mu.Unlock()
		return
	}
	switch m.kind {
	case inHello:
		h.publish(&outMsg{kind: outHello})
	case inReset:
		h.dropEdge(m.edge)
	case inLeave:
		if p := h.participant(m.edge, m.slot); p != nil {
			s.removeLocked(p)
		}
	case inPacket:
		p := h.participant(m.edge, m.slot)
		s.mu.Unlock()
		if p != nil {
			h.packet(p, m.frame)
		}
		return
	}
	s.mu.Unlock()
}

func (h *home) participant(edge string, slot uint64) *participant {
	if e := h.edges[edge]; e != nil {
		return e.parts[slot]
	}
	return nil
}

// dropEdge removes every participant of an edge (it reset, or died).
func (h *home) dropEdge(id string) {
	e := h.edges[id]
	if e == nil {
		return
	}
	for _, p := range e.parts {
		h.s.removeLocked(p)
	}
	delete(h.edges, id)
}

// edgeGone: a node's heartbeat expired; the participants it held are gone.
func (h *home) edgeGone(nodeID string) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		h.dropEdge(nodeID)
	}
}

// packet runs a participant's method, as if its socket were here.
func (h *home) packet(p *participant, frame []byte) {
	pks, _, err := wire.DecodeFrame(frame)
	if err != nil {
		return // the edge decoded it first: nothing a client sent reaches here malformed
	}
	for i := range pks {
		h.s.handleParticipant(p, &pks[i], pks[i].Err)
	}
}

// join checks a participant an edge announces as a socket here would be
// checked (key, ban, bundle) and adds it to the session.
func (h *home) join(m *inMsg) {
	s := h.s
	refuse := func(code int, reason string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		h.publish(&outMsg{kind: outClose, edge: m.edge, slot: m.slot, code: code, reason: reason})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var user User
	if m.token != "" {
		u, err := s.m.store.UserByToken(ctx, m.token)
		if err != nil {
			if !errors.Is(err, studio.ErrUnauthorized) {
				s.m.log.Error("participant authentication", "err", err)
				refuse(wire.CodeInternal, "internal error")
				return
			}
			refuse(wire.CodeAuthFailed, "Authentication failed.")
			return
		}
		user = u
	}
	viewer := ""
	if m.token == "" {
		viewer = m.viewerID
	}
	standing, err := s.m.standing(ctx, s.channelID, user, viewer)
	if err != nil {
		s.m.log.Error("participant standing", "channel", s.channelID, "err", err)
		refuse(wire.CodeInternal, "internal error")
		return
	}
	if standing.Banned {
		refuse(wire.CodeAccessRevoked, BannedReason)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || !h.active {
		return
	}
	if s.missingBundle() {
		h.publish(&outMsg{kind: outClose, edge: m.edge, slot: m.slot, code: wire.CodeNoBundle, reason: wire.CodeMessage(wire.CodeNoBundle)})
		return
	}
	e := h.edges[m.edge]
	if e == nil {
		e = &edgeRef{id: m.edge, parts: map[uint64]*participant{}}
		h.edges[m.edge] = e
	}
	if old := e.parts[m.slot]; old != nil { // announced twice: the newer counts
		s.removeLocked(old)
	}
	p := &participant{
		sessionID: uuid.NewString(),
		userID:    user.ID,
		username:  user.Username,
		level:     user.Level,
		anonymous: m.token == "",
		viewerID:  viewer,
	}
	if !standing.MutedUntil.IsZero() {
		p.mutedUntil = standing.MutedUntil.UnixMilli()
	}
	p.remote = &remote{h: h, p: p, edge: e, slot: m.slot}
	e.parts[m.slot] = p
	h.far++
	h.publish(&outMsg{kind: outJoined, edge: m.edge, slot: m.slot, sessionID: p.sessionID})
	s.joinLocked(p)
}
