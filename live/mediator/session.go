package mediator

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"

	"github.com/mixstudio/mixstudio/live/state"
)

// session is one channel's interactive session: the game client, its
// participants and the world they share. Every change and every send
// happens under mu; sends only queue bytes, so mu is never held across
// I/O (network or database).
type session struct {
	m         *Mediator
	channelID int64
	storageID string // names the session's file storage in URLs
	baseURL   string // scheme://host the game client reached us at
	versionID int64  // X-Interactive-Version
	// withBundle: the game client runs the version with its control
	// bundle (BundleHeader); hasBundle: the version has one. Both false
	// and true/true are fine; true/false refuses viewers with 4023.
	withBundle, hasBundle bool

	mu      sync.Mutex
	game    *conn
	isReady bool
	ended   bool
	seq     uint32 // incremented on every packet sent
	lastID  uint32 // ids of server-sent methods, kept ≤ 2^31-1

	world       *state.Object
	worldSize   int64
	scenes      []*scene
	sceneIdx    map[string]*scene
	groups      []*group
	groupIdx    map[string]*group
	parts       map[string]*participant // by sessionID
	byUser      map[int64]*participant
	lastJoinAt  int64 // connectedAt values are made unique (see join)
	throttle    *throttles
	files       *fileStore
	memWarned   bool
	views       map[string]*view // by group; nil after any game-client method
	memoryLimit int64

	// home is the session's side of the bus in a cluster (nil alone):
	// its participants are held by edges (home.go).
	home *home
	// replica marks an edge's copy of a session homed elsewhere
	// (edge.go): it never numbers packets itself.
	replica bool
}

type scene struct {
	id       string
	props    *state.Object // sceneID and custom properties; controls live apart
	size     int64         // objectSize(props), kept as props change
	controls []*control
	ctrlIdx  map[string]*control
	// src is, on an edge's replica, the JSON the scene was read from: a
	// scene sent again unchanged (to each viewer who joins) is not read
	// again.
	src []byte
}

type control struct {
	id    string
	kind  string
	props *state.Object // the whole control object
	size  int64
}

type group struct {
	id    string
	props *state.Object // groupID, sceneID and custom properties
	size  int64
}

func (g *group) sceneID() string {
	s, _ := g.props.String("sceneID")
	return s
}

// nextSeq returns the seq of the next packet sent.
func (s *session) nextSeq() uint32 {
	if s.replica { // an edge's own replies carry the last seq it saw
		return s.seq
	}
	s.seq++
	if s.seq > math.MaxInt32 {
		s.seq = 1
	}
	return s.seq
}

func (s *session) nextID() uint32 {
	s.lastID++
	if s.lastID > math.MaxInt32 { // Unity, Java and Unreal read int32
		s.lastID = 1
	}
	return s.lastID
}

// method encodes a discard method packet once.
func (s *session) method(name string, params []byte) []byte {
	return appendMethod(make([]byte, 0, len(params)+96), s.nextID(), name, params, true, s.nextSeq())
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("mediator: marshal %T: %v", v, err))
	}
	return b
}

// toGame sends an event to the game client, through its throttles.
func (s *session) toGame(name string, params []byte) {
	if s.game == nil {
		return
	}
	b := s.method(name, params)
	if !s.throttle.allow(name, len(b), s.m.now()) {
		return
	}
	s.game.Send(b)
}

// toParticipants sends one event to many participants, encoded once;
// those held by edges get it in one bus message.
func (s *session) toParticipants(ps []*participant, name string, params []byte) {
	if len(ps) == 0 {
		return
	}
	b := s.method(name, params)
	far := 0
	for _, p := range ps {
		if p.conn != nil {
			p.conn.Send(b)
		} else {
			far++
		}
	}
	if far > 0 {
		s.home.sendFrame(ps, far, b)
	}
}

// everywhere sends an event to the game client and to participants.
func (s *session) everywhere(ps []*participant, name string, params []byte) {
	s.toGame(name, params)
	s.toParticipants(ps, name, params)
}

// reply answers a client's method.
func (s *session) reply(c peer, id uint32, result []byte, e *Error) {
	c.Send(appendReply(make([]byte, 0, len(result)+64), id, result, e, s.nextSeq()))
}

// allParticipants lists the connected participants.
func (s *session) allParticipants() []*participant {
	out := make([]*participant, 0, len(s.parts))
	for _, p := range s.parts {
		out = append(out, p)
	}
	return out
}

// onScene lists the participants whose group shows sceneID.
func (s *session) onScene(sceneID string) []*participant {
	var out []*participant
	for _, p := range s.parts {
		if s.sceneOf(p) == sceneID {
			out = append(out, p)
		}
	}
	return out
}

// inGroup lists the participants of group id.
func (s *session) inGroup(id string) []*participant {
	var out []*participant
	for _, p := range s.parts {
		if p.groupID() == id {
			out = append(out, p)
		}
	}
	return out
}

// sceneOf is the scene a participant sees: its group's.
func (s *session) sceneOf(p *participant) string {
	if g := s.groupIdx[p.groupID()]; g != nil {
		return g.sceneID()
	}
	return defaultID
}

const defaultID = "default"

// appendJSON writes a scene as the protocol shows it: sceneID, controls,
// then custom properties.
func (sc *scene) appendJSON(b []byte) []byte { return sc.appendJSONWith(b, nil) }

// appendJSONWith writes the scene with its groups after controls when
// groups is not nil: getScenes "returns a list of scenes and their
// controls and groups", and SDKs look for a moved group under its scene.
// "controls" and "groups" are reserved: never custom properties.
func (sc *scene) appendJSONWith(b []byte, groups []*group) []byte {
	b = append(b, `{"sceneID":`...)
	b = append(b, mustJSON(sc.id)...)
	b = append(b, `,"controls":[`...)
	for i, c := range sc.controls {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.props.AppendJSON(b)
	}
	b = append(b, ']')
	if groups != nil {
		b = append(b, `,"groups":[`...)
		for i, g := range groups {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.props.AppendJSON(b)
		}
		b = append(b, ']')
	}
	b = appendMembers(b, sc.props, isReservedSceneKey)
	return append(b, '}')
}

// isReservedSceneKey names the members of a scene that the server writes
// itself and that create/updateScenes ignore.
func isReservedSceneKey(k string) bool {
	return k == "sceneID" || k == "controls" || k == "groups"
}

// groupsOn lists the groups showing sceneID, never nil.
func (s *session) groupsOn(sceneID string) []*group {
	out := []*group{}
	for _, g := range s.groups {
		if g.sceneID() == sceneID {
			out = append(out, g)
		}
	}
	return out
}

func (sc *scene) MarshalJSON() ([]byte, error) { return sc.appendJSON(nil), nil }

func (g *group) MarshalJSON() ([]byte, error) { return g.props.AppendJSON(nil), nil }

func (c *control) MarshalJSON() ([]byte, error) { return c.props.AppendJSON(nil), nil }

func (s *session) memoryUsed() int64 {
	return s.memoryStats().UsedBytes
}

// Setters keep each resource's memory estimate in step with its
// properties, so that the memory check never re-encodes the session.

func (sc *scene) setProps(o *state.Object) { sc.props, sc.size = o, objectSize(o) }

func (c *control) setProps(o *state.Object) { c.props, c.size = o, objectSize(o) }

func (g *group) setProps(o *state.Object) { g.props, g.size = o, objectSize(o) }

func (s *session) setWorld(o *state.Object) { s.world, s.worldSize = o, objectSize(o) }
