package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
)

// Errors about resource ids, for errors.Is.
var (
	ErrMissingID   = errors.New("id missing or not a string")
	ErrUnknownID   = errors.New("unknown id")
	ErrDuplicateID = errors.New("id already exists")
)

// BatchError names the element of a batch (0-based) that made it fail, so
// a caller can build a path such as "controls.2.disabled" (with the key
// from a *KeyError inside).
type BatchError struct {
	Index int
	Err   error
}

func (e *BatchError) Error() string { return fmt.Sprintf("state: item %d: %v", e.Index, e.Err) }
func (e *BatchError) Unwrap() error { return e.Err }

// Collection is an ordered set of Objects of one kind, identified by the
// string property idKey ("controlID", "groupID", "sessionID"...). Every
// batch method is all-or-nothing. A Collection is not safe for concurrent
// use; the Objects it hands out are.
type Collection struct {
	idKey string
	rules Rules
	order []string
	byID  map[string]*Object
}

// NewCollection makes an empty collection keyed by idKey, whose patches
// follow rules; idKey is always one of the Fixed keys.
func NewCollection(idKey string, rules Rules) *Collection {
	rules.Fixed = append([]string{idKey}, rules.Fixed...)
	return &Collection{idKey: idKey, rules: rules, byID: make(map[string]*Object)}
}

// Len returns the number of objects.
func (c *Collection) Len() int { return len(c.order) }

// Get returns the object with the given id.
func (c *Collection) Get(id string) (*Object, bool) {
	o, ok := c.byID[id]
	return o, ok
}

// All yields the objects in insertion order.
func (c *Collection) All() iter.Seq2[string, *Object] {
	return func(yield func(string, *Object) bool) {
		for _, id := range c.order {
			if !yield(id, c.byID[id]) {
				return
			}
		}
	}
}

// AppendJSON appends the objects as a JSON array, in order.
func (c *Collection) AppendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	for i, id := range c.order {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = c.byID[id].AppendJSON(dst)
	}
	return append(dst, ']')
}

// MarshalJSON implements json.Marshaler.
func (c *Collection) MarshalJSON() ([]byte, error) { return c.AppendJSON(nil), nil }

// Put stores o under the id it carries, replacing the object with that id
// in its place or adding it at the end: for objects the server changed
// with Set or Delete, which Put does not check against any rule.
func (c *Collection) Put(o *Object) error {
	id, ok := o.String(c.idKey)
	if !ok {
		return &KeyError{Key: c.idKey, Err: ErrMissingID}
	}
	if _, exists := c.byID[id]; !exists {
		c.order = append(c.order, id)
	}
	c.byID[id] = o
	return nil
}

// Create adds one object per raw JSON object, all tagged with tag, in
// order. Each needs a string idKey not yet used (nor repeated in the
// batch); otherwise nothing is added and the error is a *BatchError.
func (c *Collection) Create(raws []json.RawMessage, tag Tag) ([]*Object, error) {
	objs := make([]*Object, len(raws))
	seen := make(map[string]bool, len(raws))
	for i, raw := range raws {
		o, err := parseObject(raw, tag)
		if err != nil {
			return nil, &BatchError{Index: i, Err: err}
		}
		id, ok := o.String(c.idKey)
		if !ok {
			return nil, &BatchError{Index: i, Err: &KeyError{Key: c.idKey, Err: ErrMissingID}}
		}
		if _, dup := c.byID[id]; dup || seen[id] {
			return nil, &BatchError{Index: i, Err: &KeyError{Key: c.idKey, Err: fmt.Errorf("%w: %q", ErrDuplicateID, id)}}
		}
		seen[id] = true
		objs[i] = o
	}
	for _, o := range objs {
		id, _ := o.String(c.idKey)
		c.order = append(c.order, id)
		c.byID[id] = o
	}
	return objs, nil
}

// Delete removes the objects with the given ids: all of them, or none if
// one is unknown (a *BatchError wrapping ErrUnknownID).
func (c *Collection) Delete(ids ...string) error {
	gone := make(map[string]bool, len(ids))
	for i, id := range ids {
		if _, ok := c.byID[id]; !ok && !gone[id] {
			return &BatchError{Index: i, Err: fmt.Errorf("%w: %q", ErrUnknownID, id)}
		}
		gone[id] = true
	}
	kept := c.order[:0]
	for _, id := range c.order {
		if !gone[id] {
			kept = append(kept, id)
		}
	}
	clear(c.order[len(kept):])
	c.order = kept
	for id := range gone {
		delete(c.byID, id)
	}
	return nil
}

// Result is what one patch of a batch did.
type Result struct {
	ID      string
	Object  *Object // the object after this patch
	Changed bool    // whether its JSON output changed
}

// ApplyAll applies merge patches with tag, each naming its object by
// idKey. Either all are valid and applied, in order (a later patch of the
// same id sees the earlier one's result), or the collection is unchanged
// and the error is a *BatchError: invalid JSON or not an object, idKey
// missing or unknown (ErrMissingID, ErrUnknownID, inside a *KeyError), or a
// fixed key changed (a *KeyError wrapping ErrFixed). Properties that lose
// the conflict rule are not errors.
func (c *Collection) ApplyAll(patches []json.RawMessage, tag Tag) ([]Result, error) {
	results := make([]Result, len(patches))
	var pending map[string]*Object
	for i, raw := range patches {
		p, err := parseObject(raw, Tag{})
		if err != nil {
			return nil, &BatchError{Index: i, Err: err}
		}
		id, ok := p.String(c.idKey)
		if !ok {
			return nil, &BatchError{Index: i, Err: &KeyError{Key: c.idKey, Err: ErrMissingID}}
		}
		cur, ok := pending[id]
		if !ok {
			if cur, ok = c.byID[id]; !ok {
				return nil, &BatchError{Index: i, Err: &KeyError{Key: c.idKey, Err: fmt.Errorf("%w: %q", ErrUnknownID, id)}}
			}
		}
		if p, err = cur.applyRules(p, c.rules); err != nil {
			return nil, &BatchError{Index: i, Err: err}
		}
		next, changed := cur.merge(p, tag)
		if pending == nil {
			pending = make(map[string]*Object, len(patches))
		}
		pending[id] = next
		results[i] = Result{ID: id, Object: next, Changed: changed}
	}
	for id, o := range pending {
		c.byID[id] = o
	}
	return results, nil
}
