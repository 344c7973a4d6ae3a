package state

import (
	"encoding/json"
	"testing"
)

// FuzzPatch checks NewObject and Patch against a reference built from
// encoding/json alone (helpers_test.go): the same inputs are accepted, the
// output is byte-for-byte what that reference writes, and a patch whose
// changes all win gives RFC 7396's result, key order included. A patch
// whose changes all lose must leave the object as it was.
func FuzzPatch(f *testing.F) {
	seeds := [][2]string{
		{`{"a":"b"}`, `{"a":"c"}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`},
		{`{"e":null}`, `{"a":1}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`},
		{`{"controlID":"b","kind":"button","text":"x","position":[{"size":"large","width":10,"height":9,"x":0,"y":0}]}`,
			`{"controlID":"b","disabled":true,"meta":{"x":{"y":null}}}`},
		{`{"dup":1,"dup":{"a":2}}`, `{"dup":{"b":null},"dup":{"c":"<\u2028>"}}`},
		{"{\"\xff\":\"\\ud800\"}", "{\"\xff\":null,\"\\u00e9\":1e400}"},
		{`{"a":1}`, `[]`},
		{`{"a":1}`, `{"a":`},
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	for _, v := range hostileValues {
		f.Add([]byte(`{"v":`+v+`}`), []byte(`{"v":{"w":`+v+`}}`))
	}
	f.Fuzz(func(t *testing.T, doc, patch []byte) {
		ref, refErr := refDecode(doc)
		_, refIsObject := ref.(*refObject)
		o, err := NewObject(doc, Tag{Seq: 1})
		if (err == nil) != (refErr == nil && refIsObject) {
			t.Fatalf("NewObject(%q) error = %v; reference: %v (object %v)", doc, err, refErr, refIsObject)
		}
		if err != nil {
			return
		}
		before := encode(o)
		if want := string(refEncode(ref)); before != want {
			t.Fatalf("NewObject(%q)\n got  %s\n want %s", doc, before, want)
		}

		refPatch, refErr := refDecode(patch)
		_, refIsObject = refPatch.(*refObject)
		next, changed, err := o.Patch(patch, Tag{Seq: 2})
		if encode(o) != before {
			t.Fatalf("Patch modified its input: %s → %s", before, encode(o))
		}
		if (err == nil) != (refErr == nil && refIsObject) {
			t.Fatalf("Patch(%q) error = %v; reference: %v (object %v)", patch, err, refErr, refIsObject)
		}
		if err != nil {
			if next != o || changed {
				t.Fatalf("failed Patch(%q) returned a changed object", patch)
			}
			return
		}
		got := encode(next)
		if !json.Valid([]byte(got)) {
			t.Fatalf("invalid output %q", got)
		}
		if want := string(refEncode(refMerge(ref, refPatch))); got != want {
			t.Fatalf("%s + %s\n got  %s\n want %s", before, patch, got, want)
		}
		if changed != (got != before) {
			t.Fatalf("changed = %v for %s → %s", changed, before, got)
		}

		// Every property of next now carries Seq 2 or 1: a change with an
		// older seq and a lower priority loses everywhere.
		stale, changed, err := next.Patch(patch, Tag{Priority: -1, Seq: 0})
		if err != nil || changed || stale != next {
			t.Fatalf("losing patch applied: changed %v, err %v, %s", changed, err, encode(stale))
		}
		// Applying the same patch again with a newer tag is idempotent.
		again, changed, err := next.Patch(patch, Tag{Seq: 3})
		if err != nil || changed || encode(again) != got {
			t.Fatalf("patch not idempotent: changed %v, err %v, %s → %s", changed, err, got, encode(again))
		}
	})
}
