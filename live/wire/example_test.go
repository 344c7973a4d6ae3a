package wire_test

import (
	"encoding/json"
	"fmt"

	"github.com/mixstudio/mixstudio/live/wire"
)

func ExamplePacket_AppendJSON() {
	hello := wire.Method(1, "hello", nil, true)
	fmt.Println(string(hello.AppendJSON(nil)))
	reply := wire.Reply(7, json.RawMessage(`{"time":1700000000000}`))
	reply.Seq = 3
	fmt.Println(string(reply.AppendJSON(nil)))
	// Output:
	// {"id":1,"type":"method","method":"hello","params":null,"discard":true,"seq":0}
	// {"id":7,"type":"reply","result":{"time":1700000000000},"error":null,"seq":3}
}

func ExampleDecodeFrame() {
	frame := []byte(`[{"type":"method","id":5,"method":"getTime","params":{}},{"type":"method","id":6,"method":"fly"},{"type":"method","id":"7","method":"capture","params":["x"]}]`)
	packets, batched, err := wire.DecodeFrame(frame)
	if err != nil { // not JSON at all: reply with id 0
		reply := wire.ErrorReply(0, err)
		fmt.Println(string(reply.AppendJSON(nil)))
		return
	}
	fmt.Println("batched:", batched)
	for _, p := range packets {
		if p.Err == nil && p.Method != "getTime" {
			p.Err = wire.UnknownMethod(p.Method)
		}
		if p.Err != nil {
			reply := wire.ErrorReply(p.ID, p.Err)
			fmt.Println(string(reply.AppendJSON(nil)))
			continue
		}
		fmt.Println(p.Method, p.ID, string(p.Params))
	}
	// Output:
	// batched: true
	// getTime 5 {}
	// {"id":6,"type":"reply","result":null,"error":{"code":4003,"message":"Unknown method name \"fly\".","path":"method"},"seq":0}
	// {"id":7,"type":"reply","result":null,"error":{"code":4004,"message":"Error parsing method arguments: params must be an object of named arguments, not an array","path":"params"},"seq":0}
}

func ExampleEncoder() {
	scheme := wire.NegotiateParams(json.RawMessage(`{"scheme":["zstd","gzip"]}`), nil)
	enc, dec := wire.NewEncoder(scheme), wire.NewDecoder(scheme)
	var frame []byte
	for _, msg := range []string{`{"id":1}`, `{"id":2}`} {
		frame, _ = enc.Encode(frame[:0], []byte(msg))
		got, err := dec.Decode(frame, enc.Binary())
		fmt.Println(scheme, enc.Binary(), string(got), err == nil)
	}
	// Output:
	// gzip true {"id":1} true
	// gzip true {"id":2} true
}
