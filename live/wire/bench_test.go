package wire

import (
	"encoding/json"
	"fmt"
	"testing"
)

// giveInputPacket is a typical 200-byte packet: a participant's button
// press as the mediator forwards it to the game client.
func giveInputPacket(i int) Packet {
	return Packet{
		ID: uint32(1000 + i), Type: TypeMethod, Method: "giveInput", Seq: int32(i),
		Params: json.RawMessage(fmt.Sprintf(`{"participantID":"7f0e1c0a-3b9e-4d2a-9a57-%012d","input":{"controlID":"jump","event":"mousedown","button":0},"transactionID":"b0a1c2d3-e4f5-4a6b-8c7d-%012d"}`, i%97, i)),
	}
}

// packetMix is what a busy session sends: inputs, control updates,
// participant joins and replies, in the proportions of a live show.
func packetMix(n int) [][]byte {
	msgs := make([][]byte, n)
	for i := range msgs {
		var p Packet
		switch i % 10 {
		case 0, 1, 2, 3, 4:
			p = giveInputPacket(i)
		case 5, 6:
			p = Method(uint32(i), "onControlUpdate", json.RawMessage(fmt.Sprintf(`{"sceneID":"default","controls":[{"controlID":"jump","etag":"%d","disabled":false,"cooldown":%d,"progress":0.%d,"text":"Jump!","cost":%d}]}`, i, 1700000000000+i*250, i%100, i%5*10)), true)
		case 7:
			p = Method(uint32(i), "onParticipantJoin", json.RawMessage(fmt.Sprintf(`{"participants":[{"sessionID":"7f0e1c0a-3b9e-4d2a-9a57-%012d","userID":%d,"username":"viewer_%d","level":%d,"lastInputAt":%d,"connectedAt":%d,"disabled":false,"groupID":"default","anonymous":false}]}`, i, 100000+i*7, i, i%60, 1700000000000+i, 1700000000000+i)), true)
		case 8:
			p = Reply(uint32(i), json.RawMessage(fmt.Sprintf(`{"time":%d}`, 1700000000000+i*31)))
		default:
			p = ErrorReply(uint32(i), NewError(CodeUnknownControl, "", fmt.Sprintf("controls.%d.controlID", i%7)))
		}
		p.Seq = int32(i)
		msgs[i] = p.AppendJSON(nil)
	}
	return msgs
}

// BenchmarkCodecGiveInput encodes and decodes giveInput packets of about
// 250 bytes (different participants and transactions, as in a session).
func BenchmarkCodecGiveInput(b *testing.B) {
	msgs := make([][]byte, 1000) // more than gzip's 32 KiB window holds
	for i := range msgs {
		p := giveInputPacket(i)
		msgs[i] = p.AppendJSON(nil)
	}
	for _, s := range []Scheme{None, Gzip, LZ4} {
		b.Run(string(s), func(b *testing.B) {
			enc, dec := NewEncoder(s), NewDecoder(s)
			frame := make([]byte, 0, 1024)
			var raw, wire int
			b.ReportAllocs()
			warmUp(b, enc, dec, msgs[0]) // the streams' setup is BenchmarkNewStream's business
			b.ResetTimer()
			i := 0
			for b.Loop() {
				msg := msgs[i%len(msgs)]
				i++
				var err error
				frame, err = enc.Encode(frame[:0], msg)
				if err != nil {
					b.Fatal(err)
				}
				raw += len(msg)
				wire += len(frame)
				if _, derr := dec.Decode(frame, enc.Binary()); derr != nil {
					b.Fatal(derr)
				}
			}
			b.SetBytes(int64(raw / b.N))
			b.ReportMetric(float64(raw)/float64(b.N), "msg-bytes/op")
			b.ReportMetric(float64(wire)/float64(b.N), "frame-bytes/op")
		})
	}
}

// BenchmarkCodecPacketMix reports how well each scheme compresses the
// realistic mix, as the ratio of message bytes to frame bytes.
func BenchmarkCodecPacketMix(b *testing.B) {
	msgs := packetMix(1000)
	for _, s := range []Scheme{None, Gzip, LZ4} {
		b.Run(string(s), func(b *testing.B) {
			enc, dec := NewEncoder(s), NewDecoder(s)
			frame := make([]byte, 0, 4096)
			var raw, wire int
			b.ReportAllocs()
			warmUp(b, enc, dec, msgs[0])
			b.ResetTimer()
			i := 0
			for b.Loop() {
				msg := msgs[i%len(msgs)]
				i++
				var err error
				frame, err = enc.Encode(frame[:0], msg)
				if err != nil {
					b.Fatal(err)
				}
				raw += len(msg)
				wire += len(frame)
				if _, derr := dec.Decode(frame, enc.Binary()); derr != nil {
					b.Fatal(derr)
				}
			}
			b.ReportMetric(float64(raw)/float64(wire), "ratio")
			b.ReportMetric(float64(wire)/float64(b.N), "frame-bytes/op")
		})
	}
}

// BenchmarkNewStream measures what a connection's compression state costs:
// a new encoder and decoder and their first message.
func BenchmarkNewStream(b *testing.B) {
	p := giveInputPacket(1)
	msg := p.AppendJSON(nil)
	for _, s := range []Scheme{Gzip, LZ4} {
		b.Run(string(s), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				enc, dec := NewEncoder(s), NewDecoder(s)
				frame, _ := enc.Encode(nil, msg)
				if _, err := dec.Decode(frame, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	p := giveInputPacket(1)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = p.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendJSONErrorReply(b *testing.B) {
	p := ErrorReply(7, BadArguments(`control "jump" </script> is disabled`, "params.controlID"))
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = p.AppendJSON(buf[:0])
	}
}

func BenchmarkDecodeFrame(b *testing.B) {
	p := giveInputPacket(1)
	frame := p.AppendJSON(nil)
	packets := make([]Packet, 0, 4)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		var err *Error
		packets, _, err = AppendPackets(packets[:0], frame)
		if err != nil || packets[0].Err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeFrameEncodingJSON is the reflection-based baseline the
// hand-written reader replaces.
func BenchmarkDecodeFrameEncodingJSON(b *testing.B) {
	p := giveInputPacket(1)
	frame := p.AppendJSON(nil)
	var v struct {
		ID      uint32          `json:"id"`
		Type    string          `json:"type"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
		Discard bool            `json:"discard"`
		Seq     int32           `json:"seq"`
	}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if err := json.Unmarshal(frame, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// warmUp sends one message, so the lazily built compressor and
// decompressor are not counted as the steady state's allocations.
func warmUp(b *testing.B, enc *Encoder, dec *Decoder, msg []byte) {
	frame, err := enc.Encode(nil, msg)
	if err != nil {
		b.Fatal(err)
	}
	if _, derr := dec.Decode(frame, enc.Binary()); derr != nil {
		b.Fatal(derr)
	}
}

func BenchmarkAppendString(b *testing.B) {
	s := `viewer "jump" pressed <b> at 12:00 — ünïcödé and a plain tail of ascii text`
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}

func BenchmarkAppendStringEncodingJSON(b *testing.B) {
	s := `viewer "jump" pressed <b> at 12:00 — ünïcödé and a plain tail of ascii text`
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = json.Marshal(s)
	}
}
