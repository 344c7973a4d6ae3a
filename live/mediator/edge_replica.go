package mediator

import (
	"bytes"
	"encoding/json"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
)

// An edge's replica is a session that holds what the edge's viewers were
// shown: the scenes, controls and groups the home sent them, its ready
// state, and each viewer's own participant object. It is kept by reading
// the frames the home publishes for them, the same bytes the viewers get,
// so it cannot say anything the viewers were not told (edge.frame says
// why that is enough). checkInput and getScenes run on it.

func newReplica(m *Mediator, channelID int64) *session {
	s := &session{m: m, channelID: channelID, replica: true, throttle: newThrottles()}
	s.resetReplica()
	return s
}

// resetReplica forgets everything: a new home session will show it again.
func (s *session) resetReplica() {
	s.isReady, s.seq = false, 0
	s.scenes, s.sceneIdx = nil, map[string]*scene{}
	s.groups, s.groupIdx = nil, map[string]*group{}
	s.parts = map[string]*participant{}
	s.byUser = map[int64]*participant{}
}

// apply updates the replica from one frame for participants.
func (s *session) apply(frame []byte) {
	pks, _, err := wire.DecodeFrame(frame)
	if err != nil || len(pks) != 1 || pks[0].Type != wire.TypeMethod {
		return
	}
	pk := &pks[0]
	if pk.Seq > 0 {
		s.seq = uint32(pk.Seq)
	}
	var p struct {
		IsReady      bool              `json:"isReady"`
		SceneID      string            `json:"sceneID"`
		Scenes       []json.RawMessage `json:"scenes"`
		Controls     []json.RawMessage `json:"controls"`
		Groups       []json.RawMessage `json:"groups"`
		Participants []json.RawMessage `json:"participants"`
	}
	switch pk.Method {
	case "onReady", "onParticipantJoin", "onParticipantUpdate",
		"onSceneCreate", "onSceneUpdate", "onControlCreate", "onControlUpdate", "onControlDelete",
		"onGroupCreate", "onGroupUpdate":
	default:
		return // events, world updates: no state an edge judges input by
	}
	if json.Unmarshal(pk.Params, &p) != nil {
		return
	}
	switch pk.Method {
	case "onReady":
		s.isReady = p.IsReady
	case "onParticipantJoin", "onParticipantUpdate":
		for _, raw := range p.Participants {
			var x struct {
				SessionID string `json:"sessionID"`
				GroupID   string `json:"groupID"`
				Disabled  bool   `json:"disabled"`
			}
			if json.Unmarshal(raw, &x) != nil {
				continue
			}
			if me := s.parts[x.SessionID]; me != nil && (me.group != x.GroupID || me.isDisabled != x.Disabled) {
				me.setProps(routingProps(x.GroupID, x.Disabled))
			}
		}
	case "onSceneCreate", "onSceneUpdate":
		for _, raw := range p.Scenes {
			if old := s.sceneIdx[sceneIDOf(raw)]; old != nil && bytes.Equal(old.src, raw) {
				continue // the same view sent to the next viewer who joins
			}
			if sc, e := parseScene(raw, state.Tag{}, ""); e == nil {
				sc.src = append([]byte(nil), raw...)
				s.putScene(sc)
			}
		}
	case "onControlCreate", "onControlUpdate":
		if sc := s.sceneIdx[p.SceneID]; sc != nil {
			for _, raw := range p.Controls {
				if c, e := parseControl(raw, state.Tag{}, ""); e == nil {
					sc.putControl(c)
				}
			}
		}
	case "onControlDelete":
		if sc := s.sceneIdx[p.SceneID]; sc != nil {
			for _, raw := range p.Controls {
				var c struct {
					ControlID string `json:"controlID"`
				}
				if json.Unmarshal(raw, &c) == nil {
					sc.dropControl(c.ControlID)
				}
			}
		}
	case "onGroupCreate", "onGroupUpdate":
		for _, raw := range p.Groups {
			if g, e := parseGroup(raw, state.Tag{}, ""); e == nil {
				s.putGroup(g)
			}
		}
	}
}

// routingProps are the only participant properties an edge judges input
// by; the common case shares one object, as joins at home do.
func routingProps(groupID string, disabled bool) *state.Object {
	if groupID == defaultID && !disabled {
		return defaultParticipantProps
	}
	return mustObject(string(mustJSON(map[string]any{"disabled": disabled, "groupID": groupID})), state.Tag{})
}

// sceneIDOf reads a scene's id without parsing the rest.
func sceneIDOf(raw []byte) string {
	var x struct {
		SceneID string `json:"sceneID"`
	}
	json.Unmarshal(raw, &x)
	return x.SceneID
}

func (s *session) putScene(sc *scene) {
	s.scenes = put(s.scenes, s.sceneIdx[sc.id], sc)
	s.sceneIdx[sc.id] = sc
}

func (s *session) putGroup(g *group) {
	s.groups = put(s.groups, s.groupIdx[g.id], g)
	s.groupIdx[g.id] = g
}

func (sc *scene) putControl(c *control) {
	sc.src = nil // no longer what it was read from
	sc.controls = put(sc.controls, sc.ctrlIdx[c.id], c)
	sc.ctrlIdx[c.id] = c
}

// put replaces old with v in list, keeping its place, or appends v when
// there is no old (nil).
func put[T comparable](list []T, old, v T) []T {
	var none T
	if old == none {
		return append(list, v)
	}
	for i := range list {
		if list[i] == old {
			list[i] = v
		}
	}
	return list
}

func (sc *scene) dropControl(id string) {
	if sc.ctrlIdx[id] == nil {
		return
	}
	sc.src = nil
	delete(sc.ctrlIdx, id)
	kept := sc.controls[:0:0]
	for _, c := range sc.controls {
		if c.id != id {
			kept = append(kept, c)
		}
	}
	sc.controls = kept
}
