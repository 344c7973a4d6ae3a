package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/pierrec/lz4/v4"
)

// lz4Encoder writes one LZ4 frame (the LZ4 frame format) that never ends,
// flushed after each message so a frame of ours holds whole blocks.
// Blocks are at most 64 KiB to keep a connection's buffers small, and the
// content checksum is off: it would only be written when the stream
// closes, which it never does.
type lz4Encoder struct {
	out appendWriter
	w   *lz4.Writer
}

func newLZ4Encoder() *lz4Encoder {
	e := &lz4Encoder{}
	e.w = lz4.NewWriter(&e.out)
	e.apply()
	return e
}

func (e *lz4Encoder) apply() {
	// The options are valid constants; Apply only fails on a used writer.
	_ = e.w.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false),
		lz4.BlockChecksumOption(false), lz4.ConcurrencyOption(1), lz4.CompressionLevelOption(lz4.Fast))
}

func (e *lz4Encoder) encode(dst, msg []byte) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(len(msg)))
	e.out.buf = dst
	_, err := e.w.Write(msg)
	if err == nil {
		err = e.w.Flush()
	}
	dst, e.out.buf = e.out.buf, nil
	if err != nil {
		return dst, errors.Join(errors.New("wire: lz4 encode"), err)
	}
	return dst, nil
}

func (e *lz4Encoder) reset() {
	e.w.Reset(&e.out)
	e.apply()
}

// LZ4 frame format constants (lz4_Frame_format.md).
const (
	lz4Magic         = 0x184D2204
	lz4SkipMagicMask = 0xFFFFFFF0
	lz4SkipMagic     = 0x184D2A50
	lz4Uncompressed  = 1 << 31 // block size flag: the block is stored
	lz4DictSize      = 64 << 10
)

// lz4Decoder reads one LZ4 frame spread over WebSocket frames. It parses
// the frame format itself, because the library's Reader asks for more
// input after each block and a frame of ours must be decoded on its own.
// Each frame must hold whole blocks, which any writer flushed per message
// produces. Linked (dependent) blocks are supported through hist.
type lz4Decoder struct {
	header      bool
	independent bool
	blockSum    bool
	contentSum  bool
	maxBlock    int
	buf         []byte
	hist        []byte // the last 64 KiB of output, for linked blocks
}

func (d *lz4Decoder) reset() {
	d.header = false
	d.hist = d.hist[:0]
}

func (d *lz4Decoder) decode(data []byte, size int) (msg []byte, err error) {
	// The block decoder is the library's assembly, fed hostile input; it
	// once dereferenced an empty destination (see below). Should it fault
	// again, the peer gets a 4001 instead of crashing the process.
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("the lz4 block decoder failed: %v", r)
		}
	}()
	if cap(d.buf) > retainLimit {
		d.buf = nil
	}
	out := d.buf[:0]
	defer func() { d.buf = out[:0] }()
	for len(data) > 0 {
		if !d.header {
			rest, err := d.readHeader(data)
			if err != nil {
				return nil, err
			}
			data = rest
			continue
		}
		if len(data) < 4 {
			return nil, errors.New("the frame ends inside a block header")
		}
		bs := binary.LittleEndian.Uint32(data)
		data = data[4:]
		if bs == 0 { // end mark: the LZ4 frame ends; another may follow
			if d.contentSum {
				if len(data) < 4 {
					return nil, errors.New("the frame ends inside the content checksum")
				}
				data = data[4:]
			}
			d.reset()
			continue
		}
		stored := bs&lz4Uncompressed != 0
		n := int(bs &^ lz4Uncompressed)
		if n > d.maxBlock {
			return nil, errors.New("a block of " + strconv.Itoa(n) + " bytes exceeds the stream's block size")
		}
		need := n
		if d.blockSum {
			need += 4
		}
		if len(data) < need {
			return nil, errors.New("the frame ends inside a block")
		}
		block := data[:n]
		if d.blockSum && xxh32(block) != binary.LittleEndian.Uint32(data[n:]) {
			return nil, errors.New("a block checksum does not match")
		}
		data = data[need:]

		start := len(out)
		if stored {
			if n > size-start {
				return nil, errors.New("the data decompresses to more than the declared " + strconv.Itoa(size) + " bytes")
			}
			out = append(growTo(out, start+n), block...)
		} else {
			// A block yields at most maxBlock bytes and at most about 255
			// bytes per compressed byte; never make room for more than
			// that, so a tiny frame declaring a huge size allocates little.
			room := min(size-start, d.maxBlock, 255*n+64)
			if room == 0 {
				// Also keeps an empty dst from the library's assembly
				// decoder, which dereferences it (found by FuzzLZ4Decoder).
				return nil, errors.New("a block does not decompress within the declared " + strconv.Itoa(size) + " bytes")
			}
			out = growTo(out, start+room)
			var dict []byte
			if !d.independent {
				dict = d.hist[max(0, len(d.hist)-lz4DictSize):] // offsets reach back 64 KiB
			}
			m, err := lz4.UncompressBlockWithDict(block, out[start:start+room], dict)
			if err != nil {
				if room == size-start {
					return nil, errors.New("a block does not decompress within the declared " + strconv.Itoa(size) + " bytes")
				}
				return nil, errors.New("a block does not decompress: " + err.Error())
			}
			out = out[:start+m]
		}
		if !d.independent {
			d.remember(out[start:])
		}
	}
	if len(out) != size {
		return nil, errors.New("the data decompresses to " + strconv.Itoa(len(out)) + " bytes, not the declared " + strconv.Itoa(size))
	}
	return out, nil
}

