package wire

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// appendixCoder restates the specification's sample code (1.7, appendix
// "Sample Code for LZ4 and GZIP Stream Compression"): a writer flushed per
// message into a buffer, and a reader over a buffer that each frame is
// pushed into, created lazily on the first data for gzip.
type appendixCoder struct {
	newReader  func(io.Reader) (io.Reader, error)
	rBuf, wBuf bytes.Buffer
	r          io.Reader
	w          interface {
		io.Writer
		Flush() error
	}
}

func newAppendixGzip() *appendixCoder {
	c := &appendixCoder{newReader: func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }}
	c.w = gzip.NewWriter(&c.wBuf)
	return c
}

// newAppendixLZ4 uses the library's defaults (4 MiB blocks, content
// checksum) unless options are given.
func newAppendixLZ4(opts ...lz4.Option) *appendixCoder {
	c := &appendixCoder{newReader: func(r io.Reader) (io.Reader, error) { return lz4.NewReader(r), nil }}
	w := lz4.NewWriter(&c.wBuf)
	if err := w.Apply(opts...); err != nil {
		panic(err)
	}
	c.w = w
	return c
}

func (c *appendixCoder) encode(msg []byte) ([]byte, error) {
	c.wBuf.Write(binary.AppendUvarint(nil, uint64(len(msg))))
	if _, err := c.w.Write(msg); err != nil {
		return nil, err
	}
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	out := bytes.Clone(c.wBuf.Bytes())
	c.wBuf.Reset()
	return out, nil
}

func (c *appendixCoder) decode(frame []byte) ([]byte, error) {
	size, n := binary.Uvarint(frame)
	if n <= 0 || size > MaxMessageSize {
		return nil, errors.New("bad size")
	}
	c.rBuf.Write(frame[n:])
	if c.r == nil {
		var err error
		if c.r, err = c.newReader(&c.rBuf); err != nil {
			return nil, err
		}
	}
	out := make([]byte, size)
	_, err := io.ReadFull(c.r, out)
	return out, err
}

func TestInteroperatesWithTheSpecsSampleCoder(t *testing.T) {
	msgs := sampleMessages(100)
	peers := []struct {
		name   string
		scheme Scheme
		peer   func() *appendixCoder
	}{
		{"gzip", Gzip, newAppendixGzip},
		{"lz4 defaults", LZ4, func() *appendixCoder { return newAppendixLZ4() }},
		{"lz4 64KiB blocks with block checksums", LZ4, func() *appendixCoder {
			return newAppendixLZ4(lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true))
		}},
		{"lz4 256KiB blocks, high compression", LZ4, func() *appendixCoder {
			return newAppendixLZ4(lz4.BlockSizeOption(lz4.Block256Kb), lz4.CompressionLevelOption(lz4.Level9))
		}},
	}
	for _, p := range peers {
		t.Run(p.name+"/theirs to ours", func(t *testing.T) {
			peer, dec := p.peer(), NewDecoder(p.scheme)
			for i, msg := range msgs {
				frame, err := peer.encode(msg)
				if err != nil {
					t.Fatal(err)
				}
				got, derr := dec.Decode(frame, true)
				if derr != nil || !bytes.Equal(got, msg) {
					t.Fatalf("message %d (%d bytes): %v", i, len(msg), derr)
				}
			}
		})
		t.Run(p.name+"/ours to theirs", func(t *testing.T) {
			enc, peer := NewEncoder(p.scheme), p.peer()
			for i, msg := range msgs {
				frame, err := enc.Encode(nil, msg)
				if err != nil {
					t.Fatal(err)
				}
				got, derr := peer.decode(frame)
				if derr != nil || !bytes.Equal(got, msg) {
					t.Fatalf("message %d (%d bytes): %v", i, len(msg), derr)
				}
			}
		})
	}
}

// lz4Header builds an LZ4 frame header with the given FLG and BD bytes.
func lz4Header(flg, bd byte) []byte {
	h := binary.LittleEndian.AppendUint32(nil, lz4Magic)
	h = append(h, flg, bd)
	return append(h, byte(xxh32(h[4:6])>>8))
}

