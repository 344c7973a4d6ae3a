package mediator

import (
	"sort"
	"time"

	"github.com/mixstudio/mixstudio/live/wire"
)

// edge is a node's side of a channel whose viewers it holds, in a
// cluster. Every node is an edge for the viewers that reach it, the home
// node included: the home (home.go) holds the session, the edges the
// sockets. An edge keeps a replica of what its viewers were shown
// (edge_replica.go), so that it refuses bad input without crossing the
// bus and answers getScenes and getTime itself; it forwards valid input
// to the home on mix.<channel>.in, in the order its viewers sent it, and
// delivers each frame from mix.<channel>.out to the viewers it names.
//
// rep.mu guards the fields after refs.
type edge struct {
	m    *Mediator
	id   int64 // the channel
	rep  *session
	refs int // viewers holding the edge (under m.mu)
	// subscribed is closed once the first viewer subscribed the edge to
	// the bus (subErr says how that went); stop undoes it.
	subscribed chan struct{}
	subErr     error
	stop       []func()

	viewers  map[uint64]*viewer // by slot
	nextSlot uint64

	// The home session the viewers are announced to: its node, epoch and
	// the number of its last message applied.
	homeNode  string
	epoch, n  uint64
	announced bool // the viewers were announced to epoch
	syncing   bool // a message was missed: waiting for the home's hello
	orphaned  bool // the home let go of the lease or stopped: waiting for the next
	busDown   bool // the bus is unreachable: input is refused
}

// viewer is one participant socket of the edge.
type viewer struct {
	slot     uint64
	conn     *conn
	token    string // the participant's key, checked at home
	viewerID string
	p        *participant // the replica's participant once the home accepted it
	wait     *time.Timer  // the first join's ParticipantWait
}

// serveEdge joins a participant socket to the channel through its home
// (in a cluster, instead of serveParticipant).
func (m *Mediator) serveEdge(c *conn, channelID int64, token, viewerID string) {
	if !m.opts.Bus.Connected() { // no home could hear it join: come back later
		defer m.removeConn(c)
		m.log.Warn("handshake refused", "path", ParticipantPath, "channel", channelID,
			"code", wire.CodeRestart, "reason", "the cluster's bus is unreachable")
		c.CloseWith(wire.CodeRestart, "The cluster's bus cannot be reached; try again.")
		c.ReadLoop(64<<10, func(*wire.Packet, *Error) {})
		return
	}
	e, err := m.edgeFor(channelID)
	if err != nil {
		defer m.removeConn(c)
		m.log.Error("cluster subscribe", "channel", channelID, "err", err)
		c.CloseWith(wire.CodeRestart, "The cluster's bus cannot be reached; try again.")
		c.ReadLoop(64<<10, func(*wire.Packet, *Error) {})
		return
	}
	v := e.add(c, token, viewerID)
	go func() {
		defer m.removeConn(c)
		c.ReadLoop(64<<10, func(pk *wire.Packet, pe *Error) { e.handle(v, pk, pe) })
		e.remove(v)
		m.leaveEdge(e)
	}()
}

// edgeFor returns the channel's edge, subscribed to its home, for one
// more viewer (leaveEdge gives it back).
func (m *Mediator) edgeFor(channelID int64) (*edge, error) {
	m.mu.Lock()
	e := m.edges[channelID]
	if e != nil {
		e.refs++
		m.mu.Unlock()
		<-e.subscribed
		if e.subErr != nil {
			m.leaveEdge(e)
			return nil, e.subErr
		}
		return e, nil
	}
	e = &edge{m: m, id: channelID, rep: newReplica(m, channelID), viewers: map[uint64]*viewer{}, refs: 1,
		subscribed: make(chan struct{})}
	m.edges[channelID] = e
	m.mu.Unlock()
	e.subErr = e.subscribe()
	close(e.subscribed)
	if e.subErr != nil {
		m.leaveEdge(e)
		return nil, e.subErr
	}
	e.rep.mu.Lock()
	e.send(&inMsg{kind: inHello}) // a running home answers with hello
	e.rep.mu.Unlock()
	return e, nil
}

// subscribe hears the channel's home and follows its lease.
func (e *edge) subscribe() error {
	bus := e.m.opts.Bus
	stopOut, err := bus.Subscribe(outSubject(e.id), e.handleOut)
	if err != nil {
		return err
	}
	e.stop = append(e.stop, stopOut)
	stopWatch, err := bus.WatchHome(e.id, e.homeIs)
	if err != nil {
		return err
	}
	e.stop = append(e.stop, stopWatch)
	return nil
}

