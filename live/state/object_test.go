package state

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Objects past indexMin keys look keys up through a map; the map must
// follow every way members are added, replaced and deleted.
func TestLargeObjectsKeepTheirIndex(t *testing.T) {
	var parts []string
	for i := range 40 {
		parts = append(parts, fmt.Sprintf(`"k%d":%d`, i, i))
	}
	parts = append(parts, `"k3":"dup"`) // a duplicate past the index threshold
	o := mustObject(t, "{"+strings.Join(parts, ",")+"}", Tag{})
	if s, ok := o.String("k3"); !ok || s != "dup" || o.Len() != 40 {
		t.Fatalf("k3 = %q, %v; Len %d", s, ok, o.Len())
	}
	o, _ = mustPatch(t, o, `{"k39":null,"k40":40,"k0":{"x":1},"k41":41}`, Tag{Seq: 1})
	o, err := o.Set("k42", json.RawMessage(`42`), Tag{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	o = o.Delete("k1", Tag{Seq: 1})
	for key, want := range map[string]int64{"k2": 2, "k38": 38, "k40": 40, "k41": 41, "k42": 42} {
		if got, ok := o.Int64(key); !ok || got != want {
			t.Errorf("%s = %d, %v", key, got, ok)
		}
	}
	for _, key := range []string{"k1", "k39", "k43"} {
		if o.Has(key) {
			t.Errorf("%s present", key)
		}
	}
	if x, ok := o.Object("k0"); !ok || x.Len() != 1 {
		t.Errorf("k0 not an object")
	}
	if o.Len() != 41 {
		t.Errorf("Len = %d, want 41", o.Len())
	}
	// A stale re-set cannot pass the deletions, found through the index.
	if next, changed := mustPatch(t, o, `{"k1":1,"k39":39}`, Tag{Seq: 0}); changed || next != o {
		t.Errorf("stale re-set applied: %s", encode(next))
	}
	keys := o.Keys()
	if keys[0] != "k0" || keys[len(keys)-1] != "k42" {
		t.Errorf("order: first %s, last %s", keys[0], keys[len(keys)-1])
	}
}

func TestGetters(t *testing.T) {
	o := mustObject(t, `{"controlID":"b\u003c1","kind":"button","disabled":true,"cost":25,"cooldown":1.7e12,
		"big":9223372036854775807,"over":9223372036854775808,"frac":2.5,"float2":2.0,"neg":-3e0,"huge":1e400,
		"s":"<é>","n":null,"arr":[1],"obj":{"x":"y"}}`, Tag{})
	if s, ok := o.String("controlID"); !ok || s != "b<1" {
		t.Errorf("String(controlID) = %q, %v", s, ok)
	}
	if s, ok := o.String("s"); !ok || s != "<é>" {
		t.Errorf("String(s) = %q, %v", s, ok)
	}
	for _, key := range []string{"disabled", "cost", "n", "arr", "obj", "missing"} {
		if _, ok := o.String(key); ok {
			t.Errorf("String(%s) ok for a non-string", key)
		}
	}
	if b, ok := o.Bool("disabled"); !ok || !b {
		t.Errorf("Bool(disabled) = %v, %v", b, ok)
	}
	if _, ok := o.Bool("kind"); ok {
		t.Error("Bool(kind) ok for a string")
	}
	ints := map[string]struct {
		v  int64
		ok bool
	}{
		"cost": {25, true}, "cooldown": {1700000000000, true}, "big": {9223372036854775807, true},
		"over": {0, false}, "frac": {0, false}, "float2": {2, true}, "neg": {-3, true},
		"huge": {0, false}, "kind": {0, false}, "n": {0, false}, "missing": {0, false},
	}
	for key, want := range ints {
		if v, ok := o.Int64(key); v != want.v || ok != want.ok {
			t.Errorf("Int64(%s) = %d, %v; want %d, %v", key, v, ok, want.v, want.ok)
		}
	}
	if f, ok := o.Float64("frac"); !ok || f != 2.5 {
		t.Errorf("Float64(frac) = %v, %v", f, ok)
	}
	if _, ok := o.Float64("huge"); ok {
		t.Error("Float64(huge) ok for 1e400")
	}
	if _, ok := o.Float64("s"); ok {
		t.Error("Float64(s) ok for a string")
	}
	if raw, ok := o.Get("obj"); !ok || string(raw) != `{"x":"y"}` {
		t.Errorf("Get(obj) = %s, %v", raw, ok)
	}
	raw, _ := o.Get("arr")
	raw[0] = 'X' // the copy is the caller's
	if again, _ := o.Get("arr"); string(again) != `[1]` {
		t.Errorf("Get returned shared bytes: %s", again)
	}
	if o.Len() != 15 {
		t.Errorf("Len() = %d", o.Len())
	}
}

func TestSetAndDeleteOverrideTags(t *testing.T) {
	o := mustObject(t, `{"controlID":"b","cooldown":0,"meta":{"a":1}}`, Tag{Priority: 9, Seq: 9})
	o2, err := o.Set("cooldown", json.RawMessage(`1234`), Tag{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	o2, err = o2.Set("meta", json.RawMessage(`{"b":null}`), Tag{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	o2, err = o2.Set("new", json.RawMessage(` "<x>" `), Tag{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	o2 = o2.Delete("controlID", Tag{Seq: 1})
	if got, want := encode(o2), `{"cooldown":1234,"meta":{"b":null},"new":"\u003cx\u003e"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if tag, _ := o2.TagOf("meta", "b"); tag != (Tag{Seq: 1}) {
		t.Errorf("meta.b tag = %+v", tag)
	}
	if tag, ok := o2.TagOf("controlID"); !ok || tag != (Tag{Seq: 1}) {
		t.Errorf("deleted controlID tag = %+v, %v", tag, ok)
	}
	if encode(o) != `{"controlID":"b","cooldown":0,"meta":{"a":1}}` {
		t.Errorf("Set modified its input: %s", encode(o))
	}
	if _, err := o.Set("x", json.RawMessage(`{`), Tag{}); err == nil {
		t.Error("Set with invalid JSON: no error")
	}
}

func TestNewObjectRejectsNonObjects(t *testing.T) {
	for _, raw := range []string{``, `[]`, `1`, `"x"`, `null`, `{"a":}`, `{"a":1}x`} {
		if o, err := NewObject(json.RawMessage(raw), Tag{}); err == nil {
			t.Errorf("NewObject(%q) = %s, want an error", raw, encode(o))
		}
	}
}
