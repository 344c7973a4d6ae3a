package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

func mustObject(t testing.TB, s string, tag Tag) *Object {
	t.Helper()
	o, err := NewObject(json.RawMessage(s), tag)
	if err != nil {
		t.Fatalf("NewObject(%s): %v", s, err)
	}
	return o
}

func mustPatch(t testing.TB, o *Object, patch string, tag Tag) (*Object, bool) {
	t.Helper()
	next, changed, err := o.Patch(json.RawMessage(patch), tag)
	if err != nil {
		t.Fatalf("Patch(%s): %v", patch, err)
	}
	return next, changed
}

func encode(o *Object) string { return string(o.AppendJSON(nil)) }

// The reference below is built only from encoding/json: its tokenizer
// decodes (keeping order), json.Marshal encodes. It is what "the bytes
// encoding/json would write for the same object" means in these tests.

// refNode is a JSON value: an *refObject, or a leaf already encoded by
// json.Marshal (json.RawMessage).
type refNode any

type refObject struct {
	keys []string
	vals map[string]refNode
}

func (r *refObject) set(k string, v refNode) {
	if _, ok := r.vals[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.vals[k] = v
}

func (r *refObject) del(k string) {
	if _, ok := r.vals[k]; !ok {
		return
	}
	delete(r.vals, k)
	for i, key := range r.keys {
		if key == k {
			r.keys = append(r.keys[:i:i], r.keys[i+1:]...)
			return
		}
	}
}

func refDecode(data []byte) (refNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := refValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

func refValue(dec *json.Decoder) (refNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' {
			o := &refObject{vals: map[string]refNode{}}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := refValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(k.(string), v)
			}
			_, err := dec.Token()
			return o, err
		}
		var elems [][]byte
		for dec.More() {
			v, err := refValue(dec)
			if err != nil {
				return nil, err
			}
			elems = append(elems, refEncode(v))
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return json.RawMessage("[" + string(bytes.Join(elems, []byte(","))) + "]"), nil
	default:
		b, err := json.Marshal(tok)
		return json.RawMessage(b), err
	}
}

func refEncode(v refNode) []byte {
	o, ok := v.(*refObject)
	if !ok {
		return v.(json.RawMessage)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(refEncode(o.vals[k]))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// refMerge is RFC 7396's MergePatch, on the reference tree; new keys go
// last, in the patch's order.
func refMerge(target, patch refNode) refNode {
	p, ok := patch.(*refObject)
	if !ok {
		return patch
	}
	t, ok := target.(*refObject)
	if !ok {
		t = &refObject{vals: map[string]refNode{}}
	}
	for _, k := range p.keys {
		v := p.vals[k]
		if raw, isLeaf := v.(json.RawMessage); isLeaf && string(raw) == "null" {
			t.del(k)
			continue
		}
		t.set(k, refMerge(t.vals[k], v))
	}
	return t
}
