package client

import (
	"encoding/json"
	"slices"
	"sync"
)

// pushed is the client's model of what it changed on the server: scenes,
// controls, groups, world, throttles and the ready flag. After a reconnect
// the new session starts from the server's defaults, so the client replays
// this model (see restore.go). It is updated only after a call succeeds.
type pushed struct {
	mu            sync.Mutex
	scenes        []*sceneModel // in the order first touched
	deletedScenes []deletion
	groups        []*resModel
	deletedGroups []deletion
	world         json.RawMessage // merged updateWorld patches (nil: never)
	throttle      json.RawMessage // merged setBandwidthThrottle rules
	ready         *bool
}

// resModel is one resource we created (full object) or only patched (an
// existing one, such as the default group: only the patch is known).
type resModel struct {
	id      string
	created bool
	obj     json.RawMessage // full object or merged patches, id included
}

type sceneModel struct {
	id              string
	created         bool
	props           json.RawMessage // without sceneID and controls
	controls        []*resModel
	deletedControls []string
}

type deletion struct{ id, reassign string }

func findRes(list []*resModel, id string) int {
	return slices.IndexFunc(list, func(r *resModel) bool { return r.id == id })
}

func (p *pushed) scene(id string) *sceneModel {
	i := slices.IndexFunc(p.scenes, func(s *sceneModel) bool { return s.id == id })
	if i >= 0 {
		return p.scenes[i]
	}
	s := &sceneModel{id: id}
	p.scenes = append(p.scenes, s)
	p.deletedScenes = slices.DeleteFunc(p.deletedScenes, func(d deletion) bool { return d.id == id })
	return s
}

func (p *pushed) createScenes(scenes []Scene) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sc := range scenes {
		s := p.scene(sc.SceneID)
		s.created = true
		s.props = propsJSON(sc.Props)
		s.controls = nil
		s.deletedControls = nil
		for _, c := range sc.Controls {
			s.putControl(c, true)
		}
	}
}

func (p *pushed) updateScenes(scenes []Scene) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sc := range scenes {
		s := p.scene(sc.SceneID)
		s.props = applyTo(s.created, s.props, propsJSON(sc.Props))
		for _, c := range sc.Controls {
			s.putControl(c, false)
		}
	}
}

func (p *pushed) deleteScene(id, reassign string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scenes = slices.DeleteFunc(p.scenes, func(s *sceneModel) bool { return s.id == id })
	p.deletedScenes = append(p.deletedScenes, deletion{id, reassign})
}

func (p *pushed) createControls(sceneID string, controls []Control) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.scene(sceneID)
	for _, c := range controls {
		s.putControl(c, true)
	}
}

func (p *pushed) updateControls(sceneID string, controls []Control) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.scene(sceneID)
	for _, c := range controls {
		s.putControl(c, false)
	}
}

func (p *pushed) deleteControls(sceneID string, ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.scene(sceneID)
	for _, id := range ids {
		s.controls = slices.DeleteFunc(s.controls, func(r *resModel) bool { return r.id == id })
		if !slices.Contains(s.deletedControls, id) {
			s.deletedControls = append(s.deletedControls, id)
		}
	}
}

// putControl records a created control (replacing what we knew) or merges
// a patch into it.
func (s *sceneModel) putControl(c Control, create bool) {
	obj, err := json.Marshal(c)
	if err != nil {
		return // the call that carried it would have failed to encode
	}
	s.deletedControls = slices.DeleteFunc(s.deletedControls, func(id string) bool { return id == c.ControlID })
	i := findRes(s.controls, c.ControlID)
	switch {
	case i < 0:
		s.controls = append(s.controls, &resModel{id: c.ControlID, created: create, obj: obj})
	case create:
		s.controls[i] = &resModel{id: c.ControlID, created: true, obj: obj}
	default:
		r := s.controls[i]
		r.obj = applyTo(r.created, r.obj, obj)
	}
}

func (p *pushed) putGroups(groups []Group, create bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range groups {
		obj, err := json.Marshal(g)
		if err != nil {
			continue
		}
		p.deletedGroups = slices.DeleteFunc(p.deletedGroups, func(d deletion) bool { return d.id == g.GroupID })
		i := findRes(p.groups, g.GroupID)
		switch {
		case i < 0:
			p.groups = append(p.groups, &resModel{id: g.GroupID, created: create, obj: obj})
		case create:
			p.groups[i] = &resModel{id: g.GroupID, created: true, obj: obj}
		default:
			r := p.groups[i]
			r.obj = applyTo(r.created, r.obj, obj)
		}
	}
}

func (p *pushed) deleteGroup(id, reassign string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.groups = slices.DeleteFunc(p.groups, func(r *resModel) bool { return r.id == id })
	p.deletedGroups = append(p.deletedGroups, deletion{id, reassign})
}

func (p *pushed) updateWorld(world json.RawMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.world = composePatch(p.world, world) // we never know the world whole
}

func (p *pushed) setThrottle(rules json.RawMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Merge without dropping nulls: a null rule disables a throttle and
	// must be replayed as such.
	m, _ := asObject(p.throttle)
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	add, _ := asObject(rules)
	for k, v := range add {
		m[k] = v
	}
	p.throttle, _ = json.Marshal(m)
}

func (p *pushed) setReady(ready bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ready = &ready
}

// snapshot is a deep copy of the model, taken before restoring so the
// replay does not hold the lock across network calls.
type snapshot struct {
	scenes        []sceneModel
	deletedScenes []deletion
	groups        []resModel
	deletedGroups []deletion
	world         json.RawMessage
	throttle      json.RawMessage
	ready         *bool
}

func (p *pushed) snapshot() snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s snapshot
	for _, sc := range p.scenes {
		c := *sc
		c.controls = nil
		for _, ctl := range sc.controls {
			c.controls = append(c.controls, &resModel{id: ctl.id, created: ctl.created, obj: ctl.obj})
		}
		c.deletedControls = slices.Clone(sc.deletedControls)
		s.scenes = append(s.scenes, c)
	}
	s.deletedScenes = slices.Clone(p.deletedScenes)
	for _, g := range p.groups {
		s.groups = append(s.groups, *g)
	}
	s.deletedGroups = slices.Clone(p.deletedGroups)
	s.world = p.world
	s.throttle = p.throttle
	if p.ready != nil {
		r := *p.ready
		s.ready = &r
	}
	return s
}

// applyTo records a patch: merged into what we created (we know it whole),
// composed with earlier patches otherwise (nulls must survive to delete
// properties the server had before we touched it).
func applyTo(created bool, have, patch json.RawMessage) json.RawMessage {
	if created {
		return mergePatch(have, patch)
	}
	return composePatch(have, patch)
}

func propsJSON(p Props) json.RawMessage {
	b, err := marshalFields(p)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}
