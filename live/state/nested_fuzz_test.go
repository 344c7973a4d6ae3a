package state

import (
	"strconv"
	"strings"
	"testing"
)

// mnode is the nested model for FuzzNestedSequence: a mutable tree that
// applies the package documentation's rules the plain way (in place,
// nothing shared), to check the copy-on-write implementation's values,
// tags, key order and changed flags after each patch.
type mnode struct {
	obj     bool
	deleted bool
	value   int
	tag     Tag
	keys    []string
	kids    map[string]*mnode
}

// gen is a patch generated from fuzz bytes: per key, absent, a number,
// null, or a nested patch.
type gen struct {
	keys []string
	vals []any // int, nil (null) or *gen
}

func (g *gen) json() string {
	var parts []string
	for i, k := range g.keys {
		v := "null"
		switch x := g.vals[i].(type) {
		case int:
			v = strconv.Itoa(x)
		case *gen:
			v = x.json()
		}
		parts = append(parts, strconv.Quote(k)+":"+v)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func genPatch(data []byte, pos *int, depth, value int) *gen {
	g := &gen{}
	for _, k := range []string{"a", "b"} {
		if *pos >= len(data) {
			return g
		}
		c := data[*pos]
		*pos++
		switch c % 4 {
		case 1:
			g.keys, g.vals = append(g.keys, k), append(g.vals, value)
		case 2:
			g.keys, g.vals = append(g.keys, k), append(g.vals, nil)
		case 3:
			if depth < 2 {
				g.keys, g.vals = append(g.keys, k), append(g.vals, genPatch(data, pos, depth+1, value))
			} else {
				g.keys, g.vals = append(g.keys, k), append(g.vals, -value)
			}
		}
	}
	return g
}

func (n *mnode) beatenBy(t Tag) bool {
	if !t.Beats(n.tag) {
		return false
	}
	for _, k := range n.keys {
		if !n.kids[k].beatenBy(t) {
			return false
		}
	}
	return true
}

func (n *mnode) set(k string, kid *mnode) {
	if _, ok := n.kids[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.kids[k] = kid
}

func newMnode(t Tag) *mnode { return &mnode{obj: true, tag: t, kids: map[string]*mnode{}} }

func (n *mnode) merge(g *gen, t Tag) {
	for i, k := range g.keys {
		cur := n.kids[k]
		prev := n.tag
		if cur != nil {
			prev = cur.tag
		}
		curObj := cur != nil && cur.obj && !cur.deleted
		switch v := g.vals[i].(type) {
		case *gen:
			if curObj {
				cur.merge(v, t)
				continue
			}
			if !t.Beats(prev) {
				continue
			}
			kid := newMnode(t)
			kid.merge(v, t)
			n.set(k, kid)
		default:
			if curObj && !cur.beatenBy(t) || !curObj && !t.Beats(prev) {
				continue
			}
			if v == nil {
				n.set(k, &mnode{deleted: true, tag: t})
			} else {
				n.set(k, &mnode{value: v.(int), tag: t})
			}
		}
	}
}

func (n *mnode) json() string {
	if !n.obj {
		return strconv.Itoa(n.value)
	}
	var parts []string
	for _, k := range n.keys {
		if kid := n.kids[k]; !kid.deleted {
			parts = append(parts, strconv.Quote(k)+":"+kid.json())
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func checkTags(t *testing.T, o *Object, n *mnode, path []string) {
	for _, k := range n.keys {
		kid := n.kids[k]
		p := append(path[:len(path):len(path)], k)
		if got, ok := o.TagOf(p...); !ok || got != kid.tag {
			t.Fatalf("tag of %v = %+v, %v; want %+v", p, got, ok, kid.tag)
		}
		if kid.obj && !kid.deleted {
			checkTags(t, o, kid, p)
		}
	}
}

func FuzzNestedSequence(f *testing.F) {
	f.Add([]byte{3, 0, 3, 1, 1, 3, 1, 0, 1, 9, 1, 2, 3, 2, 1, 3, 1})
	f.Add([]byte{1, 0, 3, 3, 1, 2, 5, 1, 1, 4, 2, 3, 2, 0, 0, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		created := Tag{Priority: 1, Seq: 2}
		model := newMnode(created)
		o := mustObject(t, `{}`, created)
		pos := 0
		for step := 0; pos+2 < len(data) && step < 100; step++ {
			tag := Tag{Seq: int32(data[pos] % 6), Priority: int(data[pos+1] % 3)}
			pos += 2
			g := genPatch(data, &pos, 0, step+1)
			before := encode(o)
			model.merge(g, tag)
			next, changed := mustPatch(t, o, g.json(), tag)
			if encode(o) != before {
				t.Fatalf("step %d modified its input", step)
			}
			o = next
			got, want := encode(o), model.json()
			if got != want {
				t.Fatalf("step %d: %s with %+v\n got  %s\n want %s", step, g.json(), tag, got, want)
			}
			if changed != (got != before) {
				t.Fatalf("step %d: changed = %v, %s → %s", step, changed, before, got)
			}
			checkTags(t, o, model, nil)
		}
	})
}
