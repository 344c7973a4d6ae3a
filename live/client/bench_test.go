package client

import (
	"testing"

	"github.com/mixstudio/mixstudio/live/wire"
)

// BenchmarkHandleGiveInput is the read loop's cost per giveInput frame
// once it is off the socket: decode, deliver as an event.
func BenchmarkHandleGiveInput(b *testing.B) {
	c := fuzzConn(b)
	frame := []byte(`{"id":12,"type":"method","method":"giveInput","params":{"participantID":"b2f65dea-429f-4105-a280-745fd5d75945","input":{"controlID":"win_the_game_btn","event":"mousedown","button":0}},"discard":true,"seq":42}`)
	var packets []wire.Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		packets, _, _ = wire.AppendPackets(packets[:0], frame)
		c.handle(&packets[0])
		<-c.cl.events
	}
}

// BenchmarkCallRoundTrip is one typed call over a real lz4 socket on
// 127.0.0.1: encode, compress, the server's reply, correlation.
func BenchmarkCallRoundTrip(b *testing.B) {
	f := newFakeServer(b, func(s *session) { s.hello(); s.serve(nil) })
	cfg := testConfig(f.addr())
	c, err := Dial(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Call(b.Context(), "getThrottleState", nil); err != nil {
			b.Fatal(err)
		}
	}
}
