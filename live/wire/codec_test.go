package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var binarySchemes = []Scheme{Gzip, LZ4}

// sampleMessages returns n messages of varied size and content: small
// packets, JSON a few KiB to 150 KiB long (crossing gzip's 32 KiB window
// and LZ4's 64 KiB blocks), incompressible bytes and empty messages.
func sampleMessages(n int) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	msgs := make([][]byte, n)
	for i := range msgs {
		switch i % 7 {
		case 0:
			msgs[i] = fmt.Appendf(nil, `{"id":%d,"type":"method","method":"giveInput","params":{"participantID":"p%d","input":{"controlID":"b%d","event":"mousedown","button":0}},"discard":true,"seq":%d}`, i, rng.IntN(1000), i%5, i)
		case 1:
			var b bytes.Buffer
			b.WriteString(`{"id":1,"type":"method","method":"onControlUpdate","params":{"sceneID":"default","controls":[`)
			for j := range rng.IntN(2000) {
				fmt.Fprintf(&b, `{"controlID":"c%d","text":"%d","cost":%d},`, j, rng.Int64(), j)
			}
			b.WriteString(`{}]}}`)
			msgs[i] = b.Bytes()
		case 2:
			msgs[i] = make([]byte, rng.IntN(100_000))
			for j := range msgs[i] {
				msgs[i][j] = byte(rng.Uint32())
			}
		case 3:
			msgs[i] = []byte{}
		case 4:
			msgs[i] = bytes.Repeat([]byte(`{"a":"b"}`), 1+rng.IntN(20_000))
		default:
			msgs[i] = fmt.Appendf(nil, `{"id":%d,"type":"reply","result":{"time":%d},"error":null,"seq":%d}`, i, rng.Int64(), i)
		}
	}
	return msgs
}

func TestSchemesRoundTripManyMessages(t *testing.T) {
	msgs := sampleMessages(100)
	for _, s := range append([]Scheme{None}, binarySchemes...) {
		t.Run(string(s), func(t *testing.T) {
			enc, dec := NewEncoder(s), NewDecoder(s)
			if enc.Binary() != s.Binary() || enc.Scheme() != s || dec.Scheme() != s {
				t.Fatal("scheme accessors disagree")
			}
			var frame []byte
			for i, msg := range msgs {
				var err error
				frame, err = enc.Encode(frame[:0], msg)
				if err != nil {
					t.Fatalf("message %d: Encode: %v", i, err)
				}
				got, derr := dec.Decode(frame, enc.Binary())
				if derr != nil {
					t.Fatalf("message %d (%d bytes): Decode: %v", i, len(msg), derr)
				}
				if !bytes.Equal(got, msg) {
					t.Fatalf("message %d: got %d bytes, want %d", i, len(got), len(msg))
				}
			}
		})
	}
}

// TestGzipMessageEndingOnTheWindowEdge sends messages whose ends fall
// exactly on flate's 32 KiB window boundary, where the reader hands out the
// message before it has read the end of the flushed block.
func TestGzipMessageEndingOnTheWindowEdge(t *testing.T) {
	enc, dec := NewEncoder(Gzip), NewDecoder(Gzip)
	rng := rand.New(rand.NewPCG(3, 4))
	total, carried := 0, 0
	for i := range 40 {
		n := 1 + rng.IntN(5000)
		if i%2 == 1 {
			n = 32768 - total%32768 // end exactly at the next window edge
		}
		msg := make([]byte, n)
		for j := range msg {
			msg[j] = "abcdefgh"[rng.IntN(8)]
			if i%4 == 3 {
				msg[j] = byte(rng.Uint32()) // stored blocks
			}
		}
		frame, err := enc.Encode(nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		got, derr := dec.Decode(frame, true)
		if derr != nil || !bytes.Equal(got, msg) {
			t.Fatalf("message %d (%d bytes, stream offset %d): %v", i, n, total, derr)
		}
		total += n
		if len(dec.gzip.src.carry) > 0 {
			carried++
		}
	}
	if carried == 0 {
		t.Fatal("no message ended before the end of its frame was read: the edge case was not exercised")
	}
	t.Logf("%d of 40 frames left bytes for the next one", carried)
}

func TestDecoderReadsMixersGzipFrames(t *testing.T) {
	dir := filepath.Join("testdata", "mixer-gzip-stream")
	dec := NewDecoder(Gzip)
	for i := range 3 {
		frame := readFile(t, filepath.Join(dir, fmt.Sprintf("sample%d_encoded", i)))
		want := bytes.TrimSuffix(readFile(t, filepath.Join(dir, fmt.Sprintf("sample%d_decoded", i))), []byte("\n"))
		got, err := dec.Decode(frame, true)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame %d:\n got %s\nwant %s", i, got, want)
		}
	}
	got, err := NewDecoder(Gzip).Decode(readFile(t, filepath.Join(dir, "gzipped_square_reply")), true)
	if err != nil || string(got) != `{"id":1,"type":"reply","result":4}` {
		t.Fatalf("gzipped_square_reply = %q, %v", got, err)
	}
	packets, _, perr := DecodeFrame(got)
	if perr != nil || len(packets) != 1 || packets[0].ID != 1 || string(packets[0].Result) != "4" {
		t.Fatalf("square reply packet = %+v, %v", packets, perr)
	}
}

