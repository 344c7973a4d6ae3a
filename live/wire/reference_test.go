package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// referenceMessage is message(i) of testdata/reference/gen.py, which made
// the frames these tests read with zlib and the lz4 tool.
func referenceMessage(i int) []byte {
	n := 1 + (i*37)%300
	if i%9 == 8 {
		n = 300 + i*40
	}
	inputs := make([]string, n)
	for j := range inputs {
		inputs[j] = fmt.Sprintf(`{"controlID":"b%d","event":"mousedown","button":%d}`, j, j%3)
	}
	return fmt.Appendf(nil, `{"id":%d,"type":"method","method":"giveInput","params":{"participantID":"p%d","inputs":[%s]},"discard":true,"seq":%d}`,
		i, i%17, strings.Join(inputs, ","), i)
}

// TestDecodesZlibStreams reads gzip streams written by zlib (C) with
// Z_SYNC_FLUSH at levels 1 and 6 and Z_FULL_FLUSH at level 9.
func TestDecodesZlibStreams(t *testing.T) {
	for _, name := range []string{"zlib-level6-sync.frames", "zlib-level1-sync.frames", "zlib-level9-full.frames"} {
		t.Run(name, func(t *testing.T) {
			data := readFile(t, filepath.Join("testdata", "reference", name))
			dec := NewDecoder(Gzip)
			i := 0
			for ; len(data) > 0; i++ {
				n := binary.BigEndian.Uint32(data)
				frame := data[4 : 4+n]
				data = data[4+n:]
				got, err := dec.Decode(frame, true)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if want := referenceMessage(i); !bytes.Equal(got, want) {
					t.Fatalf("frame %d: got %d bytes, want %d", i, len(got), len(want))
				}
			}
			if i != 60 {
				t.Fatalf("read %d frames, want 60", i)
			}
		})
	}
}

// TestDecodesTheLZ4ToolsLinkedBlocks splits a stream the lz4 tool wrote
// with linked 64 KiB blocks, block and content checksums (lz4 -B4 -BD -BX)
// into one WebSocket frame per block, as a peer flushing per 64 KiB
// message would send it.
func TestDecodesTheLZ4ToolsLinkedBlocks(t *testing.T) {
	var want []byte
	for i := 0; len(want) < 4*65536; i++ {
		want = append(append(want, referenceMessage(i)...), '\n')
	}
	want = want[:4*65536]

	stream := readFile(t, filepath.Join("testdata", "reference", "lz4cli-linked-64k.lz4"))
	if flg := stream[4]; flg&0x20 != 0 || flg&0x10 == 0 {
		t.Fatalf("the fixture should have linked blocks with checksums, FLG %#x", flg)
	}
	header, rest := stream[:7], stream[7:]
	dec := NewDecoder(LZ4)
	for k := range 4 {
		size := int(binary.LittleEndian.Uint32(rest) &^ lz4Uncompressed)
		block := rest[:4+size+4] // size, data, block checksum
		rest = rest[len(block):]
		frame := binary.AppendUvarint(nil, 65536)
		if k == 0 {
			frame = append(frame, header...)
		}
		frame = append(frame, block...)
		if k == 3 {
			frame = append(frame, rest...) // end mark and content checksum
		}
		got, err := dec.Decode(frame, true)
		if err != nil {
			t.Fatalf("block %d: %v", k, err)
		}
		if !bytes.Equal(got, want[k*65536:(k+1)*65536]) {
			t.Fatalf("block %d decoded wrong", k)
		}
	}
}
