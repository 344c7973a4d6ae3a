package mediator

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
)

// groupsParams is {"groups": [...]}, an empty list rather than null.
func groupsParams(gs []*group) []byte {
	if gs == nil {
		gs = []*group{}
	}
	return mustJSON(map[string]any{"groups": gs})
}

// createGroups creates every group or none; a group without sceneID shows
// the default scene.
func (s *session) createGroups(r *request) ([]byte, *Error) {
	var p struct {
		Groups []json.RawMessage `json:"groups"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	t := changeTag(0, r.seq)
	var created []*group
	seen := map[string]bool{}
	for i, raw := range p.Groups {
		path := fmt.Sprintf("groups.%d", i)
		g, e := parseGroup(raw, t, path)
		if e != nil {
			return nil, e
		}
		if s.groupIdx[g.id] != nil || seen[g.id] {
			return nil, perr(wire.CodeGroupExists, path+".groupID", "The specified group already exists.")
		}
		if s.sceneIdx[g.sceneID()] == nil {
			return nil, perr(wire.CodeUnknownScene, path+".sceneID", "Unknown scene ID specified.")
		}
		seen[g.id] = true
		created = append(created, g)
	}
	for _, g := range created {
		s.addGroup(g)
	}
	params := groupsParams(created)
	if len(created) > 0 {
		s.toGame("onGroupCreate", params)
	}
	return params, nil
}

func (s *session) getGroups(*request) ([]byte, *Error) {
	return groupsParams(s.groups), nil
}

// updateGroups patches groups, all or nothing; members whose scene
// changes receive it before the onGroupUpdate.
func (s *session) updateGroups(r *request) ([]byte, *Error) {
	var p struct {
		Priority int64             `json:"priority"`
		Groups   []json.RawMessage `json:"groups"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	t := changeTag(p.Priority, r.seq)
	rules := state.Rules{Fixed: []string{"groupID"}}
	var pending patches[*group]
	for i, raw := range p.Groups {
		path := fmt.Sprintf("groups.%d", i)
		patch, ok := parseObject(raw)
		if !ok {
			return nil, perr(wire.CodeBadArguments, path, "A group must be an object.")
		}
		id, ok := patch.String("groupID")
		if !ok {
			return nil, perr(wire.CodeBadArguments, path+".groupID", "groupID must be a string.")
		}
		g := s.groupIdx[id]
		if g == nil {
			return nil, perr(wire.CodeUnknownGroup, path+".groupID", "Unknown group ID specified.")
		}
		if patch.Has("sceneID") {
			sid, ok := patch.String("sceneID")
			if !ok {
				return nil, perr(wire.CodeBadArguments, path+".sceneID", "sceneID must be a string.")
			}
			if s.sceneIdx[sid] == nil {
				return nil, perr(wire.CodeUnknownScene, path+".sceneID", "Unknown scene ID specified.")
			}
		}
		next, changed, err := pending.base(g, g.props).PatchWith(raw, t, rules)
		if err != nil {
			return nil, perr(wire.CodeBadArguments, path, "Error parsing method arguments: %v", err)
		}
		pending = append(pending, patched[*group]{g, next, changed})
	}
	// Every patch is announced, in order, with the members moved first
	// when their scene changes.
	updated, _ := pending.apply(func(g *group, next *state.Object) {
		before := g.sceneID()
		g.setProps(next)
		members := s.inGroup(g.id)
		if g.sceneID() != before {
			s.showViews(members)
		}
		s.everywhere(members, "onGroupUpdate", groupsParams([]*group{g}))
	})
	return groupsParams(updated), nil
}

// deleteGroup moves the group's participants to reassignGroupID (default
// "default"). The default group cannot go (4018).
func (s *session) deleteGroup(r *request) ([]byte, *Error) {
	var p struct {
		GroupID         string `json:"groupID"`
		ReassignGroupID string `json:"reassignGroupID"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	if p.GroupID == defaultID {
		return nil, perr(wire.CodeDeleteDefault, "groupID", "You cannot delete a default resource.")
	}
	if p.ReassignGroupID == "" {
		p.ReassignGroupID = defaultID
	}
	if s.groupIdx[p.ReassignGroupID] == nil || p.ReassignGroupID == p.GroupID {
		return nil, perr(wire.CodeUnknownGroup, "reassignGroupID", "Unknown group ID specified.")
	}
	g := s.groupIdx[p.GroupID]
	if g == nil {
		// The spec lets a server pass; Mixer's answered 4008 and SDKs' tests
		// assert it.
		return nil, perr(wire.CodeUnknownGroup, "groupID", "Unknown group ID specified.")
	}
	members := s.inGroup(g.id)
	delete(s.groupIdx, g.id)
	for i, x := range s.groups {
		if x == g {
			s.groups = append(s.groups[:i:i], s.groups[i+1:]...)
			break
		}
	}
	s.toGame("onGroupDelete", orderedStrings("groupID", p.GroupID, "reassignGroupID", p.ReassignGroupID))
	for _, x := range members { // a reassignment must stick
		next, _ := x.props.Set("groupID", mustJSON(p.ReassignGroupID), authority)
		x.setProps(next)
	}
	if len(members) > 0 {
		s.showViews(members)
		s.toGame("onParticipantUpdate", participantsParams(members...))
		for _, x := range members {
			s.toParticipants([]*participant{x}, "onParticipantUpdate", participantsParams(x))
		}
	}
	return nil, nil
}

// broadcastEvent sends data, as method "event", to the participants in
// any of the scopes. Every scope is checked before anything is sent.
func (s *session) broadcastEvent(r *request) ([]byte, *Error) {
	var p struct {
		Scope []string        `json:"scope"`
		Data  json.RawMessage `json:"data"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	type scope struct{ kind, id string }
	var scopes []scope
	for i, sc := range p.Scope {
		if sc == "everyone" {
			scopes = append(scopes, scope{kind: "everyone"})
			continue
		}
		kind, id, ok := strings.Cut(sc, ":")
		if !ok || id == "" || (kind != "group" && kind != "scene" && kind != "participant") {
			return nil, perr(wire.CodeBadBroadcastScope, fmt.Sprintf("scope.%d", i), "Invalid broadcast scope %q.", sc)
		}
		scopes = append(scopes, scope{kind, id})
	}
	var to []*participant
	for _, x := range s.parts {
		for _, sc := range scopes {
			if sc.kind == "everyone" ||
				sc.kind == "group" && x.groupID() == sc.id ||
				sc.kind == "scene" && s.sceneOf(x) == sc.id ||
				sc.kind == "participant" && x.sessionID == sc.id {
				to = append(to, x)
				break
			}
		}
	}
	data := []byte(p.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	s.toParticipants(to, "event", data)
	return nil, nil
}
