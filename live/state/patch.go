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
	return o.PatchExcept(patch, tag)
}

// PatchExcept is Patch with fixed keys: if the patch names one of them with
// anything but its current value, nothing is applied and the error is a
// *KeyError wrapping ErrFixed.
func (o *Object) PatchExcept(patch json.RawMessage, tag Tag, fixed ...string) (next *Object, changed bool, err error) {
	p, err := parseObject(patch, Tag{})
	if err != nil {
		return o, false, fmt.Errorf("state: patch: %w", err)
	}
	if err := o.checkFixed(p, fixed); err != nil {
		return o, false, fmt.Errorf("state: patch: %w", err)
	}
	next, changed = o.merge(p, tag)
	return next, changed, nil
}

func (o *Object) checkFixed(p *Object, fixed []string) error {
	for _, key := range fixed {
		pm := p.lookup(key)
		if pm == nil {
			continue
		}
		cur := o.lookup(key)
		if cur == nil || !sameValue(cur, pm) {
			return &KeyError{Key: key, Err: ErrFixed}
		}
	}
	return nil
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
		// Copied out of the patch's arena so the patch can be collected.
		return member{key: pm.key, raw: bytes.Clone(pm.raw), tag: t}, true, true
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
