package mediator

import (
	"encoding/json"
	"errors"
	"math"
	"slices"

	"github.com/mixstudio/mixstudio/live/state"
)

// Resources (world, scenes, controls, groups, participants' settable and
// custom properties) are state.Objects: immutable, every property tagged
// with the (priority, seq) of the change that set it, patched by JSON
// Merge Patch under the conflict rule.

// changeTag is the tag of a client's update: its priority and the last
// seq it saw.
func changeTag(priority int64, seq int32) state.Tag {
	if priority > math.MaxInt32 {
		priority = math.MaxInt32
	}
	if priority < math.MinInt32 {
		priority = math.MinInt32
	}
	return state.Tag{Priority: int(priority), Seq: seq}
}

// authority tags the server's own changes (reassignments after a delete):
// they must stick.
var authority = state.Tag{Priority: math.MaxInt32, Seq: math.MaxInt32}

// parseObject reads raw as a JSON object for inspection.
func parseObject(raw json.RawMessage) (*state.Object, bool) {
	o, err := state.NewObject(raw, state.Tag{})
	return o, err == nil
}

// mustObject builds an object from JSON the mediator itself wrote.
func mustObject(raw string, t state.Tag) *state.Object {
	o, err := state.NewObject(json.RawMessage(raw), t)
	if err != nil {
		panic("mediator: " + err.Error())
	}
	return o
}

// appendMembers writes ,"key":value for each of o's properties but skip.
func appendMembers(b []byte, o *state.Object, skip func(string) bool) []byte {
	for k, v := range o.All() {
		if skip != nil && skip(k) {
			continue
		}
		b = append(b, ',')
		b = append(b, mustJSON(k)...)
		b = append(b, ':')
		b = append(b, v...)
	}
	return b
}

// objectSize estimates the memory an object holds: its JSON plus a fixed
// cost per property for tags and bookkeeping.
func objectSize(o *state.Object) int64 {
	if o == nil {
		return 0
	}
	return int64(len(o.AppendJSON(nil)) + 48*o.Len() + 64)
}

// isFixedError reports a patch that tried to change an id or a kind.
func isFixedError(err error) bool { return errors.Is(err, state.ErrFixed) }

// patches holds an update method's patches until every one has passed
// (updates are all or nothing). An item named twice is patched on top of
// its pending state.
type patches[T comparable] []patched[T]

type patched[T comparable] struct {
	item    T
	next    *state.Object
	changed bool
}

// base is item's pending state, or current if it has none yet.
func (ps patches[T]) base(item T, current *state.Object) *state.Object {
	for _, p := range ps {
		if p.item == item {
			current = p.next
		}
	}
	return current
}

// apply sets every pending state in order and returns the items named
// (each once) and those whose properties changed.
func (ps patches[T]) apply(set func(T, *state.Object)) (named, changed []T) {
	for _, p := range ps {
		set(p.item, p.next)
		if !slices.Contains(named, p.item) {
			named = append(named, p.item)
		}
		if p.changed && !slices.Contains(changed, p.item) {
			changed = append(changed, p.item)
		}
	}
	return named, changed
}
