package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"strconv"
)

// Object is an immutable JSON object whose every property carries the Tag
// of the change that set it. The zero value is not usable; build one with
// NewObject. Safe for concurrent reads.
type Object struct {
	members []member
	index   map[string]int // key → position, once the object is large
	tag     Tag            // the change that created this object
	live    int            // members not deleted
}

// member is one property: a primitive or array (raw, canonical JSON), an
// object (obj), or a tombstone (neither) remembering a deletion's tag.
type member struct {
	key string
	raw []byte
	obj *Object
	tag Tag
}

func (m *member) deleted() bool { return m.raw == nil && m.obj == nil }

func (m *member) isNull() bool { return m.obj == nil && string(m.raw) == "null" }

// indexMin is the size from which lookups use a map instead of a scan.
const indexMin = 16

// NewObject builds an Object from raw, which must be a JSON object; every
// property, nested ones included, is tagged with tag. Null values are kept
// as null (this is the object as its creator gave it, not a patch).
func NewObject(raw json.RawMessage, tag Tag) (*Object, error) {
	o, err := parseObject(raw, tag)
	if err != nil {
		return nil, fmt.Errorf("state: new object: %w", err)
	}
	return o, nil
}

func (o *Object) find(key string) int {
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range o.members {
		if o.members[i].key == key {
			return i
		}
	}
	return -1
}

// put sets a member in place if its key exists (a duplicate key: last
// value, first position) or appends it.
func (o *Object) put(m member) {
	if i := o.find(m.key); i >= 0 {
		if !o.members[i].deleted() {
			o.live--
		}
		o.members[i] = m
	} else {
		o.members = append(o.members, m)
		if o.index != nil {
			o.index[m.key] = len(o.members) - 1
		} else if len(o.members) > indexMin {
			o.index = make(map[string]int, 2*len(o.members))
			for i := range o.members {
				o.index[o.members[i].key] = i
			}
		}
	}
	if !m.deleted() {
		o.live++
	}
}

// clone copies o's member list (not the members' values) with room for
// extra more members.
func (o *Object) clone(extra int) *Object {
	c := &Object{tag: o.tag, live: o.live}
	c.members = make([]member, len(o.members), len(o.members)+extra)
	copy(c.members, o.members)
	if o.index != nil {
		c.index = make(map[string]int, len(o.index)+extra)
		for k, v := range o.index {
			c.index[k] = v
		}
	}
	return c
}

// Len returns the number of properties (deleted ones not counted).
func (o *Object) Len() int { return o.live }

// All yields the properties in order as key and JSON value.
func (o *Object) All() iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		for i := range o.members {
			m := &o.members[i]
			if m.deleted() {
				continue
			}
			if !yield(m.key, m.value()) {
				return
			}
		}
	}
}

// Keys returns the property names in order.
func (o *Object) Keys() []string {
	keys := make([]string, 0, o.live)
	for i := range o.members {
		if !o.members[i].deleted() {
			keys = append(keys, o.members[i].key)
		}
	}
	return keys
}

func (m *member) value() json.RawMessage {
	if m.obj != nil {
		return m.obj.AppendJSON(nil)
	}
	return bytes.Clone(m.raw)
}

func (o *Object) lookup(key string) *member {
	i := o.find(key)
	if i < 0 || o.members[i].deleted() {
		return nil
	}
	return &o.members[i]
}

// Get returns the JSON value of key (a copy the caller may keep).
func (o *Object) Get(key string) (json.RawMessage, bool) {
	m := o.lookup(key)
	if m == nil {
		return nil, false
	}
	return m.value(), true
}

// Has reports whether key is set.
func (o *Object) Has(key string) bool { return o.lookup(key) != nil }

// Object returns the nested object under key.
func (o *Object) Object(key string) (*Object, bool) {
	m := o.lookup(key)
	if m == nil || m.obj == nil {
		return nil, false
	}
	return m.obj, true
}

// String returns key's value if it is a JSON string.
func (o *Object) String(key string) (string, bool) {
	m := o.lookup(key)
	if m == nil || len(m.raw) == 0 || m.raw[0] != '"' {
		return "", false
	}
	body := m.raw[1 : len(m.raw)-1]
	if !hasByte(body, '\\') {
		return string(body), true // canonical: valid UTF-8, nothing escaped
	}
	var s string
	if err := json.Unmarshal(m.raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// Bool returns key's value if it is true or false.
func (o *Object) Bool(key string) (value, ok bool) {
	m := o.lookup(key)
	if m == nil {
		return false, false
	}
	switch string(m.raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func (m *member) number() []byte {
	if m == nil || len(m.raw) == 0 || !(m.raw[0] == '-' || '0' <= m.raw[0] && m.raw[0] <= '9') {
		return nil
	}
	return m.raw
}

// Float64 returns key's value if it is a number that fits a float64.
func (o *Object) Float64(key string) (float64, bool) {
	n := o.lookup(key).number()
	if n == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil
}

// Int64 returns key's value if it is a number with an integral value that
// fits an int64 ("2", "2.0" and "2e0" all give 2).
func (o *Object) Int64(key string) (int64, bool) {
	n := o.lookup(key).number()
	if n == nil {
		return 0, false
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// TagOf returns the tag of the property at path (keys from the top), for
// set and for deleted properties; ok is false if it was never set.
func (o *Object) TagOf(path ...string) (Tag, bool) {
	cur := o
	for i, key := range path {
		j := cur.find(key)
		if j < 0 {
			return Tag{}, false
		}
		m := &cur.members[j]
		if i == len(path)-1 {
			return m.tag, true
		}
		if m.obj == nil {
			return Tag{}, false
		}
		cur = m.obj
	}
	return cur.tag, true
}

// Set returns a copy of o with key set to value (any JSON value; null is
// stored as null) and tagged with tag, whatever tags it had: for changes
// the server makes with authority. Use Patch for changes that must obey
// the conflict rule.
func (o *Object) Set(key string, value json.RawMessage, tag Tag) (*Object, error) {
	if err := validate(value); err != nil {
		return o, fmt.Errorf("state: set %q: %w", key, err)
	}
	p := parser{data: value, tag: tag}
	p.ws()
	m := member{key: key, tag: tag}
	if p.data[p.pos] == '{' {
		m.obj = p.object()
	} else {
		m.raw = p.appendValue(nil)
	}
	next := o.clone(1)
	next.put(m)
	return next, nil
}

// Delete returns a copy of o without key, remembering tag as the
// deletion's, whatever tags the key had (see Set).
func (o *Object) Delete(key string, tag Tag) *Object {
	next := o.clone(1)
	next.put(member{key: key, tag: tag})
	return next
}