// leaveEdge drops a viewer's hold; the last one unsubscribes.
func (m *Mediator) leaveEdge(e *edge) {
	m.mu.Lock()
	e.refs--
	last := e.refs == 0
	if last && m.edges[e.id] == e {
		delete(m.edges, e.id)
	}
	m.mu.Unlock()
	if last {
		for _, f := range e.stop {
			f()
		}
	}
	m.opts.Bus.SetLoad(int(m.edgeViewers.Add(0)))
}

// send publishes one message to the home.
func (e *edge) send(msg *inMsg) {
	msg.edge = e.m.opts.Bus.NodeID()
	if err := e.m.opts.Bus.Publish(inSubject(e.id), msg.append(nil)); err != nil {
		e.m.log.Warn("cluster publish", "channel", e.id, "err", err)
	}
}

func (e *edge) add(c *conn, token, viewerID string) *viewer {
	e.rep.mu.Lock()
	defer e.rep.mu.Unlock()
	e.nextSlot++
	v := &viewer{slot: e.nextSlot, conn: c, token: token, viewerID: viewerID}
	e.viewers[v.slot] = v
	v.wait = time.AfterFunc(e.m.opts.ParticipantWait, func() { e.joinTimedOut(v) })
	if e.announced {
		e.send(&inMsg{kind: inJoin, slot: v.slot, token: token, viewerID: viewerID})
	}
	e.m.opts.Bus.SetLoad(int(e.m.edgeViewers.Add(1)))
	return v
}

// joinTimedOut refuses a viewer no home accepted within ParticipantWait,
// as a single node refuses one whose game client does not come.
func (e *edge) joinTimedOut(v *viewer) {
	e.rep.mu.Lock()
	defer e.rep.mu.Unlock()
	if v.p == nil && e.viewers[v.slot] == v {
		e.m.log.Warn("handshake refused", "path", ParticipantPath, "channel", e.id,
			"code", wire.CodeChannelOffline, "reason", "no home accepted the participant within the wait")
		v.conn.CloseWith(wire.CodeChannelOffline, "The channel is not online.")
	}
}

func (e *edge) remove(v *viewer) {
	e.rep.mu.Lock()
	defer e.rep.mu.Unlock()
	v.wait.Stop()
	delete(e.viewers, v.slot)
	if v.p != nil {
		delete(e.rep.parts, v.p.sessionID)
	}
	if e.announced {
		e.send(&inMsg{kind: inLeave, slot: v.slot})
	}
	e.m.edgeViewers.Add(-1)
}

// handle runs one packet from a viewer: input is judged here against the
// replica and only valid input crosses the bus.
func (e *edge) handle(v *viewer, pk *wire.Packet, parseErr *Error) {
	s := e.rep
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.request(v.conn, pk, parseErr)
	if r == nil {
		return
	}
	switch r.method {
	case "setCompression":
		s.setCompression(v.conn, r, &e.m.streams)
	case "getTime":
		result, err := s.getTime(r)
		s.respond(v.conn, r, result, err)
	case "getScenes":
		if v.p == nil {
			s.respond(v.conn, r, nil, badInput("Interactive is not ready yet."))
			return
		}
		s.respond(v.conn, r, mustJSON(map[string]any{"scenes": []*scene{s.sceneIdx[s.sceneOf(v.p)]}}), nil)
	case "giveInput":
		if e := e.checkInput(v, r); e != nil {
			s.respond(v.conn, r, nil, e)
			return
		}
		frame := appendMethod(nil, r.id, r.method, r.params, r.discard, uint32(r.seq))
		e.send(&inMsg{kind: inPacket, slot: v.slot, frame: frame})
	default:
		s.reply(v.conn, r.id, nil, perr(wire.CodeUnknownMethod, "method", "Unknown method name %q.", r.method))
	}
}

// checkInput is the session's own check, on the replica; what only the
// home knows (mutes, sparks, a cooldown set a moment ago) it checks again.
func (e *edge) checkInput(v *viewer, r *request) *Error {
	if v.p == nil || !e.announced || e.syncing || e.orphaned || e.busDown {
		return badInput("Interactive is not ready for input yet.")
	}
	in, err := parseInput(r.params)
	if err != nil {
		return err
	}
	_, _, err = e.rep.checkInput(v.p, in, e.m.now())
	return err
}

