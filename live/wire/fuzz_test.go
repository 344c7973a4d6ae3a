package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzDecodeFrame(f *testing.F) {
	seeds := []string{
		`{"type":"method","id":123,"discard":false,"method":"divide","seq":42,"params":{"numerator":16,"denominator":4}}`,
		`[{"type":"method","id":123,"method":"divide","seq":42,"params":{}},{"type":"reply","result":4,"id":"123","seq":43,"error":null}]`,
		`{"type":"reply","result":null,"error":{"code":4000,"message":"x","path":"a.b"},"id":1}`,
		`{"type":"method","id":-1,"method":[],"params":[1],"discard":"x","seq":1e3}`,
		`{"t\u0079pe":"reply","id":"7","error":{"code":"x"}}`, `[1,[],{}]`, `[]`, `"x"`, `{`, ``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		packets, batched, err := DecodeFrame(data)
		if !json.Valid(data) {
			if err == nil || err.Code != CodeParse {
				t.Fatalf("invalid JSON gave %v", err)
			}
			return
		}
		if err != nil {
			if err.Code != CodeParse || strings.Contains(err.Message, "not valid JSON") {
				t.Fatalf("valid JSON gave %v", err)
			}
			return
		}
		if !batched && len(packets) != 1 {
			t.Fatalf("an object frame gave %d packets", len(packets))
		}
		for _, p := range packets {
			if p.Err != nil {
				continue
			}
			// What we read, we write back as valid JSON that reads the same.
			out := p.AppendJSON(nil)
			if !json.Valid(out) {
				t.Fatalf("AppendJSON wrote invalid JSON: %s", out)
			}
			if !utf8.ValidString(p.Method) || (p.Error != nil && (!utf8.ValidString(p.Error.Message) || !utf8.ValidString(p.Error.Path))) {
				continue // written with U+FFFD in place of the bad bytes
			}
			again, _, err := DecodeFrame(out)
			if err != nil || len(again) != 1 || !reflect.DeepEqual(again[0], p) {
				t.Fatalf("round trip changed the packet:\n  in %#v\n out %s\nback %#v (%v)", p, out, again, err)
			}
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}

// fuzzDecoder feeds two frames to one decoder: each failure must be a 4001,
// each success exactly as long as its frame declares.
func fuzzDecoder(t *testing.T, s Scheme, first, second []byte) {
	dec := NewDecoder(s)
	failed := false
	for _, frame := range [][]byte{first, second} {
		size, n := binary.Uvarint(frame)
		msg, err := dec.Decode(frame, true)
		if err != nil {
			if err.Code != CodeDecompress {
				t.Fatalf("error code %d", err.Code)
			}
			failed = true
			continue
		}
		if failed {
			t.Fatal("a decoder went on after a failure")
		}
		if n <= 0 || size > MaxMessageSize || uint64(len(msg)) != size {
			t.Fatalf("accepted %d bytes for a frame declaring %d (prefix %d)", len(msg), size, n)
		}
	}
}

func decoderSeeds(f *testing.F, s Scheme) {
	enc := NewEncoder(s)
	a := mustEncodeF(enc, []byte(`{"id":1,"type":"method","method":"giveInput","params":{}}`))
	b := mustEncodeF(enc, bytes.Repeat([]byte(`{"a":1}`), 300))
	f.Add(a, b)
	f.Add(b, a)
	f.Add(withSize(a, MaxMessageSize), b)
	f.Add(a[:len(a)-1], b)
	if s == LZ4 { // linked blocks, block checksums
		linked := append(binary.AppendUvarint(nil, 12), lz4Header(0x50, 0x40)...)
		linked = binary.LittleEndian.AppendUint32(linked, 12|lz4Uncompressed)
		linked = append(linked, "hello world "...)
		linked = binary.LittleEndian.AppendUint32(linked, xxh32([]byte("hello world ")))
		block := []byte{0x08, 12, 0, 0x50, 'a', 'b', 'c', 'd', 'e'}
		next := binary.LittleEndian.AppendUint32(binary.AppendUvarint(nil, 17), uint32(len(block)))
		next = append(next, block...)
		next = binary.LittleEndian.AppendUint32(next, xxh32(block))
		f.Add(linked, next)
	}
	if s == Gzip {
		dir := filepath.Join("testdata", "mixer-gzip-stream")
		s0, _ := os.ReadFile(filepath.Join(dir, "sample0_encoded"))
		s1, _ := os.ReadFile(filepath.Join(dir, "sample1_encoded"))
		f.Add(s0, s1)
	}
}

func mustEncodeF(e *Encoder, msg []byte) []byte {
	frame, err := e.Encode(nil, msg)
	if err != nil {
		panic(err)
	}
	return frame
}

func FuzzGzipDecoder(f *testing.F) {
	decoderSeeds(f, Gzip)
	f.Fuzz(func(t *testing.T, first, second []byte) { fuzzDecoder(t, Gzip, first, second) })
}

func FuzzLZ4Decoder(f *testing.F) {
	decoderSeeds(f, LZ4)
	f.Fuzz(func(t *testing.T, first, second []byte) { fuzzDecoder(t, LZ4, first, second) })
}

// FuzzSchemesRoundTrip sends the input, cut in three messages, through
// each scheme.
func FuzzSchemesRoundTrip(f *testing.F) {
	f.Add([]byte(`{"id":1}{"id":2}{"id":3}`), uint16(8), uint16(16))
	f.Add(bytes.Repeat([]byte{0, 1, 2, 255}, 5000), uint16(0), uint16(19000))
	f.Fuzz(func(t *testing.T, data []byte, i, j uint16) {
		a, b := min(int(i), len(data)), min(int(j), len(data))
		if a > b {
			a, b = b, a
		}
		msgs := [][]byte{data[:a], data[a:b], data[b:]}
		for _, s := range binarySchemes {
			enc, dec := NewEncoder(s), NewDecoder(s)
			for k, msg := range msgs {
				frame, err := enc.Encode(nil, msg)
				if err != nil {
					t.Fatal(err)
				}
				got, derr := dec.Decode(frame, true)
				if derr != nil || !bytes.Equal(got, msg) {
					t.Fatalf("%s message %d (%d bytes): %v", s, k, len(msg), derr)
				}
			}
		}
	})
}

func TestLZ4BlockChecksumIsChecked(t *testing.T) {
	linked := append(binary.AppendUvarint(nil, 12), lz4Header(0x50, 0x40)...)
	linked = binary.LittleEndian.AppendUint32(linked, 12|lz4Uncompressed)
	linked = append(linked, "hello world "...)
	linked = binary.LittleEndian.AppendUint32(linked, xxh32([]byte("hello world ")))
	dec := NewDecoder(LZ4)
	mustDecode(t, dec, linked, "hello world ")
	bad := bytes.Clone(linked)
	bad[len(bad)-1] ^= 1
	if _, err := NewDecoder(LZ4).Decode(bad, true); err == nil {
		t.Fatal("a wrong block checksum was accepted")
	}
}

// FuzzValidJSON holds the frame reader's validator to encoding/json's.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,-0.5e+3,true,false,null,"\u00e9\n"]}`, `[`, `01`, `1.`, `-`, `"\x"`, "\"\x01\"", `{"a" 1}`, `[1,]`, ` {} `, `"\ud800"`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", data, got, want)
		}
	})
}
