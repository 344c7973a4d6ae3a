package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// raw is a shorthand for json.RawMessage in expectations.
func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestDecodeFrameReadsEveryPacketShapeOfTheSpec(t *testing.T) {
	tests := []struct {
		name    string
		frame   string
		batched bool
		want    []Packet
	}{
		{"method example", `{
  "type": "method",
  "id": 123,
  "discard": false,
  "method": "divide",
  "seq": 42,
  "params": {
    "numerator": 16,
    "denominator": 4
  }
}`, false, []Packet{{ID: 123, Type: TypeMethod, Method: "divide", Seq: 42, Params: raw("{\n    \"numerator\": 16,\n    \"denominator\": 4\n  }")}}},
		{"reply example", `{"type": "reply", "result": 4, "error": null, "seq": 42, "id": 123}`, false,
			[]Packet{{ID: 123, Type: TypeReply, Result: raw("4"), Seq: 42}}},
		{"error reply example", `{"type": "reply", "result": null, "error": {"code": 4000, "message": "Cannot divide by zero.", "path": "denominator"}, "seq": 42, "id": 124}`, false,
			[]Packet{{ID: 124, Type: TypeReply, Seq: 42, Error: &Error{Code: 4000, Message: "Cannot divide by zero.", Path: "denominator"}}}},
		{"batched example with a string id", `[
  {"type": "method", "id": 123, "method": "divide", "seq": 42, "params": {"numerator": 16, "denominator": 4}},
  {"type": "reply", "result": 4, "id": "123", "seq": 43, "error": null}
]`, true, []Packet{
			{ID: 123, Type: TypeMethod, Method: "divide", Seq: 42, Params: raw(`{"numerator": 16, "denominator": 4}`)},
			{ID: 123, Type: TypeReply, Result: raw("4"), Seq: 43}}},
		{"hello as the server sends it", `{"type":"method","id":1,"method":"hello","params":null,"discard":true}`, false,
			[]Packet{{ID: 1, Type: TypeMethod, Method: "hello", Discard: true}}},
		{"setCompression", `{"type": "method", "id": 123, "method": "setCompression", "params": {"scheme": ["lz4", "gzip"]}}`, false,
			[]Packet{{ID: 123, Type: TypeMethod, Method: "setCompression", Params: raw(`{"scheme": ["lz4", "gzip"]}`)}}},
		{"onReady with discard", `{"type": "method", "id": 123, "method": "onReady", "params": {"isReady": true}, "discard": true}`, false,
			[]Packet{{ID: 123, Type: TypeMethod, Method: "onReady", Params: raw(`{"isReady": true}`), Discard: true}}},
		{"getTime with empty params", `{"type":"method","id":9,"method":"getTime","params":{}}`, false,
			[]Packet{{ID: 9, Type: TypeMethod, Method: "getTime", Params: raw(`{}`)}}},
		{"Unreal getScenes without params, seq or discard", `{"type":"method","id":2,"method":"getScenes"}`, false,
			[]Packet{{ID: 2, Type: TypeMethod, Method: "getScenes"}}},
		{"unknown fields such as etag are ignored", `{"type":"method","id":3,"method":"updateControls","etag":"abc","extra":{"a":[1,{"b":"}"}]},"params":{"sceneID":"default","controls":[]}}`, false,
			[]Packet{{ID: 3, Type: TypeMethod, Method: "updateControls", Params: raw(`{"sceneID":"default","controls":[]}`)}}},
		{"giveInput from a participant", `{"type":"method","id":4294967295,"method":"giveInput","params":{"controlID":"b1","event":"mousedown","button":0},"discard":false,"seq":-2147483648}`, false,
			[]Packet{{ID: 4294967295, Type: TypeMethod, Method: "giveInput", Params: raw(`{"controlID":"b1","event":"mousedown","button":0}`), Seq: -2147483648}}},
		{"null fields count as missing", `{"type":"method","id":null,"method":"getTime","params":null,"discard":null,"seq":null}`, false,
			[]Packet{{Type: TypeMethod, Method: "getTime"}}},
		{"escaped keys and values", `{"t\u0079pe":"meth\u006fd","\u0069d":8,"method":"my\"method","params":{}}`, false,
			[]Packet{{ID: 8, Type: TypeMethod, Method: `my"method`, Params: raw(`{}`)}}},
		{"reply without result", `{"type":"reply","id":6,"error":null}`, false,
			[]Packet{{ID: 6, Type: TypeReply}}},
		{"reply result is kept as raw JSON", `{"type":"reply","id":6,"result":{"scheme":"gzip"},"error":null}`, false,
			[]Packet{{ID: 6, Type: TypeReply, Result: raw(`{"scheme":"gzip"}`)}}},
		{"params of a reply are dropped", `{"type":"reply","id":6,"params":[1]}`, false,
			[]Packet{{ID: 6, Type: TypeReply}}},
		{"giveInput example", `{"type": "method", "id": 123, "method": "giveInput", "discard": true, "params": {"participantID": "b2f65dea-429f-4105-a280-745fd5d75945", "input": {"controlID": "b", "event": "mousedown", "button": 0}}}`, false,
			[]Packet{{ID: 123, Type: TypeMethod, Method: "giveInput", Discard: true, Params: raw(`{"participantID": "b2f65dea-429f-4105-a280-745fd5d75945", "input": {"controlID": "b", "event": "mousedown", "button": 0}}`)}}},
		{"capture example with a numeric transactionID", `{"type": "method", "id": 123, "method": "capture", "params": {"transactionID": 1}}`, false,
			[]Packet{{ID: 123, Type: TypeMethod, Method: "capture", Params: raw(`{"transactionID": 1}`)}}},
		{"successful null reply", `{"type": "reply", "result": null, "error": null, "id": 123}`, false,
			[]Packet{{ID: 123, Type: TypeReply}}},
		{"fields of the other kind are ignored, even malformed", `{"type":"method","id":1,"method":"getTime","error":"junk","result":[1]}`, false,
			[]Packet{{ID: 1, Type: TypeMethod, Method: "getTime"}}},
		{"a reply's discard and method are ignored", `{"type":"reply","id":1,"discard":"junk","method":5,"params":"x"}`, false,
			[]Packet{{ID: 1, Type: TypeReply}}},
		{"a repeated key's last value decides, errors included", `{"type":"method","id":-1,"id":3,"method":"getTime","seq":"x","seq":4,"params":[],"params":{}}`, false,
			[]Packet{{ID: 3, Type: TypeMethod, Method: "getTime", Seq: 4, Params: raw(`{}`)}}},
		{"empty batch", ` [ ] `, true, nil},
		{"duplicate keys: the last wins", `{"type":"method","id":1,"id":2,"method":"a","method":"getTime"}`, false,
			[]Packet{{ID: 2, Type: TypeMethod, Method: "getTime"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, batched, err := DecodeFrame([]byte(tt.frame))
			if err != nil {
				t.Fatalf("DecodeFrame: %v", err)
			}
			if batched != tt.batched {
				t.Errorf("batched = %v, want %v", batched, tt.batched)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("DecodeFrame\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeFrameRejectsWholeFrames(t *testing.T) {
	tests := []struct{ name, frame, msg string }{
		{"empty", ``, "not valid JSON"},
		{"truncated", `{"type":"method","id":1`, "not valid JSON"},
		{"garbage", "\x1f\x8b\x08\x00", "not valid JSON"},
		{"trailing data", `{"type":"method"} {}`, "not valid JSON"},
		{"number", `42`, "not a packet object"},
		{"string", `"hello"`, "not a packet object"},
		{"null", `null`, "not a packet object"},
		{"too many packets", "[" + strings.Repeat("{},", MaxBatch) + "{}]", "more than 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := DecodeFrame([]byte(tt.frame))
			if err == nil {
				t.Fatalf("DecodeFrame(%q) = %v, want a 4000 error", tt.frame, got)
			}
			if err.Code != CodeParse || !strings.Contains(err.Message, tt.msg) {
				t.Fatalf("err = %v, want 4000 mentioning %q", err, tt.msg)
			}
			reply := ErrorReply(77, err)
			if reply.ID != 0 {
				t.Fatalf("4000 reply id = %d, want 0", reply.ID)
			}
		})
	}
	if got, _, err := DecodeFrame([]byte("[" + strings.Repeat("{},", MaxBatch-1) + "{}]")); err != nil || len(got) != MaxBatch {
		t.Fatalf("a batch of exactly MaxBatch: %d packets, %v", len(got), err)
	}
}

func TestDecodeFrameFlagsUnusablePackets(t *testing.T) {
	tests := []struct {
		name   string
		frame  string
		id     uint32
		code   int
		path   string
		inMsg  string
		method string
	}{
		{"unknown type keeps the id", `{"type":"event","id":12,"method":"x"}`, 12, CodeUnknownPacketType, "type", `"event"`, "x"},
		{"type not a string", `{"type":5,"id":12}`, 12, CodeUnknownPacketType, "type", `"5"`, ""},
		{"missing type", `{"id":13,"method":"getTime"}`, 13, CodeUnknownPacketType, "type", "no type", "getTime"},
		{"params as an array", `{"type":"method","id":14,"method":"divide","params":[16,4]}`, 14, CodeBadArguments, "params", "not an array", "divide"},
		{"params as a string", `{"type":"method","id":15,"method":"divide","params":"x"}`, 15, CodeBadArguments, "params", "not a string", "divide"},
		{"params as a number", `{"type":"method","id":15,"method":"divide","params":1.5}`, 15, CodeBadArguments, "params", "not a number", "divide"},
		{"params as a boolean", `{"type":"method","id":15,"method":"divide","params":true}`, 15, CodeBadArguments, "params", "not a boolean", "divide"},
		{"method not a string", `{"type":"method","id":16,"method":{"a":1}}`, 16, CodeUnknownMethod, "method", "must be a string", ""},
		{"discard not a boolean", `{"type":"method","id":17,"method":"getTime","discard":"yes"}`, 17, CodeBadArguments, "discard", "boolean", "getTime"},
		{"seq out of range", `{"type":"method","id":18,"method":"getTime","seq":2147483648}`, 18, CodeBadArguments, "seq", "32-bit", "getTime"},
		{"seq as a fraction", `{"type":"method","id":18,"method":"getTime","seq":1.5}`, 18, CodeBadArguments, "seq", "32-bit", "getTime"},
		{"negative id", `{"type":"method","id":-1,"method":"getTime"}`, 0, CodeParse, "id", "unsigned 32-bit", "getTime"},
		{"id too large", `{"type":"method","id":4294967296,"method":"getTime"}`, 0, CodeParse, "id", "unsigned 32-bit", "getTime"},
		{"id with 30 digits", `{"type":"method","id":123456789012345678901234567890,"method":"getTime"}`, 0, CodeParse, "id", "unsigned 32-bit", "getTime"},
		{"id as a fraction", `{"type":"method","id":1.5,"method":"getTime"}`, 0, CodeParse, "id", "unsigned 32-bit", "getTime"},
		{"id with an exponent", `{"type":"method","id":1e3,"method":"getTime"}`, 0, CodeParse, "id", "unsigned 32-bit", "getTime"},
		{"id as a word", `{"type":"method","id":"abc","method":"getTime"}`, 0, CodeParse, "id", "unsigned 32-bit", "getTime"},
		{"id as an empty string", `{"type":"method","id":"","method":"getTime"}`, 0, CodeParse, "id", "unsigned 32-bit", "getTime"},
		{"id as an object", `{"type":"method","id":{},"method":"getTime"}`, 0, CodeParse, "id", "unsigned 32-bit", "getTime"},
		{"reply error not an object", `{"type":"reply","id":19,"error":"boom"}`, 0, CodeParse, "error", "integer code", ""},
		{"reply error without code", `{"type":"reply","id":19,"error":{"message":"boom"}}`, 0, CodeParse, "error", "integer code", ""},
		{"bad id wins over bad type", `{"type":"x","id":-5}`, 0, CodeParse, "id", "unsigned", ""},
		{"bad type wins over bad params", `{"type":"x","id":5,"params":[]}`, 5, CodeUnknownPacketType, "type", `"x"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, batched, err := DecodeFrame([]byte(tt.frame))
			if err != nil || batched || len(got) != 1 {
				t.Fatalf("DecodeFrame = %v, %v, %v; want one packet", got, batched, err)
			}
			p := got[0]
			if p.Err == nil {
				t.Fatalf("packet %+v has no Err", p)
			}
			if p.Err.Code != tt.code || p.Err.Path != tt.path || !strings.Contains(p.Err.Message, tt.inMsg) {
				t.Fatalf("Err = %+v, want code %d path %q message containing %q", p.Err, tt.code, tt.path, tt.inMsg)
			}
			reply := ErrorReply(p.ID, p.Err)
			if reply.ID != tt.id {
				t.Fatalf("reply id = %d, want %d", reply.ID, tt.id)
			}
			if p.Method != tt.method {
				t.Fatalf("method = %q, want %q", p.Method, tt.method)
			}
		})
	}
}

func TestDecodeFrameKeepsGoodPacketsOfABadBatch(t *testing.T) {
	frame := `[{"type":"method","id":1,"method":"getTime"}, 7, {"type":"bogus","id":3}, {"type":"method","id":4,"method":"capture","params":{"transactionID":"t"}}]`
	got, batched, err := DecodeFrame([]byte(frame))
	if err != nil || !batched || len(got) != 4 {
		t.Fatalf("DecodeFrame = %v, %v, %v", got, batched, err)
	}
	if got[0].Err != nil || got[0].Method != "getTime" || got[3].Err != nil || got[3].Method != "capture" {
		t.Fatalf("good packets damaged: %+v / %+v", got[0], got[3])
	}
	if got[1].Err == nil || got[1].Err.Code != CodeParse {
		t.Fatalf("non-object element: %+v", got[1])
	}
	if got[2].Err == nil || got[2].Err.Code != CodeUnknownPacketType || got[2].ID != 3 {
		t.Fatalf("unknown type element: %+v", got[2])
	}
}

func TestPacketsRoundTripThroughAppendJSON(t *testing.T) {
	packets := []Packet{
		Method(1, "hello", nil, true),
		Method(2, "onControlUpdate", raw(`{"sceneID":"default","controls":[{"controlID":"b","disabled":true}]}`), true),
		Method(2147483647, "a custom method", raw(`{}`), false),
		Reply(3, raw(`{"time":1700000000000}`)),
		ErrorReply(4, UnknownMethod("frobnicate")),
		ErrorReply(5, BadArguments("", "params.controls.0.kind")),
		{ID: 6, Type: TypeMethod, Method: "giveInput", Params: raw(`{"participantID":"p","input":{"controlID":"b","event":"mousedown"}}`), Seq: 99},
	}
	for _, p := range packets {
		frame := p.AppendJSON(nil)
		got, _, err := DecodeFrame(frame)
		if err != nil || len(got) != 1 {
			t.Fatalf("DecodeFrame(%s): %v", frame, err)
		}
		if !reflect.DeepEqual(got[0], p) {
			t.Fatalf("round trip of %s\n got %#v\nwant %#v", frame, got[0], p)
		}
	}
	batch := AppendBatch(nil, packets)
	got, batched, err := AppendPackets(make([]Packet, 0, 8), batch)
	if err != nil || !batched || !reflect.DeepEqual(got, packets) {
		t.Fatalf("batch round trip: %v %v\n got %#v", batched, err, got)
	}
}

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	nest := func(n int) []byte {
		return []byte(`{"type":"method","id":1,"method":"m","params":{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}`)
	}
	cases := [][]byte{
		nest(9998), nest(9999), nest(10000), // the packet and params objects count too
		[]byte(`{"a":1}x`), []byte(`{"a":1} `), []byte("\t[]\n"), []byte(`{"a":01}`), []byte(`{"a":-}`),
		[]byte(`{"a":1.5e}`), []byte(`{"a":"\u12"}`), []byte(`{"a":"\q"}`), []byte("{\"a\":\"\x7f\xff\"}"),
		[]byte(`{"a":tru}`), []byte(`{"a":nul}`), []byte(`{,}`), []byte(`[,1]`), []byte(`{"a":1,}`),
	}
	for _, c := range cases {
		want := json.Valid(c)
		if got := validJSON(c); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid %v", c, got, want)
		}
		_, _, err := DecodeFrame(c)
		if gotErr := err != nil && strings.Contains(err.Message, "not valid JSON"); gotErr == want {
			t.Errorf("DecodeFrame(%.40q): %v, json.Valid %v", c, err, want)
		}
	}
}
