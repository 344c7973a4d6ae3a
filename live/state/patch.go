package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrFixed is returned for a patch that would change or delete a fixed key
// (an id or a kind); repeating a fixed key with its current value is fine.
var ErrFixed = errors.New("property cannot be changed")

// KeyError names the top-level property of a patch that made it fail.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return fmt.Sprintf("%q: %v", e.Key, e.Err) }
func (e *KeyError) Unwrap() error { return e.Err }

// Patch applies the JSON Merge Patch patch, made by the change tag, and
// returns the new object; o itself is never modified. Properties whose
// current tag beats tag are left alone. changed reports whether the JSON
// output differs; next may still differ from o in tags only (a winning
// write of an equal value), and is o itself when no property was written.
// A patch that is not a valid JSON object is an error and changes nothing.
func (o *Object) Patch(patch json.RawMessage, tag Tag) (next *Object, changed bool, err error) {
	return o.PatchWith(patch, tag, Rules{})
}

// Rules restrict what a patch may set at the top level of an object.
type Rules struct {
	// Fixed keys (ids, kind) may appear in a patch only with their current
	// value; anything else fails the whole patch with a *KeyError wrapping
	// ErrFixed.
	Fixed []string
	// Ignored reports keys a patch may carry but never sets (a scene's
	// "controls", the world's "scenes"); they are dropped silently.
	Ignored func(key string) bool
}

// PatchWith is Patch under rules.
func (o *Object) PatchWith(patch json.RawMessage, tag Tag, rules Rules) (next *Object, changed bool, err error) {
	p, err := parseObject(patch, Tag{})
	if err == nil {
		p, err = o.applyRules(p, rules)
	}
	if err != nil {
		return o, false, fmt.Errorf("state: patch: %w", err)
	}
	next, changed = o.merge(p, tag)
	return next, changed, nil
}

// applyRules checks the parsed patch p against rules for o and returns it
// without its ignored keys.
func (o *Object) applyRules(p *Object, rules Rules) (*Object, error) {
	for _, key := range rules.Fixed {
		pm := p.lookup(key)
		if pm == nil {
			continue
		}
		cur := o.lookup(key)
		if cur == nil || !sameValue(cur, pm) {
			return nil, &KeyError{Key: key, Err: ErrFixed}
		}
	}
	if rules.Ignored != nil {
		kept := &Object{tag: p.tag, members: make([]member, 0, len(p.members))}
		for _, m := range p.members {
			if !rules.Ignored(m.key) {
				kept.put(m)
			}
		}
		p = kept
	}
	return p, nil
}

func sameValue(a, b *member) bool {
	if a.obj != nil || b.obj != nil {
		return a.obj != nil && b.obj != nil && bytes.Equal(a.obj.AppendJSON(nil), b.obj.AppendJSON(nil))
	}
	return bytes.Equal(a.raw, b.raw)
}

// merge applies the parsed patch p with tag t. It returns o itself when no
// property was written. Patch keys are unique (the parser merged
// duplicates), so positions found in o stay valid in the copy.
func (o *Object) merge(p *Object, t Tag) (next *Object, changed bool) {
	for i := range p.members {
		pm := &p.members[i]
		j := o.find(pm.key)
		var cur *member
		if j >= 0 {
			cur = &o.members[j]
		}
		m, applied, ch := mergeMember(cur, o.tag, pm, t)
		if !applied {
			continue
		}
		if next == nil {
			next = o.clone(len(p.members) - i)
		}
		if j >= 0 {
			if !next.members[j].deleted() {
				next.live--
			}
			if !m.deleted() {
				next.live++
			}
			next.members[j] = m
		} else {
			next.put(m)
		}
		changed = changed || ch
	}
	if next == nil {
		return o, false
	}
	return next, changed
}

// mergeMember decides one patch member pm against the current member cur
// (nil if the key was never set, which then counts as last changed by
// parent, the change that created the enclosing object).
func mergeMember(cur *member, parent Tag, pm *member, t Tag) (m member, applied, changed bool) {
	prev := parent
	if cur != nil {
		prev = cur.tag
	}
	switch {
	case pm.isNull():
		if cur != nil && cur.obj != nil {
			if !cur.beatenBy(t) {
				return member{}, false, false
			}
		} else if !t.Beats(prev) {
			return member{}, false, false
		}
		return member{key: pm.key, tag: t}, true, cur != nil && !cur.deleted()

	case pm.obj != nil:
		if cur != nil && cur.obj != nil {
			child, ch := cur.obj.merge(pm.obj, t)
			if child == cur.obj {
				return member{}, false, false
			}
			return member{key: cur.key, obj: child, tag: cur.tag}, true, ch
		}
		if !t.Beats(prev) {
			return member{}, false, false
		}
		child, _ := (&Object{tag: t}).merge(pm.obj, t)
		return member{key: pm.key, obj: child, tag: t}, true, true

	default:
		if cur != nil && cur.obj != nil {
			if !cur.beatenBy(t) {
				return member{}, false, false
			}
		} else if !t.Beats(prev) {
			return member{}, false, false
		}
		if cur != nil && cur.obj == nil && bytes.Equal(cur.raw, pm.raw) {
			return member{key: cur.key, raw: cur.raw, tag: t}, true, false
		}
		return member{key: pm.key, raw: ownRaw(pm.raw), tag: t}, true, true
	}
}

// beatenBy reports whether t wins against m's tag and every tag under it:
// replacing or deleting an object conflicts with each change inside it.
func (m *member) beatenBy(t Tag) bool {
	if !t.Beats(m.tag) {
		return false
	}
	if m.obj != nil {
		for i := range m.obj.members {
			if !m.obj.members[i].beatenBy(t) {
				return false
			}
		}
	}
	return true
}

// Shared, never written: the literals flags flip between.
var (
	litTrue  = []byte("true")
	litFalse = []byte("false")
	litNull  = []byte("null")
)

// ownRaw copies a value out of the patch's arena, so that the patch can be
// collected, except for literals, which are shared.
func ownRaw(raw []byte) []byte {
	switch string(raw) {
	case "true":
		return litTrue
	case "false":
		return litFalse
	case "null":
		return litNull
	}
	return bytes.Clone(raw)
}
