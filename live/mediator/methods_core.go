package mediator

import (
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
)

// decode reads params into v; a type mismatch is 4004 with its path.
func decode(r *request, v any) *Error {
	if err := json.Unmarshal(r.params, v); err != nil {
		path := ""
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			path = te.Field
		}
		return perr(wire.CodeBadArguments, path, "Error parsing method arguments: %v", err)
	}
	return nil
}

// ready switches between staging and interactive mode; participants and
// the game client hear onReady.
func (s *session) ready(r *request) ([]byte, *Error) {
	var p struct {
		IsReady *bool `json:"isReady"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	// A ready without isReady means ready (lenient with SDKs that leave
	// params out); a non-boolean isReady is 4004.
	s.isReady = p.IsReady == nil || *p.IsReady
	s.everywhere(s.allParticipants(), "onReady", readyParams(s.isReady))
	return nil, nil
}

func (s *session) getTime(*request) ([]byte, *Error) {
	return mustJSON(map[string]int64{"time": s.m.now().UnixMilli()}), nil
}

// setCompression answers in the current scheme's absence (plain text) and
// switches both directions from the next message. A request without a
// usable scheme list (the node SDK sends one) gets none, not an error.
// With a budget (participants), a scheme whose streams do not fit is
// skipped for the viewer's next preference.
func (s *session) setCompression(c *conn, r *request, budget *streamBudget) {
	old := c.streamCost
	charged := false
	scheme := wire.NegotiateParams(r.params, func(sc wire.Scheme) bool {
		if budget == nil {
			return true
		}
		charged = budget.tryAdd(sc.StreamCost() - old)
		return charged
	})
	if budget != nil {
		if !charged {
			budget.tryAdd(-old) // none: the old streams are freed
		}
		c.streamCost = scheme.StreamCost()
	}
	s.mu.Lock()
	c.SwitchScheme(wire.None)
	s.reply(c, r.id, mustJSON(map[string]string{"scheme": string(scheme)}), nil)
	c.SwitchScheme(scheme)
	s.mu.Unlock()
	// Only this goroutine reads, so the next frame is decoded with it.
	c.SetDecoder(scheme)
}

// streamBudget bounds the memory that participants' compression streams
// hold together: gzip costs ~1 MiB a viewer (wire.Scheme.StreamCost), and
// a crowd asking for it could otherwise take all of the server's memory.
type streamBudget struct {
	limit int64
	used  atomic.Int64
}

// tryAdd adds delta to what is used, unless that would pass the limit.
func (b *streamBudget) tryAdd(delta int64) bool {
	for {
		u := b.used.Load()
		if delta > 0 && u+delta > b.limit {
			return false
		}
		if b.used.CompareAndSwap(u, u+delta) {
			return true
		}
	}
}

type memoryResource struct {
	ID              string           `json:"id"`
	OwnBytes        int64            `json:"ownBytes"`
	CumulativeBytes int64            `json:"cumulativeBytes"`
	Resources       []memoryResource `json:"resources"`
}

type memoryStats struct {
	UsedBytes  int64            `json:"usedBytes"`
	TotalBytes int64            `json:"totalBytes"`
	Resources  []memoryResource `json:"resources"`
}

// memoryStats breaks the session's estimated memory down by resource.
func (s *session) memoryStats() memoryStats {
	world := memoryResource{ID: "world", OwnBytes: s.worldSize, Resources: []memoryResource{}}
	world.CumulativeBytes = world.OwnBytes
	scenes := memoryResource{ID: "scenes", Resources: []memoryResource{}}
	for _, sc := range s.scenes {
		r := memoryResource{ID: sc.id, OwnBytes: sc.size, Resources: []memoryResource{}}
		r.CumulativeBytes = r.OwnBytes
		for _, c := range sc.controls {
			n := c.size
			r.Resources = append(r.Resources, memoryResource{ID: c.id, OwnBytes: n, CumulativeBytes: n, Resources: []memoryResource{}})
			r.CumulativeBytes += n
		}
		scenes.Resources = append(scenes.Resources, r)
		scenes.CumulativeBytes += r.CumulativeBytes
	}
	groups := memoryResource{ID: "groups", Resources: []memoryResource{}}
	for _, g := range s.groups {
		n := g.size
		groups.Resources = append(groups.Resources, memoryResource{ID: g.id, OwnBytes: n, CumulativeBytes: n, Resources: []memoryResource{}})
		groups.CumulativeBytes += n
	}
	parts := memoryResource{ID: "participants", Resources: []memoryResource{}}
	for _, p := range s.parts {
		parts.CumulativeBytes += p.size
	}
	used := world.CumulativeBytes + scenes.CumulativeBytes + groups.CumulativeBytes + parts.CumulativeBytes
	return memoryStats{UsedBytes: used, TotalBytes: s.memoryLimit, Resources: []memoryResource{world, scenes, groups, parts}}
}

func (s *session) getMemoryStats(*request) ([]byte, *Error) {
	return mustJSON(s.memoryStats()), nil
}

// checkMemory warns the game client at 80% of its limit and closes it
// with 4017 past the limit. It reports whether the socket was closed.
func (s *session) checkMemory() bool {
	used := s.memoryUsed()
	switch {
	case used > s.memoryLimit:
		s.game.CloseWith(wire.CodeMemoryLimit, fmt.Sprintf("memory limit exceeded: %d of %d bytes", used, s.memoryLimit))
		return true
	case used*5 >= s.memoryLimit*4:
		if !s.memWarned {
			s.memWarned = true
			s.toGame("issueMemoryWarning", mustJSON(s.memoryStats()))
		}
	default:
		s.memWarned = false
	}
	return false
}

// updateWorld merges into the world's custom properties; the reply and
// onWorldUpdate carry the scenes too.
func (s *session) updateWorld(r *request) ([]byte, *Error) {
	var p struct {
		Priority int64           `json:"priority"`
		World    json.RawMessage `json:"world"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	if len(p.World) == 0 || string(p.World) == "null" {
		return nil, perr(wire.CodeBadArguments, "world", "world must be an object.")
	}
	next, _, err := s.world.PatchWith(p.World, changeTag(p.Priority, r.seq), state.Rules{Ignored: func(k string) bool { return k == "scenes" }})
	if err != nil {
		return nil, perr(wire.CodeBadArguments, "world", "world must be an object.")
	}
	s.setWorld(next)
	params := s.worldJSON(s.scenes)
	s.toGame("onWorldUpdate", params)
	// A participant sees only its group's scene, here as everywhere: the
	// other scenes may be a surprise, or paid for. One encoding per scene.
	byScene := map[string][]*participant{}
	var order []string
	for _, p := range s.parts {
		id := s.sceneOf(p)
		if byScene[id] == nil {
			order = append(order, id)
		}
		byScene[id] = append(byScene[id], p)
	}
	for _, id := range order {
		var scs []*scene
		if sc := s.sceneIdx[id]; sc != nil {
			scs = []*scene{sc}
		}
		s.toParticipants(byScene[id], "onWorldUpdate", s.worldJSON(scs))
	}
	return params, nil
}

// worldJSON is {"scenes": [...], ...world properties}.
func (s *session) worldJSON(scs []*scene) []byte {
	if scs == nil {
		scs = []*scene{}
	}
	b := append([]byte(`{"scenes":`), mustJSON(scs)...)
	b = appendMembers(b, s.world, func(k string) bool { return k == "scenes" })
	return append(b, '}')
}

// participantSize estimates a participant's memory; only those with custom
// properties (more than disabled and groupID) are measured, so that the
// estimate stays cheap with 10,000 viewers.
func participantSize(p *participant) int64 {
	const base = 256
	if p.props.Len() <= 2 {
		return base
	}
	return base + objectSize(p.props)
}
