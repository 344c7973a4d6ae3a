package mediator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
)

const participantPage = 100

// page returns up to participantPage of sorted ps (already filtered),
// extended past the limit while the sort key ties with the last one, so
// that advancing the cursor to the last key skips no one.
func page(ps []*participant, key func(*participant) int64) ([]*participant, bool) {
	slices.SortFunc(ps, func(a, b *participant) int {
		if ka, kb := key(a), key(b); ka != kb {
			if ka < kb {
				return -1
			}
			return 1
		}
		if a.sessionID < b.sessionID {
			return -1
		}
		return 1
	})
	n := min(len(ps), participantPage)
	for n > 0 && n < len(ps) && key(ps[n]) == key(ps[n-1]) {
		n++
	}
	return ps[:n], n < len(ps)
}

func pageJSON(ps []*participant, total int, hasMore bool) []byte {
	b := participantsParams(ps...)
	b = b[:len(b)-1] // reopen the object
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"hasMore":`...)
	b = strconv.AppendBool(b, hasMore)
	return append(b, '}')
}

// getAllParticipants pages by connectedAt; from is exclusive.
func (s *session) getAllParticipants(r *request) ([]byte, *Error) {
	var p struct {
		From int64 `json:"from"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	var ps []*participant
	for _, x := range s.parts {
		if x.connectedAt > p.From {
			ps = append(ps, x)
		}
	}
	got, more := page(ps, func(x *participant) int64 { return x.connectedAt })
	return pageJSON(got, len(s.parts), more), nil
}

// getActiveParticipants lists those who gave input after threshold, by
// lastInputAt.
func (s *session) getActiveParticipants(r *request) ([]byte, *Error) {
	var p struct {
		Threshold int64 `json:"threshold"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	var ps []*participant
	for _, x := range s.parts {
		if x.lastInputAt > p.Threshold {
			ps = append(ps, x)
		}
	}
	total := len(ps)
	got, more := page(ps, func(x *participant) int64 { return x.lastInputAt })
	return pageJSON(got, total, more), nil
}

// usersJSON writes {"users": {key: participant|null, ...}} in request order.
func usersJSON(keys []string, find func(string) *participant) []byte {
	b := []byte(`{"users":{`)
	seen := map[string]bool{}
	first := true
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, mustJSON(k)...)
		b = append(b, ':')
		if p := find(k); p != nil {
			b = p.appendJSON(b)
		} else {
			b = append(b, "null"...)
		}
	}
	return append(b, "}}"...)
}

func (s *session) getParticipantsByMixerID(r *request) ([]byte, *Error) {
	var p struct {
		UserIDs []int64 `json:"userIDs"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	keys := make([]string, len(p.UserIDs))
	for i, id := range p.UserIDs {
		keys[i] = strconv.FormatInt(id, 10)
	}
	return usersJSON(keys, func(k string) *participant {
		id, _ := strconv.ParseInt(k, 10, 64)
		return s.byUser[id]
	}), nil
}

func (s *session) getParticipantsBySessionID(r *request) ([]byte, *Error) {
	var p struct {
		SessionIDs []string `json:"sessionIDs"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	return usersJSON(p.SessionIDs, func(k string) *participant { return s.parts[k] }), nil
}

// updateParticipants patches participants all-or-nothing. Participants
// who already left are ignored, as the spec says (they may leave between
// the game client's read and its update).
func (s *session) updateParticipants(r *request) ([]byte, *Error) {
	var p struct {
		Priority     int64             `json:"priority"`
		Participants []json.RawMessage `json:"participants"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	t := changeTag(p.Priority, r.seq)
	rules := state.Rules{Ignored: isFixedParticipantKey}
	var pending patches[*participant]
	for i, raw := range p.Participants {
		path := fmt.Sprintf("participants.%d", i)
		patch, ok := parseObject(raw)
		if !ok {
			return nil, perr(wire.CodeBadArguments, path, "A participant must be an object.")
		}
		id, ok := patch.String("sessionID")
		if !ok {
			return nil, perr(wire.CodeBadArguments, path+".sessionID", "sessionID must be a string.")
		}
		if patch.Has("groupID") {
			gid, ok := patch.String("groupID")
			if !ok {
				return nil, perr(wire.CodeBadArguments, path+".groupID", "groupID must be a string.")
			}
			if s.groupIdx[gid] == nil {
				return nil, perr(wire.CodeUnknownGroup, path+".groupID", "Unknown group ID specified.")
			}
		}
		if patch.Has("disabled") {
			if _, ok := patch.Bool("disabled"); !ok {
				return nil, perr(wire.CodeBadArguments, path+".disabled", "disabled must be a boolean.")
			}
		}
		x := s.parts[id]
		if x == nil {
			continue
		}
		next, changed, err := pending.base(x, x.props).PatchWith(raw, t, rules)
		if err != nil {
			return nil, perr(wire.CodeBadArguments, path, "Error parsing method arguments: %v", err)
		}
		pending = append(pending, patched[*participant]{x, next, changed})
	}
	var moved []*participant
	updated, _ := pending.apply(func(x *participant, next *state.Object) {
		oldScene, oldGroup := s.sceneOf(x), x.groupID()
		x.setProps(next)
		if (x.groupID() != oldGroup || s.sceneOf(x) != oldScene) && !slices.Contains(moved, x) {
			moved = append(moved, x)
		}
	})
	if len(updated) > 0 {
		s.showViews(moved)
		s.toGame("onParticipantUpdate", participantsParams(updated...))
		for _, x := range updated {
			s.toParticipants([]*participant{x}, "onParticipantUpdate", participantsParams(x))
		}
	}
	return participantsParams(updated...), nil
}
