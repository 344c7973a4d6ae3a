package mediator

import (
	"encoding/json"
	"strings"

	"github.com/mixstudio/mixstudio/live/wire"
)

// request is a client's method call.
type request struct {
	id      uint32
	method  string
	params  json.RawMessage // never nil: a missing params is {}
	discard bool
	seq     int32
}

// gameMethod runs with s.mu held and returns the reply's result (nil for
// null) or an error. Fatal errors close the socket instead of replying.
type gameMethod func(s *session, r *request) ([]byte, *Error)

// gameMethodFor returns the method a game client may call by name.
func gameMethodFor(name string) gameMethod {
	switch name {
	case "ready":
		return (*session).ready
	case "getTime":
		return (*session).getTime
	case "getMemoryStats":
		return (*session).getMemoryStats
	case "setBandwidthThrottle":
		return (*session).setBandwidthThrottle
	case "getThrottleState":
		return (*session).getThrottleState
	case "updateWorld":
		return (*session).updateWorld
	case "getAllParticipants":
		return (*session).getAllParticipants
	case "getActiveParticipants":
		return (*session).getActiveParticipants
	case "getParticipantsByMixerID":
		return (*session).getParticipantsByMixerID
	case "getParticipantsBySessionID":
		return (*session).getParticipantsBySessionID
	case "updateParticipants":
		return (*session).updateParticipants
	case "createGroups":
		return (*session).createGroups
	case "getGroups":
		return (*session).getGroups
	case "updateGroups":
		return (*session).updateGroups
	case "deleteGroup":
		return (*session).deleteGroup
	case "createScenes":
		return (*session).createScenes
	case "getScenes":
		return (*session).getScenes
	case "updateScenes":
		return (*session).updateScenes
	case "deleteScene":
		return (*session).deleteScene
	case "createControls":
		return (*session).createControls
	case "updateControls":
		return (*session).updateControls
	case "deleteControls":
		return (*session).deleteControls
	case "broadcastEvent":
		return (*session).broadcastEvent
	case "uploadFile":
		return (*session).uploadFile
	case "deleteFile":
		return (*session).deleteFile
	}
	return nil
}

// parseRequest turns a decoded packet into a request. A nil request with
// a nil error means: nothing to answer (a reply packet from the client).
func parseRequest(p *wire.Packet) (*request, *Error) {
	if p.Err != nil {
		return &request{id: p.ID}, p.Err
	}
	if p.Type != wire.TypeMethod {
		return nil, nil // answers to our discard methods: nothing to do
	}
	r := &request{id: p.ID, method: p.Method, params: p.Params, discard: p.Discard, seq: p.Seq}
	if len(r.params) == 0 {
		r.params = json.RawMessage("{}")
	}
	return r, nil
}

// request is the method call a packet carries; nil when there is none to
// run (a reply, or a packet that did not parse, already answered).
func (s *session) request(c peer, p *wire.Packet, parseErr *Error) *request {
	if parseErr != nil {
		s.replyLocked(c, 0, nil, parseErr)
		return nil
	}
	r, e := parseRequest(p)
	if e != nil {
		s.replyLocked(c, r.id, nil, e)
		return nil
	}
	return r
}

// handleGame runs one packet from the game client.
func (s *session) handleGame(c *conn, p *wire.Packet, parseErr *Error) {
	r := s.request(c, p, parseErr)
	if r == nil {
		return
	}
	switch r.method {
	case "capture": // database I/O: runs without the session lock
		result, e := s.capture(r)
		s.finish(c, r, result, e)
		return
	case "setCompression":
		s.setCompression(c, r, nil)
		return
	}
	fn := gameMethodFor(r.method)
	if fn == nil {
		s.replyLocked(c, r.id, nil, perr(wire.CodeUnknownMethod, "method", "Unknown method name %q.", r.method))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.views = nil // scenes and groups may change: views are encoded again
	result, e := fn(s, r)
	s.views = nil
	if e == nil && grows(r.method) && s.checkMemory() {
		return // closed with 4017 instead of replying
	}
	s.respond(c, r, result, e)
}

func (s *session) finish(c *conn, r *request, result []byte, e *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond(c, r, result, e)
}

// respond replies unless the caller asked to discard a success.
func (s *session) respond(c peer, r *request, result []byte, e *Error) {
	if e == nil && r.discard {
		return
	}
	if e != nil && isFatal(e.Code) {
		c.CloseWith(e.Code, e.Message)
		return
	}
	s.reply(c, r.id, result, e)
}

func isFatal(code int) bool {
	return code == wire.CodeMemoryLimit
}

func (s *session) replyLocked(c peer, id uint32, result []byte, e *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply(c, id, result, e)
}

// handleParticipant runs one packet from a participant.
func (s *session) handleParticipant(p *participant, pk *wire.Packet, parseErr *Error) {
	c := p.peer()
	r := s.request(c, pk, parseErr)
	if r == nil {
		return
	}
	// A participant may call only these; anything else is refused with
	// 4003 and never runs.
	switch r.method {
	case "setCompression":
		if p.conn != nil { // a remote participant's edge negotiates it
			s.setCompression(p.conn, r, &s.m.streams)
		}
	case "giveInput":
		s.giveInput(p, r)
	case "getTime":
		s.mu.Lock()
		result, e := s.getTime(r)
		s.respond(c, r, result, e)
		s.mu.Unlock()
	case "getScenes":
		s.mu.Lock()
		result := mustJSON(map[string]any{"scenes": []*scene{s.sceneIdx[s.sceneOf(p)]}})
		s.respond(c, r, result, nil)
		s.mu.Unlock()
	default:
		s.replyLocked(c, r.id, nil, perr(wire.CodeUnknownMethod, "method", "Unknown method name %q.", r.method))
	}
}

// grows reports the methods that can add to the session's memory; only
// they are followed by a memory check.
func grows(method string) bool {
	return strings.HasPrefix(method, "create") || strings.HasPrefix(method, "update")
}
