package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendJSONWritesFieldsInProtocolOrder(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"hello as the SDKs need it", Method(7, "hello", nil, true),
			`{"id":7,"type":"method","method":"hello","params":null,"discard":true,"seq":0}`},
		{"method with params and seq", Packet{ID: 123, Type: TypeMethod, Method: "divide", Params: json.RawMessage(`{"numerator":16,"denominator":4}`), Seq: 42},
			`{"id":123,"type":"method","method":"divide","params":{"numerator":16,"denominator":4},"discard":false,"seq":42}`},
		{"largest client id echoed", Reply(4294967295, json.RawMessage(`4`)),
			`{"id":4294967295,"type":"reply","result":4,"error":null,"seq":0}`},
		{"reply with nil result", Reply(1, nil),
			`{"id":1,"type":"reply","result":null,"error":null,"seq":0}`},
		{"error reply with path", ErrorReply(124, &Error{Code: 4004, Message: "Cannot divide by zero.", Path: "denominator"}),
			`{"id":124,"type":"reply","result":null,"error":{"code":4004,"message":"Cannot divide by zero.","path":"denominator"},"seq":0}`},
		{"error reply drops result", Packet{ID: 5, Type: TypeReply, Result: json.RawMessage(`{"x":1}`), Error: UnknownMethod("nope"), Seq: -3},
			`{"id":5,"type":"reply","result":null,"error":{"code":4003,"message":"Unknown method name \"nope\".","path":"method"},"seq":-3}`},
		{"parse error reply has id 0", ErrorReply(99, ParseError("")),
			`{"id":0,"type":"reply","result":null,"error":{"code":4000,"message":"Error parsing payload as JSON."},"seq":0}`},
		{"empty type is a reply", Packet{ID: 2, Result: json.RawMessage(`true`)},
			`{"id":2,"type":"reply","result":true,"error":null,"seq":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.p.AppendJSON([]byte("prefix:")))
			if got != "prefix:"+tt.want {
				t.Fatalf("AppendJSON\n got %s\nwant prefix:%s", got, tt.want)
			}
			if !json.Valid([]byte(tt.want)) {
				t.Fatalf("not valid JSON: %s", tt.want)
			}
			m, err := json.Marshal(tt.p)
			if err != nil || string(m) != tt.want {
				t.Fatalf("MarshalJSON = %s, %v", m, err)
			}
		})
	}
}

func TestAppendBatch(t *testing.T) {
	got := string(AppendBatch(nil, []Packet{Method(1, "giveInput", json.RawMessage(`{}`), true), Reply(2, nil)}))
	want := `[{"id":1,"type":"method","method":"giveInput","params":{},"discard":true,"seq":0},{"id":2,"type":"reply","result":null,"error":null,"seq":0}]`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	if got := string(AppendBatch(nil, nil)); got != "[]" {
		t.Fatalf("empty batch = %s", got)
	}
}

var hostileStrings = []string{
	"", "plain", `quote " and backslash \`, "</script><script>alert(1)</script>",
	"<!-- & -->", "ctl \x00\x01\x07\b\f\n\r\t\x1b\x1f\x7f", "line\u2028sep\u2029para",
	"bad utf8 \xff\xfe and \xc3", "truncated \xe2\x82", "surrogate \xed\xa0\x80",
	"emoji 😀 and ünïcödé", "\\u0000 literal", strings.Repeat("é\"<", 100),
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range hostileStrings {
		want, _ := json.Marshal(s)
		got := AppendString(nil, s)
		if string(got) != string(want) {
			t.Errorf("AppendString(%q)\n got %s\nwant %s", s, got, want)
		}
		if strings.Contains(string(got), "</") || strings.ContainsAny(string(got), "\x00\n\r<>&") {
			t.Errorf("AppendString(%q) = %s leaves HTML-unsafe bytes", s, got)
		}
	}
}

func TestHostileStringsSurviveAPacketRoundTrip(t *testing.T) {
	for _, s := range hostileStrings {
		p := ErrorReply(3, &Error{Code: CodeBadInput, Message: s, Path: s})
		q := Method(4, s, nil, false)
		frame := AppendBatch(nil, []Packet{p, q})
		got, batched, err := DecodeFrame(frame)
		if err != nil || !batched || len(got) != 2 {
			t.Fatalf("DecodeFrame(%s) = %v, %v, %v", frame, got, batched, err)
		}
		var want string
		b, _ := json.Marshal(s)
		_ = json.Unmarshal(b, &want) // what any JSON reader sees: invalid UTF-8 replaced
		if got[0].Error == nil || got[0].Error.Message != want || got[0].Error.Path != want {
			t.Errorf("error message %q came back as %+v", s, got[0].Error)
		}
		if got[1].Method != want {
			t.Errorf("method %q came back as %q", s, got[1].Method)
		}
	}
}