// TestLZ4LinkedBlocksReferToEarlierFrames decodes a hand-made stream with
// dependent blocks (which other LZ4 writers produce): the second frame's
// block copies its first 12 bytes from the first frame's output.
func TestLZ4LinkedBlocksReferToEarlierFrames(t *testing.T) {
	first := append(binary.AppendUvarint(nil, 12), lz4Header(0x40, 0x40)...) // version 1, linked blocks, 64 KiB
	first = binary.LittleEndian.AppendUint32(first, 12|lz4Uncompressed)
	first = append(first, "hello world "...)
	// One sequence copying 12 bytes from 12 back, then 5 literals.
	block := []byte{0x08, 12, 0, 0x50, 'a', 'b', 'c', 'd', 'e'}
	second := binary.AppendUvarint(nil, 17)
	second = binary.LittleEndian.AppendUint32(second, uint32(len(block)))
	second = append(second, block...)

	dec := NewDecoder(LZ4)
	mustDecode(t, dec, first, "hello world ")
	mustDecode(t, dec, second, "hello world abcde")

	// The same blocks in a stream that declares independent blocks have
	// nothing to refer to.
	indep := append(binary.AppendUvarint(nil, 12), lz4Header(0x60, 0x40)...)
	indep = append(indep, first[len(first)-16:]...)
	dec = NewDecoder(LZ4)
	mustDecode(t, dec, indep, "hello world ")
	if _, err := dec.Decode(second, true); err == nil {
		t.Fatal("an independent block referred to an earlier one")
	}
}

func TestLZ4HeaderChecks(t *testing.T) {
	tests := []struct {
		name   string
		header []byte
	}{
		{"bad checksum", append(lz4Header(0x60, 0x40)[:6], 0)},
		{"version 0", lz4Header(0x20, 0x40)},
		{"reserved bit", lz4Header(0x62, 0x40)},
		{"dictionary id", lz4Header(0x61, 0x40)},
		{"block size 3", lz4Header(0x60, 0x30)},
		{"wrong magic", []byte{1, 2, 3, 4, 0x60, 0x40, 0}},
	}
	for _, tt := range tests {
		frame := append(binary.AppendUvarint(nil, 0), tt.header...)
		if _, err := NewDecoder(LZ4).Decode(frame, true); err == nil || err.Code != CodeDecompress {
			t.Errorf("%s: %v, want 4001", tt.name, err)
		}
	}
	// A skippable frame before the real one is passed over, and an end
	// mark lets a new LZ4 frame follow in the same stream.
	skip := binary.LittleEndian.AppendUint32(nil, 0x184D2A53)
	skip = binary.LittleEndian.AppendUint32(skip, 3)
	skip = append(skip, 9, 9, 9)
	frame := append(binary.AppendUvarint(nil, 2), skip...)
	frame = append(frame, lz4Header(0x64, 0x40)...) // with content checksum
	frame = binary.LittleEndian.AppendUint32(frame, 1|lz4Uncompressed)
	frame = append(frame, 'x')
	frame = binary.LittleEndian.AppendUint32(frame, 0)          // end mark
	frame = binary.LittleEndian.AppendUint32(frame, 0xdeadbeef) // content checksum (not checked)
	frame = append(frame, lz4Header(0x60, 0x70)...)
	frame = binary.LittleEndian.AppendUint32(frame, 1|lz4Uncompressed)
	frame = append(frame, 'y')
	dec := NewDecoder(LZ4)
	mustDecode(t, dec, frame, "xy")
}

func TestXXH32KnownValues(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
	}{
		{"", 0x02CC5D05},
		{"abc", 0x32D153FF},
		{"Nobody inspects the spammish repetition", 0xE2293B2F},
	}
	for _, tt := range tests {
		if got := xxh32([]byte(tt.in)); got != tt.want {
			t.Errorf("xxh32(%q) = %#x, want %#x", tt.in, got, tt.want)
		}
	}
}

// TestLZ4LinkedBlocksReachBack64KiB copies from the farthest offset a
// block may use, after more than 64 KiB of history.
func TestLZ4LinkedBlocksReachBack64KiB(t *testing.T) {
	hist := make([]byte, 100_000)
	for i := range hist {
		hist[i] = byte(i * 7)
	}
	first := append(binary.AppendUvarint(nil, uint64(len(hist))), lz4Header(0x40, 0x40)...)
	for rest := hist; len(rest) > 0; {
		n := min(len(rest), 60_000)
		first = binary.LittleEndian.AppendUint32(first, uint32(n)|lz4Uncompressed)
		first = append(first, rest[:n]...)
		rest = rest[n:]
	}
	block := []byte{0x00, 0xff, 0xff, 0x50, 'a', 'b', 'c', 'd', 'e'} // 4 bytes from 65535 back, then 5 literals
	second := binary.LittleEndian.AppendUint32(binary.AppendUvarint(nil, 9), uint32(len(block)))
	second = append(second, block...)

	dec := NewDecoder(LZ4)
	if got, err := dec.Decode(first, true); err != nil || !bytes.Equal(got, hist) {
		t.Fatalf("first frame: %v", err)
	}
	want := string(hist[len(hist)-65535:len(hist)-65535+4]) + "abcde"
	mustDecode(t, dec, second, want)
}
