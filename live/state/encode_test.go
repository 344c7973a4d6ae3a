package state

import (
	"encoding/json"
	"testing"
)

// hostileValues are JSON texts whose canonical form needs care.
var hostileValues = []string{
	`"plain"`,
	`"<script>alert('x') & </script>"`,
	`"quote \" backslash \\ slash \/"`,
	`"\b\f\n\r\t\u0000\u0001\u001f\u007f"`,
	`"\u2028 line \u2029 para"`,
	"\"\u2028 raw separators \u2029\"",
	`"é日本語 🎮 \u00e9\ud83c\udfae"`,
	`"lone surrogates \ud800 \udc00 \ud800x"`,
	"\"invalid utf-8 \xff\xfe \xc3\x28 \xed\xa0\x80\"",
	`"\u003c\u003e\u0026"`,
	`0`, `-0`, `1.50`, `1e400`, `-1E-7`, `123456789012345678901234567890`,
	`true`, `false`, `null`,
	`[]`, `[1,"<",[{"b":1,"a":2}],{}]`,
	` [ 1 , { "z" : 1 , "a" : "\u00e9" } ] `,
	`{}`, `{"b":{"a":{}}}`,
}

func TestEncodingMatchesEncodingJSON(t *testing.T) {
	var docs []string
	for _, v := range hostileValues {
		docs = append(docs, `{"v":`+v+`}`, `{`+keyFor(v)+`:1,"k":`+v+`}`)
	}
	docs = append(docs,
		`{"controlID":"win","kind":"button","text":"Win","cost":0,"progress":0.25,"disabled":false}`,
		`{"z":1,"a":2,"m":{"z":1,"a":2}}`,
		`{"dup":1,"other":2,"dup":3}`,
		`{"dup":{"a":1},"dup":{"b":2}}`,
		`{"arr":[{"dup":1,"dup":2}]}`,
		" \t\r\n{ \"spaced\" : [ 1 , 2 ] }\n",
	)
	for _, doc := range docs {
		o, err := NewObject(json.RawMessage(doc), Tag{})
		if err != nil {
			t.Errorf("NewObject(%q): %v", doc, err)
			continue
		}
		ref, err := refDecode([]byte(doc))
		if err != nil {
			t.Fatalf("reference decode of %q: %v", doc, err)
		}
		if got, want := encode(o), string(refEncode(ref)); got != want {
			t.Errorf("encoding %q\n got  %s\n want %s", doc, got, want)
		}
		// MarshalJSON is used when an Object sits inside another value.
		b, err := json.Marshal(map[string]any{"o": o})
		if err != nil || string(b) != `{"o":`+encode(o)+`}` {
			t.Errorf("json.Marshal with an Object inside: %s, %v", b, err)
		}
	}
}

// keyFor turns a hostile value into a hostile key: strings as they are,
// other values quoted.
func keyFor(v string) string {
	var s string
	if json.Unmarshal([]byte(v), &s) == nil && len(v) > 0 && v[0] == '"' {
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
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
