package mediator

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
)

// newSession builds a session from the version's saved layout. The
// "default" scene and group always exist.
func (m *Mediator) newSession(owner User, layout Layout, baseURL string) (*session, error) {
	s := &session{
		m:           m,
		channelID:   owner.ChannelID,
		storageID:   uuid.NewString(),
		baseURL:     baseURL,
		sceneIdx:    map[string]*scene{},
		groupIdx:    map[string]*group{},
		parts:       map[string]*participant{},
		byUser:      map[int64]*participant{},
		throttle:    newThrottles(),
		files:       newFileStore(m.opts.UploadQuota),
		memoryLimit: m.opts.MemoryLimit,
	}
	s.setWorld(mustObject("{}", state.Tag{}))
	for i, lsc := range layout.Scenes {
		raw, err := json.Marshal(lsc)
		if err != nil {
			return nil, fmt.Errorf("scene %d: %w", i, err)
		}
		sc, e := parseScene(raw, state.Tag{}, fmt.Sprintf("scenes.%d", i))
		if e != nil {
			return nil, e
		}
		if s.sceneIdx[sc.id] != nil {
			return nil, fmt.Errorf("scene %q appears twice", sc.id)
		}
		s.addScene(sc)
	}
	if s.sceneIdx[defaultID] == nil {
		sc, _ := parseScene(json.RawMessage(`{"sceneID":"default","controls":[]}`), state.Tag{}, "")
		s.addScene(sc)
	}
	for i, lg := range layout.Groups {
		raw, err := json.Marshal(lg)
		if err != nil {
			return nil, fmt.Errorf("group %d: %w", i, err)
		}
		g, e := parseGroup(raw, state.Tag{}, fmt.Sprintf("groups.%d", i))
		if e != nil {
			return nil, e
		}
		if s.groupIdx[g.id] != nil {
			return nil, fmt.Errorf("group %q appears twice", g.id)
		}
		if s.sceneIdx[g.sceneID()] == nil {
			return nil, fmt.Errorf("group %q shows unknown scene %q", g.id, g.sceneID())
		}
		s.addGroup(g)
	}
	if s.groupIdx[defaultID] == nil {
		g, _ := parseGroup(json.RawMessage(`{"groupID":"default","sceneID":"default"}`), state.Tag{}, "")
		s.addGroup(g)
	}
	return s, nil
}

func (s *session) addScene(sc *scene) {
	s.scenes = append(s.scenes, sc)
	s.sceneIdx[sc.id] = sc
}

func (s *session) addGroup(g *group) {
	s.groups = append(s.groups, g)
	s.groupIdx[g.id] = g
}

// join adds p to the session: the game client learns of it before any
// input, and p receives its scene, group, itself and the ready state. A
// signed-in user has one participant per channel: an older one is closed.
func (s *session) join(p *participant) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joinLocked(p)
}

func (s *session) joinLocked(p *participant) bool {
	if s.ended {
		return false
	}
	now := s.m.now().UnixMilli()
	// connectedAt is unique within the session, so that getAllParticipants
	// pages by it (from is exclusive) without skipping anyone.
	if now <= s.lastJoinAt {
		now = s.lastJoinAt + 1
	}
	s.lastJoinAt = now
	p.connectedAt = now
	p.setProps(defaultParticipantProps)
	if !p.anonymous {
		if old := s.byUser[p.userID]; old != nil {
			s.removeLocked(old)
			// 4025, not 1000: the SDKs reconnect after 1000-1999, and two tabs
			// of one viewer would then replace each other forever.
			old.peer().CloseWith(wire.CodeAccessRevoked, "replaced by a newer connection of the same user")
		}
		s.byUser[p.userID] = p
	}
	s.parts[p.sessionID] = p
	s.toParticipants([]*participant{p}, "hello", nil)
	s.toGame("onParticipantJoin", participantsParams(p))
	s.showView([]*participant{p})
	s.toParticipants([]*participant{p}, "onParticipantJoin", participantsParams(p))
	s.toParticipants([]*participant{p}, "onReady", readyParams(s.isReady))
	return true
}

// defaultParticipantProps is every new participant's properties. Objects
// are immutable, so all joins share this one (~0.45 KiB each otherwise).
var defaultParticipantProps = mustObject(`{"disabled":false,"groupID":"default"}`, state.Tag{})

func readyParams(ready bool) []byte {
	if ready {
		return []byte(`{"isReady":true}`)
	}
	return []byte(`{"isReady":false}`)
}

// showView sends participants (who share a group) their group and scene.
func (s *session) showView(ps []*participant) {
	if len(ps) == 0 {
		return
	}
	v := s.viewOf(ps[0].groupID())
	if v == nil {
		return
	}
	s.toParticipants(ps, "onSceneCreate", v.scene)
	s.toParticipants(ps, "onGroupCreate", v.group)
}

// view is what a group's participants are shown, encoded once: the
// onSceneCreate and onGroupCreate params. Any game-client method drops the
// cache (see handleGame), so a burst of joins encodes each view once.
type view struct {
	scene, group []byte
}

func (s *session) viewOf(groupID string) *view {
	if v := s.views[groupID]; v != nil {
		return v
	}
	g := s.groupIdx[groupID]
	if g == nil {
		return nil
	}
	sc := s.sceneIdx[g.sceneID()]
	if sc == nil {
		return nil
	}
	v := &view{
		scene: append(sc.appendJSON([]byte(`{"scenes":[`)), "]}"...),
		group: append(g.props.AppendJSON([]byte(`{"groups":[`)), "]}"...),
	}
	if s.views == nil {
		s.views = map[string]*view{}
	}
	s.views[groupID] = v
	return v
}

// showViews sends each participant of ps its view, grouped by group so
// that each view is encoded once.
func (s *session) showViews(ps []*participant) {
	byGroup := map[string][]*participant{}
	var order []string
	for _, p := range ps {
		g := p.groupID()
		if byGroup[g] == nil {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], p)
	}
	for _, g := range order {
		s.showView(byGroup[g])
	}
}

// leave removes p after its socket closed.
func (s *session) leave(p *participant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parts[p.sessionID] != p {
		return // replaced, or the session ended
	}
	s.removeLocked(p)
}

func (s *session) removeLocked(p *participant) {
	delete(s.parts, p.sessionID)
	if p.remote != nil {
		s.home.forget(p)
	}
	if !p.anonymous && s.byUser[p.userID] == p {
		delete(s.byUser, p.userID)
	}
	if !s.ended {
		s.toGame("onParticipantLeave", participantsParams(p))
	}
}

// end closes the session when its game client is gone: participants are
// told the session ended (4016) and the files are dropped.
// While the server shuts down they hear 1012 instead: the game client
// left because of the restart and will be back, so they should reconnect.
func (s *session) end() {
	code, reason := wire.CodeSessionEnded, "The interactive session has ended."
	if s.m.isStopping() { // before s.mu: claim takes m.mu, then s.mu
		code, reason = wire.CodeRestart, "server restarting"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.ended = true
	for _, p := range s.parts {
		if p.conn != nil {
			p.conn.CloseWith(code, reason)
		}
	}
	if s.home != nil { // one message closes (or keeps) every edge's participants
		code, reason = s.home.endCode(code, reason)
		s.home.publish(&outMsg{kind: outEnded, code: code, reason: reason})
	}
	s.parts = map[string]*participant{}
	s.byUser = map[int64]*participant{}
	s.files.clear()
	s.game = nil
}