func TestMixersGzipFramesMustBeReadInOrder(t *testing.T) {
	frame := readFile(t, filepath.Join("testdata", "mixer-gzip-stream", "sample1_encoded"))
	if _, err := NewDecoder(Gzip).Decode(frame, true); err == nil || err.Code != CodeDecompress {
		t.Fatalf("a mid-stream frame on a fresh decoder: %v, want 4001", err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRenegotiationResetsBothStreams(t *testing.T) {
	for _, s := range binarySchemes {
		t.Run(string(s), func(t *testing.T) {
			enc, dec := NewEncoder(s), NewDecoder(s)
			first := mustEncode(t, enc, []byte(`{"id":1}`))
			mustDecode(t, dec, first, `{"id":1}`)
			mustDecode(t, dec, mustEncode(t, enc, []byte(`{"id":2}`)), `{"id":2}`)

			enc.Reset() // setCompression chose the same scheme again
			again := mustEncode(t, enc, []byte(`{"id":1}`))
			if !bytes.Equal(again, first) {
				t.Fatalf("after Reset the stream should start afresh:\n got % x\nwant % x", again, first)
			}
			// A decoder that was not reset reads the new header as data.
			stale := NewDecoder(s)
			mustDecode(t, stale, first, `{"id":1}`)
			if _, err := stale.Decode(again, true); err == nil {
				t.Fatal("a decoder that was not reset accepted a new stream")
			}
			dec.Reset()
			mustDecode(t, dec, again, `{"id":1}`)
			mustDecode(t, dec, mustEncode(t, enc, []byte(`{"id":3}`)), `{"id":3}`)
		})
	}
}

func mustEncode(t *testing.T, e *Encoder, msg []byte) []byte {
	t.Helper()
	f, err := e.Encode(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustDecode(t *testing.T, d *Decoder, frame []byte, want string) {
	t.Helper()
	got, err := d.Decode(frame, true)
	if err != nil || string(got) != want {
		t.Fatalf("Decode = %q, %v; want %q", got, err, want)
	}
}

func TestTextFramesPassUnderEveryScheme(t *testing.T) {
	for _, s := range []Scheme{None, Gzip, LZ4} {
		dec := NewDecoder(s)
		msg := []byte(`{"type":"method","id":1,"method":"getTime"}`)
		if got, err := dec.Decode(msg, false); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%s: text frame = %q, %v", s, got, err)
		}
	}
	if got, err := NewDecoder(None).Decode([]byte(`{}`), true); err != nil || string(got) != `{}` {
		t.Fatalf("binary frame under none = %q, %v", got, err)
	}
	if NewEncoder("brotli").Scheme() != None || NewDecoder("brotli").Scheme() != None {
		t.Fatal("an unknown scheme should fall back to none")
	}
}

// withSize replaces a frame's uvarint length prefix.
func withSize(frame []byte, size uint64) []byte {
	_, n := binary.Uvarint(frame)
	return append(binary.AppendUvarint(nil, size), frame[n:]...)
}

func TestDecoderRefusesBadFramesWith4001(t *testing.T) {
	msg := []byte(strings.Repeat(`{"id":1,"type":"method","method":"giveInput"}`, 20))
	for _, s := range binarySchemes {
		good := mustEncode(t, NewEncoder(s), msg)
		tests := []struct {
			name  string
			frame []byte
			msg   string
		}{
			{"empty frame", nil, "uvarint"},
			{"unfinished uvarint", []byte{0x80, 0x80}, "uvarint"},
			{"overflowing uvarint", bytes.Repeat([]byte{0xff}, 11), "uvarint"},
			{"declared size over the limit", withSize(good, MaxMessageSize+1), "exceeds 2000000"},
			{"huge declared size", withSize(good, 1<<62), "exceeds"},
			{"declared size larger than the data", withSize(good, uint64(len(msg)+1)), "declared"},
			{"limit declared, little data", withSize(good, MaxMessageSize), "declared"},
			{"declared size smaller than the data", withSize(good, uint64(len(msg)-1)), ""},
			{"declared zero", withSize(good, 0), ""},
			{"truncated", good[:len(good)-3], ""},
			{"truncated header", good[:4], ""},
			{"no header", append([]byte{10}, bytes.Repeat([]byte{0x55}, 30)...), ""},
			{"garbage", append(binary.AppendUvarint(nil, 100), []byte("this is not compressed at all, not at all")...), ""},
			{"trailing garbage", append(bytes.Clone(good), bytes.Repeat([]byte{7}, 100)...), ""},
		}
		for _, tt := range tests {
			t.Run(string(s)+"/"+tt.name, func(t *testing.T) {
				dec := NewDecoder(s)
				got, err := dec.Decode(tt.frame, true)
				if err == nil {
					t.Fatalf("Decode accepted it: %d bytes", len(got))
				}
				if err.Code != CodeDecompress || !strings.Contains(err.Message, tt.msg) {
					t.Fatalf("err = %v, want 4001 mentioning %q", err, tt.msg)
				}
				// The stream has lost its place: later frames fail too.
				if _, again := dec.Decode(good, true); again == nil || again.Code != CodeDecompress {
					t.Fatalf("after a failure Decode = %v, want the same 4001", again)
				}
				dec.Reset()
				if got, err := dec.Decode(good, true); err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("after Reset: %v", err)
				}
			})
		}
	}
}

func TestDecoderAcceptsTheLimitExactly(t *testing.T) {
	msg := bytes.Repeat([]byte("0123456789"), MaxMessageSize/10)
	for _, s := range binarySchemes {
		frame := mustEncode(t, NewEncoder(s), msg)
		got, err := NewDecoder(s).Decode(frame, true)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%s: a %d-byte message: %v", s, len(msg), err)
		}
		big := mustEncode(t, NewEncoder(s), append(msg, '!'))
		if _, err := NewDecoder(s).Decode(big, true); err == nil || err.Code != CodeDecompress {
			t.Fatalf("%s: a message one byte over the limit: %v", s, err)
		}
	}
}

// TestHostileFramesDoNotCostTheDeclaredSize sends tiny frames that declare
// the largest allowed size: the decoder must not allocate 2 MB for each.
func TestHostileFramesDoNotCostTheDeclaredSize(t *testing.T) {
	for _, s := range binarySchemes {
		good := mustEncode(t, NewEncoder(s), []byte(`{"id":1}`))
		hostile := withSize(good, MaxMessageSize)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		const rounds = 200
		for range rounds {
			dec := NewDecoder(s)
			if _, err := dec.Decode(hostile, true); err == nil {
				t.Fatalf("%s: accepted a frame declaring %d bytes", s, MaxMessageSize)
			}
		}
		runtime.ReadMemStats(&after)
		perFrame := (after.TotalAlloc - before.TotalAlloc) / rounds
		t.Logf("%s: %d bytes allocated per hostile frame on a fresh decoder", s, perFrame)
		if perFrame > 256<<10 {
			t.Fatalf("%s: %d bytes allocated per hostile frame", s, perFrame)
		}
	}
}

// TestDecoderDropsABigBufferAfterwards: one large message must not pin its
// size in the connection's decoder for the rest of the session.
func TestDecoderDropsABigBufferAfterwards(t *testing.T) {
	big := bytes.Repeat([]byte(`{"controlID":"b","event":"mousedown"},`), 30_000) // ~1.1 MB
	for _, s := range binarySchemes {
		enc, dec := NewEncoder(s), NewDecoder(s)
		if got, err := dec.Decode(mustEncode(t, enc, big), true); err != nil || len(got) != len(big) {
			t.Fatalf("%s: big message: %v", s, err)
		}
		if got, err := dec.Decode(mustEncode(t, enc, []byte(`{"id":1}`)), true); err != nil || string(got) != `{"id":1}` {
			t.Fatalf("%s: small message: %v", s, err)
		}
		held := cap(dec.gzip.bufOrNil()) + cap(dec.lz4.bufOrNil())
		if held > retainLimit {
			t.Fatalf("%s: the decoder still holds %d bytes after a small message", s, held)
		}
	}
}

// TestEncoderAndDecoderRunConcurrently: a connection's writer encodes while
// its reader decodes; under -race this checks they share nothing.
func TestEncoderAndDecoderRunConcurrently(t *testing.T) {
	msgs := sampleMessages(30)
	for _, s := range binarySchemes {
		enc, dec := NewEncoder(s), NewDecoder(s) // one connection's two directions
		peerEnc := NewEncoder(s)
		frames := make([][]byte, len(msgs))
		for i, m := range msgs {
			frames[i] = mustEncode(t, peerEnc, m)
		}
		done := make(chan error)
		go func() {
			var err error
			for _, m := range msgs {
				if _, e := enc.Encode(nil, m); e != nil {
					err = e
				}
			}
			done <- err
		}()
		for i, f := range frames {
			if got, err := dec.Decode(f, true); err != nil || !bytes.Equal(got, msgs[i]) {
				t.Errorf("%s: message %d: %v", s, i, err)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// bufOrNil lets tests see what a decoder holds between messages.
func (d *gzipDecoder) bufOrNil() []byte {
	if d == nil {
		return nil
	}
	return d.buf
}

func (d *lz4Decoder) bufOrNil() []byte {
	if d == nil {
		return nil
	}
	return d.buf
}