// remember appends a block's output to the history that linked blocks may
// refer to, keeping the last 64 KiB.
func (d *lz4Decoder) remember(b []byte) {
	if len(b) >= lz4DictSize {
		d.hist = append(d.hist[:0], b[len(b)-lz4DictSize:]...)
		return
	}
	if len(d.hist)+len(b) > 2*lz4DictSize {
		keep := lz4DictSize - len(b)
		d.hist = append(d.hist[:0], d.hist[len(d.hist)-keep:]...)
	}
	d.hist = append(d.hist, b...) // up to 128 KiB, so sliding is rare
}

// readHeader parses an LZ4 frame header (or skips a skippable frame) at
// the start of data and returns what follows it.
func (d *lz4Decoder) readHeader(data []byte) ([]byte, error) {
	if len(data) < 4 {
		return nil, errors.New("the frame ends inside the LZ4 magic number")
	}
	magic := binary.LittleEndian.Uint32(data)
	if magic&lz4SkipMagicMask == lz4SkipMagic {
		if len(data) < 8 || uint64(len(data)-8) < uint64(binary.LittleEndian.Uint32(data[4:])) {
			return nil, errors.New("the frame ends inside a skippable LZ4 frame")
		}
		return data[8+int(binary.LittleEndian.Uint32(data[4:])):], nil
	}
	if magic != lz4Magic {
		return nil, errors.New("the stream does not start with the LZ4 magic number")
	}
	if len(data) < 7 {
		return nil, errors.New("the frame ends inside the LZ4 frame header")
	}
	flg, bd := data[4], data[5]
	hlen := 2
	if flg&0x08 != 0 { // content size
		hlen += 8
	}
	if flg&0x01 != 0 {
		return nil, errors.New("LZ4 dictionary IDs are not supported")
	}
	if len(data) < 4+hlen+1 {
		return nil, errors.New("the frame ends inside the LZ4 frame header")
	}
	if byte(xxh32(data[4:4+hlen])>>8) != data[4+hlen] {
		return nil, errors.New("the LZ4 header checksum does not match")
	}
	if flg>>6 != 1 || flg&0x02 != 0 || bd&0x8f != 0 {
		return nil, errors.New("unsupported LZ4 frame version or reserved bits set")
	}
	switch bd >> 4 & 7 {
	case 4:
		d.maxBlock = 64 << 10
	case 5:
		d.maxBlock = 256 << 10
	case 6:
		d.maxBlock = 1 << 20
	case 7:
		d.maxBlock = 4 << 20
	default:
		return nil, errors.New("invalid LZ4 block size")
	}
	d.independent = flg&0x20 != 0
	d.blockSum = flg&0x10 != 0
	d.contentSum = flg&0x04 != 0
	d.header = true
	d.hist = d.hist[:0]
	return data[4+hlen+1:], nil
}
