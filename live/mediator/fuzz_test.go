package mediator

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/live/mediator/internal/transport"
	"github.com/mixstudio/mixstudio/studio"
)

// sinkConn queues without ever writing (no socket): enough for methods
// that send events.
func sinkConn() *conn {
	return newConn(nil, nil, nil, transport.Options{MaxItems: 1 << 30, MaxBytes: 1 << 40})
}

func fuzzSession(t *testing.T) *session {
	m := New(nil, func() time.Time { return time.UnixMilli(1_700_000_000_000) }, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{InputRate: -1, SocketsPerAddress: -1}) // load, not people
	s, err := m.newSession(studio.User{ID: 1, ChannelID: 1}, testLayout(), "http://fuzz")
	if err != nil {
		t.Fatal(err)
	}
	s.isReady = true
	s.game = sinkConn()
	for _, id := range []string{"11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"} {
		p := &participant{sessionID: id, userID: 5, conn: sinkConn()}
		p.setProps(mustObject(`{"disabled":false,"groupID":"default"}`, stateTag0))
		s.parts[id] = p
	}
	return s
}

// checkInvariants: the defaults exist, every reference resolves, and every
// resource is valid JSON.
func checkInvariants(t *testing.T, s *session) {
	if s.sceneIdx[defaultID] == nil || s.groupIdx[defaultID] == nil {
		t.Fatal("a default resource is gone")
	}
	if len(s.scenes) != len(s.sceneIdx) || len(s.groups) != len(s.groupIdx) {
		t.Fatal("indexes out of step")
	}
	for _, g := range s.groups {
		if s.sceneIdx[g.sceneID()] == nil {
			t.Fatalf("group %q shows missing scene %q", g.id, g.sceneID())
		}
	}
	for _, p := range s.parts {
		if s.groupIdx[p.groupID()] == nil {
			t.Fatalf("participant in missing group %q", p.groupID())
		}
		if !json.Valid(p.appendJSON(nil)) {
			t.Fatal("participant JSON invalid")
		}
	}
	for _, sc := range s.scenes {
		if sc.size != objectSize(sc.props) {
			t.Fatalf("scene %q: cached size %d, real %d", sc.id, sc.size, objectSize(sc.props))
		}
		for _, c := range sc.controls {
			if c.size != objectSize(c.props) {
				t.Fatalf("control %q: cached size out of step", c.id)
			}
		}
	}
	for _, g := range s.groups {
		if g.size != objectSize(g.props) {
			t.Fatalf("group %q: cached size out of step", g.id)
		}
	}
	if s.worldSize != objectSize(s.world) {
		t.Fatal("world: cached size out of step")
	}
	for _, p := range s.parts {
		if p.size != participantSize(p) {
			t.Fatal("participant: cached size out of step")
		}
	}
	scenes, _ := s.getScenes(nil)
	if !json.Valid(scenes) || !json.Valid(s.worldJSON(s.scenes)) || !json.Valid(groupsParams(s.groups)) {
		t.Fatal("invalid JSON in the state")
	}
}

// FuzzGameMethods runs any game-client method with any params against a
// session: no panic, and the session stays consistent.
func FuzzGameMethods(f *testing.F) {
	seeds := map[string]string{
		"createScenes":         `{"scenes":[{"sceneID":"s","controls":[{"controlID":"c","kind":"button","cost":3}]}]}`,
		"updateScenes":         `{"scenes":[{"sceneID":"default","x":{"y":null}}]}`,
		"deleteScene":          `{"sceneID":"lobby","reassignSceneID":"default"}`,
		"createControls":       `{"sceneID":"default","controls":[{"controlID":"z","kind":"joystick"}]}`,
		"updateControls":       `{"sceneID":"default","priority":2,"controls":[{"controlID":"btn","disabled":true}]}`,
		"deleteControls":       `{"sceneID":"default","controlIDs":["btn"]}`,
		"createGroups":         `{"groups":[{"groupID":"g","sceneID":"lobby"}]}`,
		"updateGroups":         `{"groups":[{"groupID":"default","sceneID":"lobby"}]}`,
		"deleteGroup":          `{"groupID":"g","reassignGroupID":"default"}`,
		"updateParticipants":   `{"participants":[{"sessionID":"11111111-1111-4111-8111-111111111111","groupID":"default","disabled":true}]}`,
		"updateWorld":          `{"world":{"a":1}}`,
		"broadcastEvent":       `{"scope":["everyone","group:default"],"data":{"x":1}}`,
		"setBandwidthThrottle": `{"giveInput":{"capacity":1,"drainRate":1},"*":null}`,
		"getAllParticipants":   `{"from":0}`,
		"uploadFile":           `{"path":"a/b.png"}`,
	}
	for m, p := range seeds {
		f.Add(m, []byte(p))
	}
	f.Fuzz(func(t *testing.T, method string, params []byte) {
		fn := gameMethodFor(method)
		if fn == nil {
			return
		}
		o, ok := parseObject(params)
		if !ok || o == nil {
			return
		}
		s := fuzzSession(t)
		s.mu.Lock()
		defer s.mu.Unlock()
		result, e := fn(s, &request{id: 1, method: method, params: params, seq: 3})
		if e == nil && result != nil && !json.Valid(result) {
			t.Fatalf("%s: invalid result %s", method, result)
		}
		if e != nil && (e.Code < 4000 || e.Code > 4999) {
			t.Fatalf("%s: error code %d", method, e.Code)
		}
		checkInvariants(t, s)
	})
}

// FuzzGiveInput validates any participant params: no panic, and anything
// accepted names a control of the participant's scene.
func FuzzGiveInput(f *testing.F) {
	for _, p := range []string{
		`{"controlID":"btn","event":"mousedown","button":0}`,
		`{"input":{"controlID":"stick","event":"move","x":0.5,"y":0.5}}`,
		`{"controlID":"box","event":"submit","value":"x"}`,
		`{"input":5}`,
	} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, params []byte) {
		s := fuzzSession(t)
		in, e := parseInput(params)
		if e != nil {
			return
		}
		p := s.parts["11111111-1111-4111-8111-111111111111"]
		s.mu.Lock()
		defer s.mu.Unlock()
		id, _, e := s.checkInput(p, in, s.m.now())
		if e != nil {
			return
		}
		if s.sceneIdx[s.sceneOf(p)].ctrlIdx[id] == nil {
			t.Fatalf("accepted input for %q, not on the scene", id)
		}
		s.forwardInput(p, in, "", s.m.now())
		last := s.game.LastQueued()
		if !json.Valid(last) {
			t.Fatalf("forwarded invalid JSON %s", last)
		}
	})
}
