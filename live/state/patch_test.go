package state

import (
	"encoding/json"
	"errors"
	"testing"
)

type step struct {
	patch   string
	tag     Tag
	changed bool
}

type tagWant struct {
	path []string
	tag  Tag
}

func TestPatchConflicts(t *testing.T) {
	t0 := Tag{}
	tests := []struct {
		name  string
		start string
		tag   Tag
		steps []step
		want  string
		tags  []tagWant
	}{
		{
			name: "rule 1: newer seq overrides higher priority", start: `{"a":1}`, tag: Tag{Priority: 9, Seq: 1},
			steps: []step{{`{"a":2}`, Tag{Seq: 2}, true}},
			want:  `{"a":2}`, tags: []tagWant{{[]string{"a"}, Tag{Seq: 2}}},
		},
		{
			name: "rule 2: stale but higher priority wins", start: `{"a":1}`, tag: Tag{Priority: 1, Seq: 5},
			steps: []step{{`{"a":2}`, Tag{Priority: 2, Seq: 3}, true}},
			want:  `{"a":2}`, tags: []tagWant{{[]string{"a"}, Tag{Priority: 2, Seq: 3}}},
		},
		{
			name: "rule 2: stale with equal priority is ignored", start: `{"a":1}`, tag: Tag{Priority: 1, Seq: 5},
			steps: []step{{`{"a":2}`, Tag{Priority: 1, Seq: 3}, false}},
			want:  `{"a":1}`, tags: []tagWant{{[]string{"a"}, Tag{Priority: 1, Seq: 5}}},
		},
		{
			name: "rule 2: stale with lower priority is ignored", start: `{"a":1}`, tag: Tag{Priority: 1, Seq: 5},
			steps: []step{{`{"a":2}`, Tag{Seq: 3}, false}},
			want:  `{"a":1}`,
		},
		{
			name: "rule 3: same seq, greater priority kept", start: `{"a":1}`, tag: Tag{Priority: 2, Seq: 5},
			steps: []step{{`{"a":2}`, Tag{Priority: 1, Seq: 5}, false}, {`{"a":3}`, Tag{Priority: 3, Seq: 5}, true}},
			want:  `{"a":3}`, tags: []tagWant{{[]string{"a"}, Tag{Priority: 3, Seq: 5}}},
		},
		{
			name: "rule 4: same seq and priority, B wins", start: `{"a":1}`, tag: Tag{Priority: 1, Seq: 5},
			steps: []step{{`{"a":2}`, Tag{Priority: 1, Seq: 5}, true}},
			want:  `{"a":2}`,
		},
		{
			name: "losing properties do not stop winning ones", start: `{"a":1,"b":1}`, tag: t0,
			steps: []step{{`{"a":2}`, Tag{Priority: 5, Seq: 4}, true}, {`{"a":3,"b":3}`, Tag{Seq: 2}, true}},
			want:  `{"a":2,"b":3}`, tags: []tagWant{{[]string{"a"}, Tag{Priority: 5, Seq: 4}}, {[]string{"b"}, Tag{Seq: 2}}},
		},
		{
			name: "winning write of an equal value retags without a visible change", start: `{"a":1}`, tag: t0,
			steps: []step{{`{"a":1}`, Tag{Seq: 4}, false}, {`{"a":2}`, Tag{Seq: 3}, false}},
			want:  `{"a":1}`, tags: []tagWant{{[]string{"a"}, Tag{Seq: 4}}},
		},
		{
			name: "nested change tags only the nested property", start: `{"a":{"b":1,"c":2},"d":3}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":{"b":5}}`, Tag{Priority: 2, Seq: 3}, true}},
			want:  `{"a":{"b":5,"c":2},"d":3}`,
			tags: []tagWant{
				{[]string{"a", "b"}, Tag{Priority: 2, Seq: 3}},
				{[]string{"a", "c"}, Tag{Seq: 1}},
				{[]string{"a"}, Tag{Seq: 1}},
				{[]string{"d"}, Tag{Seq: 1}},
			},
		},
		{
			name: "stale nested change loses only where it conflicts", start: `{"a":{"b":1,"c":2}}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":{"b":5}}`, Tag{Seq: 6}, true}, {`{"a":{"b":7,"c":8}}`, Tag{Seq: 4}, true}},
			want:  `{"a":{"b":5,"c":8}}`,
		},
		{
			name: "primitive replaced by an object tags the key and its children", start: `{"a":1}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":{"x":{"y":2}}}`, Tag{Seq: 3}, true}},
			want:  `{"a":{"x":{"y":2}}}`,
			tags:  []tagWant{{[]string{"a"}, Tag{Seq: 3}}, {[]string{"a", "x"}, Tag{Seq: 3}}, {[]string{"a", "x", "y"}, Tag{Seq: 3}}},
		},
		{
			name: "object replaced by a primitive tags the key", start: `{"a":{"x":1}}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":"flat"}`, Tag{Seq: 3}, true}},
			want:  `{"a":"flat"}`, tags: []tagWant{{[]string{"a"}, Tag{Seq: 3}}},
		},
		{
			name: "stale nested change under a key later replaced by a primitive loses", start: `{"a":{"b":1}}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":5}`, Tag{Seq: 3}, true}, {`{"a":{"b":2}}`, Tag{Seq: 2}, false}},
			want:  `{"a":5}`, tags: []tagWant{{[]string{"a"}, Tag{Seq: 3}}},
		},
		{
			name: "stale nested change with higher priority replaces the primitive", start: `{"a":{"b":1}}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":5}`, Tag{Seq: 3}, true}, {`{"a":{"b":2}}`, Tag{Priority: 1, Seq: 2}, true}},
			want:  `{"a":{"b":2}}`, tags: []tagWant{{[]string{"a"}, Tag{Priority: 1, Seq: 2}}},
		},
		{
			name: "stale object cannot replace an object whose inside changed later", start: `{"a":{"b":1}}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":{"b":2}}`, Tag{Seq: 5}, true}, {`{"a":7}`, Tag{Seq: 3}, false}},
			want:  `{"a":{"b":2}}`,
		},
		{
			name: "replacing an object needs to beat every tag inside", start: `{"a":{"b":1,"c":1}}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":{"c":2}}`, Tag{Priority: 2, Seq: 5}, true}, {`{"a":7}`, Tag{Priority: 1, Seq: 3}, false}, {`{"a":7}`, Tag{Priority: 3, Seq: 3}, true}},
			want:  `{"a":7}`, tags: []tagWant{{[]string{"a"}, Tag{Priority: 3, Seq: 3}}},
		},
		{
			name: "stale write into an object created later loses", start: `{"a":{"b":1}}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":5}`, Tag{Seq: 4}, true}, {`{"a":{"c":1}}`, Tag{Seq: 6}, true}, {`{"a":{"d":1}}`, Tag{Seq: 5}, false}},
			want:  `{"a":{"c":1}}`,
		},
		{
			name: "new top-level key older than the object loses", start: `{"a":1}`, tag: Tag{Seq: 10},
			steps: []step{{`{"x":1}`, Tag{Seq: 9}, false}, {`{"y":2}`, Tag{Seq: 10}, true}},
			want:  `{"a":1,"y":2}`,
		},
		{
			name: "deletion wins and a stale re-set cannot resurrect the key", start: `{"a":1,"b":2}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":null}`, Tag{Seq: 5}, true}, {`{"a":9}`, Tag{Seq: 3}, false}},
			want:  `{"b":2}`, tags: []tagWant{{[]string{"a"}, Tag{Seq: 5}}},
		},
		{
			name: "a higher-priority stale set beats the deletion and keeps the key's place", start: `{"a":1,"b":2}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":null}`, Tag{Seq: 5}, true}, {`{"a":9}`, Tag{Priority: 1, Seq: 3}, true}},
			want:  `{"a":9,"b":2}`,
		},
		{
			name: "stale deletion loses", start: `{"a":1}`, tag: Tag{Seq: 5},
			steps: []step{{`{"a":null}`, Tag{Seq: 4}, false}},
			want:  `{"a":1}`,
		},
		{
			name: "deletion of a never-set key is remembered", start: `{}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":null}`, Tag{Seq: 5}, false}, {`{"a":1}`, Tag{Seq: 4}, false}, {`{"a":2}`, Tag{Seq: 5}, true}},
			want:  `{"a":2}`,
		},
		{
			name: "repeated deletion moves the tombstone's tag forward", start: `{"a":1}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":null}`, Tag{Seq: 2}, true}, {`{"a":null}`, Tag{Seq: 8}, false}, {`{"a":3}`, Tag{Seq: 5}, false}},
			want:  `{}`, tags: []tagWant{{[]string{"a"}, Tag{Seq: 8}}},
		},
		{
			name: "deleting an object loses to a newer change inside it", start: `{"a":{"b":1}}`, tag: Tag{Seq: 1},
			steps: []step{{`{"a":{"b":2}}`, Tag{Priority: 1, Seq: 5}, true}, {`{"a":null}`, Tag{Priority: 1, Seq: 3}, false}, {`{"a":null}`, Tag{Priority: 2, Seq: 3}, true}},
			want:  `{}`,
		},
		{
			name: "object built from a patch drops nested nulls (RFC 7396)", start: `{"a":1}`, tag: t0,
			steps: []step{{`{"a":{"b":null,"c":{"d":null}}}`, Tag{Seq: 1}, true}},
			want:  `{"a":{"c":{}}}`,
		},
		{
			name: "empty nested patch changes nothing", start: `{"a":{"b":1}}`, tag: t0,
			steps: []step{{`{"a":{}}`, Tag{Seq: 1}, false}},
			want:  `{"a":{"b":1}}`, tags: []tagWant{{[]string{"a"}, t0}},
		},
		{
			name: "duplicate patch keys: last value applies", start: `{"a":{"x":1}}`, tag: t0,
			steps: []step{{`{"a":{"y":1},"a":{"z":2}}`, Tag{Seq: 1}, true}},
			want:  `{"a":{"x":1,"z":2}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := mustObject(t, tt.start, tt.tag)
			for i, s := range tt.steps {
				before := encode(o)
				next, changed := mustPatch(t, o, s.patch, s.tag)
				if changed != s.changed {
					t.Errorf("step %d %s: changed = %v, want %v", i, s.patch, changed, s.changed)
				}
				if encode(o) != before {
					t.Fatalf("step %d modified its input: %s → %s", i, before, encode(o))
				}
				if changed != (encode(next) != before) {
					t.Errorf("step %d: changed = %v but output went %s → %s", i, changed, before, encode(next))
				}
				o = next
			}
			if got := encode(o); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			for _, w := range tt.tags {
				if got, ok := o.TagOf(w.path...); !ok || got != w.tag {
					t.Errorf("TagOf(%v) = %+v, %v; want %+v", w.path, got, ok, w.tag)
				}
			}
		})
	}
}

// RFC 7396 appendix A, where the target is an object; every change wins.
func TestPatchRFC7396Examples(t *testing.T) {
	tests := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, tt := range tests {
		o := mustObject(t, tt.target, Tag{})
		next, _ := mustPatch(t, o, tt.patch, Tag{Seq: 1})
		if got := encode(next); got != tt.want {
			t.Errorf("%s + %s = %s, want %s", tt.target, tt.patch, got, tt.want)
		}
	}
}

func TestPatchRejectsInvalidPatchesWholly(t *testing.T) {
	o := mustObject(t, `{"controlID":"b","kind":"button","disabled":false}`, Tag{})
	before := encode(o)
	tests := []struct {
		patch string
		err   error
	}{
		{``, ErrInvalidJSON},
		{`{"disabled":true`, ErrInvalidJSON},
		{`{"disabled":true}}`, ErrInvalidJSON},
		{`{"disabled":true} {}`, ErrInvalidJSON},
		{`{"disabled":tru}`, ErrInvalidJSON},
		{`{'disabled':true}`, ErrInvalidJSON},
		{`{"disabled":01}`, ErrInvalidJSON},
		{"{\"disabled\":\"\x01\"}", ErrInvalidJSON},
		{`null`, ErrNotObject},
		{`[{"disabled":true}]`, ErrNotObject},
		{`"disabled"`, ErrNotObject},
		{` 12 `, ErrNotObject},
	}
	for _, tt := range tests {
		next, changed, err := o.Patch(json.RawMessage(tt.patch), Tag{Seq: 1})
		if !errors.Is(err, tt.err) {
			t.Errorf("Patch(%q) error = %v, want %v", tt.patch, err, tt.err)
		}
		if next != o || changed || encode(o) != before {
			t.Errorf("Patch(%q) changed the object: %s", tt.patch, encode(next))
		}
	}
}

func TestPatchRejectsDeepNestingLikeEncodingJSON(t *testing.T) {
	o := mustObject(t, `{}`, Tag{})
	deep := `{"a":` + repeat("[", 20000) + repeat("]", 20000) + `}`
	if _, _, err := o.Patch(json.RawMessage(deep), Tag{}); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("20000 levels: err = %v, want ErrInvalidJSON", err)
	}
	ok := `{"a":` + repeat(`{"a":`, 500) + `1` + repeat("}", 500) + `}`
	next, _ := mustPatch(t, o, ok, Tag{})
	if encode(next) != ok {
		t.Errorf("500 levels did not round-trip")
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func TestPatchWithFixedKeys(t *testing.T) {
	o := mustObject(t, `{"controlID":"b","kind":"button","meta":{"x":1},"text":"go"}`, Tag{})
	fixed := []string{"controlID", "kind", "meta"}
	ok := []string{
		`{"controlID":"b","text":"stop"}`,
		`{"kind":"button","meta":{"x":1}}`,
		`{"text":"stop"}`,
	}
	for _, p := range ok {
		if _, _, err := o.PatchWith(json.RawMessage(p), Tag{Seq: 1}, Rules{Fixed: fixed}); err != nil {
			t.Errorf("PatchWith(%s): %v", p, err)
		}
	}
	bad := []struct{ patch, key string }{
		{`{"text":"stop","controlID":"c"}`, "controlID"},
		{`{"kind":null}`, "kind"},
		{`{"kind":"joystick"}`, "kind"},
		{`{"meta":{"x":2}}`, "meta"},
	}
	for _, tt := range bad {
		next, _, err := o.PatchWith(json.RawMessage(tt.patch), Tag{Seq: 1}, Rules{Fixed: fixed})
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != tt.key || !errors.Is(err, ErrFixed) {
			t.Errorf("PatchWith(%s) error = %v, want KeyError{%s, ErrFixed}", tt.patch, err, tt.key)
		}
		if next != o {
			t.Errorf("PatchWith(%s) applied part of the patch", tt.patch)
		}
	}
	// A fixed key the object lacks cannot be introduced.
	o2 := mustObject(t, `{"text":"go"}`, Tag{})
	if _, _, err := o2.PatchWith(json.RawMessage(`{"kind":"button"}`), Tag{Seq: 1}, Rules{Fixed: []string{"kind"}}); !errors.Is(err, ErrFixed) {
		t.Errorf("setting an absent fixed key: err = %v", err)
	}
}

func TestPatchWithIgnoredKeys(t *testing.T) {
	scene := mustObject(t, `{"sceneID":"default","controls":[],"title":"a"}`, Tag{})
	rules := Rules{Fixed: []string{"sceneID"}, Ignored: func(k string) bool { return k == "controls" || k == "etag" }}
	next, changed, err := scene.PatchWith(json.RawMessage(`{"sceneID":"default","controls":[{"controlID":"x"}],"etag":"1","title":"b"}`), Tag{Seq: 1}, rules)
	if err != nil || !changed {
		t.Fatalf("changed %v, err %v", changed, err)
	}
	if got, want := encode(next), `{"sceneID":"default","controls":[],"title":"b"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// Ignored keys do not escape the fixed-key check.
	rules.Ignored = func(string) bool { return true }
	if _, _, err := scene.PatchWith(json.RawMessage(`{"sceneID":"other"}`), Tag{Seq: 1}, rules); !errors.Is(err, ErrFixed) {
		t.Errorf("fixed key changed under an ignore-all rule: err = %v", err)
	}
}

func TestPatchKeepsOrderAndSharesUntouchedSubtrees(t *testing.T) {
	o := mustObject(t, `{"controlID":"b","kind":"button","position":[{"size":"large","x":1}],"meta":{"a":{"deep":true}},"text":"x"}`, Tag{})
	next, _ := mustPatch(t, o, `{"zeta":1,"alpha":2,"text":"y","meta":{"b":1}}`, Tag{Seq: 1})
	want := `{"controlID":"b","kind":"button","position":[{"size":"large","x":1}],"meta":{"a":{"deep":true},"b":1},"text":"y","zeta":1,"alpha":2}`
	if got := encode(next); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if keys := next.Keys(); keys[0] != "controlID" || keys[1] != "kind" {
		t.Errorf("Keys() = %v", keys)
	}
	oldMeta, _ := o.Object("meta")
	newMeta, _ := next.Object("meta")
	oldA, _ := oldMeta.Object("a")
	newA, _ := newMeta.Object("a")
	if oldA != newA {
		t.Error("untouched subtree meta.a was copied, want it shared")
	}
	if oldMeta == newMeta {
		t.Error("patched subtree meta was shared with the old object")
	}
}
