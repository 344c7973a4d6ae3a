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