// handleOut applies one message from the home, in the home's order.
func (e *edge) handleOut(data []byte) {
	msg, err := decodeOut(data)
	if err != nil {
		e.m.log.Warn("cluster: malformed message from a home", "channel", e.id, "err", err)
		return
	}
	e.rep.mu.Lock()
	defer e.rep.mu.Unlock()
	if msg.kind == outHello {
		e.hello(msg)
		return
	}
	if !e.announced || e.syncing || msg.node != e.homeNode || msg.epoch != e.epoch {
		return // another session's, or ours before it said hello
	}
	if msg.n != e.n+1 {
		// Missed messages (a slow consumer, a bus reconnect): the viewers'
		// state is unknown, so they are announced again from a new hello.
		e.m.log.Warn("cluster: messages from the home were missed", "channel", e.id, "want", e.n+1, "got", msg.n)
		e.syncing = true
		e.send(&inMsg{kind: inHello})
		return
	}
	e.n = msg.n
	me := e.m.opts.Bus.NodeID()
	switch msg.kind {
	case outFrame:
		e.frame(msg, me)
	case outJoined:
		if v := e.viewers[msg.slot]; msg.edge == me && v != nil {
			v.wait.Stop()
			v.p = &participant{sessionID: msg.sessionID, conn: v.conn}
			v.p.setProps(defaultParticipantProps)
			e.rep.parts[v.p.sessionID] = v.p
		}
	case outClose:
		if v := e.viewers[msg.slot]; msg.edge == me && v != nil {
			v.conn.CloseWith(msg.code, msg.reason)
		}
	case outEnded:
		if msg.code == wire.CodeRestart {
			e.homeLost() // a next home will say hello
			return
		}
		for _, v := range e.viewers {
			v.conn.CloseWith(msg.code, msg.reason)
		}
		e.announced = false
	}
}

// hello is a home session speaking: a new one (or ours after a gap) gets
// every viewer announced; ours again after a bus outage just resumes.
func (e *edge) hello(msg *outMsg) {
	if e.announced && !e.syncing && msg.node == e.homeNode && msg.epoch == e.epoch && msg.n == e.n+1 {
		e.n = msg.n
		if e.busDown {
			e.busDown = false
			e.tellReady(e.rep.isReady)
		}
		return
	}
	e.homeNode, e.epoch, e.n = msg.node, msg.epoch, msg.n
	e.rep.resetReplica()
	e.send(&inMsg{kind: inReset})
	slots := make([]uint64, 0, len(e.viewers))
	for slot, v := range e.viewers {
		v.p = nil
		slots = append(slots, slot)
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i] < slots[j] })
	for _, slot := range slots {
		v := e.viewers[slot]
		e.send(&inMsg{kind: inJoin, slot: slot, token: v.token, viewerID: v.viewerID})
	}
	e.announced, e.syncing, e.orphaned, e.busDown = true, false, false, false
}

// frame hands a frame to the viewers it names and applies it to the
// replica. Frames for no viewer here are skipped: every change of a scene
// goes to the viewers on it, and a viewer moved to another scene is sent
// that scene whole, so the replica of every scene a viewer here sees is
// current without them.
func (e *edge) frame(msg *outMsg, me string) {
	var t *target
	for i := range msg.targets {
		if msg.targets[i].edge == me {
			t = &msg.targets[i]
			break
		}
	}
	if t == nil {
		return
	}
	e.rep.apply(msg.frame)
	b := append([]byte(nil), msg.frame...) // the bus reuses its buffer; sockets queue b
	if t.all {
		for _, v := range e.viewers {
			if v.p != nil {
				v.conn.Send(b)
			}
		}
		return
	}
	for _, slot := range t.slots {
		if v := e.viewers[slot]; v != nil {
			v.conn.Send(b)
		}
	}
}

// homeIs follows the channel's lease: when the node that said hello no
// longer holds it, that home is gone. Its last messages may still come
// (the lease and the messages travel apart): they are applied.
func (e *edge) homeIs(nodeID string) {
	e.rep.mu.Lock()
	defer e.rep.mu.Unlock()
	if e.announced && nodeID != e.homeNode {
		e.homeLost()
	}
}

// homeLost keeps the viewers and tells them the session is not ready
// until a next home says hello.
func (e *edge) homeLost() {
	if !e.announced || e.orphaned {
		return
	}
	e.orphaned = true
	e.tellReady(false)
}

// busIs follows the bus's connection: while it is down input would go
// nowhere, so viewers are told the session is not ready; once it is back
// the home's hello says whether anything was missed.
func (e *edge) busIs(up bool) {
	e.rep.mu.Lock()
	defer e.rep.mu.Unlock()
	if up {
		e.send(&inMsg{kind: inHello})
		return
	}
	if e.announced && !e.busDown {
		e.busDown = true
		e.tellReady(false)
	}
}

// tellReady sends the accepted viewers onReady, numbered with the last
// seq the edge saw (the edge never numbers packets itself).
func (e *edge) tellReady(ready bool) {
	b := e.rep.method("onReady", readyParams(ready))
	for _, v := range e.viewers {
		if v.p != nil {
			v.conn.Send(b)
		}
	}
}
