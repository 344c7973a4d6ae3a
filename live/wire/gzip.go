package wire

import (
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
)

// gzipEncoder writes one gzip stream, flushed (Z_SYNC_FLUSH) after each
// message so every frame ends on a byte boundary with 00 00 ff ff.
type gzipEncoder struct {
	out appendWriter
	w   *gzip.Writer
}

func newGzipEncoder() *gzipEncoder {
	e := &gzipEncoder{}
	e.w = gzip.NewWriter(&e.out)
	return e
}

func (e *gzipEncoder) encode(dst, msg []byte) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(len(msg)))
	e.out.buf = dst
	_, err := e.w.Write(msg)
	if err == nil {
		err = e.w.Flush()
	}
	dst, e.out.buf = e.out.buf, nil
	if err != nil {
		return dst, errors.Join(errors.New("wire: gzip encode"), err)
	}
	return dst, nil
}

func (e *gzipEncoder) reset() { e.w.Reset(&e.out) }

// gzipDecoder reads one gzip stream spread over frames. It parses the gzip
// header itself and runs a raw flate reader, because the stream never ends
// (there is no trailer to check) and because flate must read exactly the
// bytes a frame holds: src hands it this frame's bytes and nothing more.
type gzipDecoder struct {
	src    frameSource
	fr     io.ReadCloser
	header bool
	buf    []byte
}

// maxCarry bounds the compressed bytes left over after a message's last
// byte, which wait for the next frame. A correct sender leaves at most the
// end-of-block code and the sync-flush block there (7 bytes, when a message
// ends exactly where flate's 32 KiB window wraps); more is an attack.
const maxCarry = 16

// syncMarker ends every frame: the empty stored block a Z_SYNC_FLUSH (Go's
// Flush, zlib, pako) writes. Requiring it catches truncated frames before
// the stream is read, and means each frame ends on a block boundary.
const syncMarker = "\x00\x00\xff\xff"

func (d *gzipDecoder) decode(data []byte, size int) ([]byte, error) {
	if len(data) < len(syncMarker) || string(data[len(data)-len(syncMarker):]) != syncMarker {
		return nil, errors.New("the frame does not end with a sync flush (00 00 ff ff)")
	}
	d.src.cur = data
	defer func() { d.src.cur = nil }() // never keep the caller's frame
	if !d.header {
		if err := readGzipHeader(&d.src); err != nil {
			return nil, err
		}
		d.header = true
		if d.fr == nil {
			d.fr = flate.NewReader(&d.src)
		} else if err := d.fr.(flate.Resetter).Reset(&d.src, nil); err != nil {
			return nil, err
		}
	}
	if cap(d.buf) > retainLimit {
		d.buf = nil
	}
	// Read until size bytes have come, always offering one byte more than
	// that: flate returns data as soon as it has some, so the extra byte
	// shows output beyond the declared size without asking flate to go on
	// past the frame.
	out := d.buf[:0]
	for len(out) < size {
		out = growTo(out, min(len(out)+1, size+1))
		n, err := d.fr.Read(out[len(out):min(cap(out), size+1)])
		out = out[:len(out)+n]
		if len(out) > size {
			d.buf = out
			return nil, errors.New("the data decompresses to more than the declared " + strconv.Itoa(size) + " bytes")
		}
		if err != nil { // even with the message complete: the stream is broken
			d.buf = out
			switch {
			case err == io.EOF:
				return nil, errors.New("the gzip stream ended")
			case errors.Is(err, io.ErrUnexpectedEOF) && len(out) < size:
				return nil, errors.New("the data decompresses to " + strconv.Itoa(len(out)) + " bytes, not the declared " + strconv.Itoa(size))
			case errors.Is(err, io.ErrUnexpectedEOF):
				return nil, errors.New("the frame ends inside a deflate block")
			}
			return nil, errors.New("corrupt deflate data: " + err.Error())
		}
	}
	d.buf = out
	if err := d.src.carryRest(); err != nil {
		return nil, err
	}
	return out, nil
}

func (d *gzipDecoder) reset() {
	d.header = false
	d.src.carry, d.src.cur = nil, nil
}

// frameSource feeds a decompressor the bytes left from earlier frames, then
// the current frame's, and reports io.EOF when they run out instead of
// waiting for more: a frame must hold all its message.
type frameSource struct {
	carry []byte // unread bytes of earlier frames, in keep
	cur   []byte // the current frame
	keep  [maxCarry]byte
}

func (s *frameSource) ReadByte() (byte, error) {
	if len(s.carry) > 0 {
		b := s.carry[0]
		s.carry = s.carry[1:]
		return b, nil
	}
	if len(s.cur) > 0 {
		b := s.cur[0]
		s.cur = s.cur[1:]
		return b, nil
	}
	return 0, io.EOF
}

func (s *frameSource) Read(p []byte) (int, error) {
	n := copy(p, s.carry)
	s.carry = s.carry[n:]
	m := copy(p[n:], s.cur)
	s.cur = s.cur[m:]
	if n+m == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n + m, nil
}

// carryRest keeps what the decompressor did not read for the next frame.
func (s *frameSource) carryRest() error {
	rest := len(s.carry) + len(s.cur)
	if rest > maxCarry {
		return errors.New(strconv.Itoa(rest) + " bytes of compressed data follow the end of the message")
	}
	var tmp [maxCarry]byte // s.carry may point into s.keep
	n := copy(tmp[:], s.carry)
	n += copy(tmp[n:], s.cur)
	s.keep = tmp
	s.carry, s.cur = s.keep[:n], nil
	return nil
}

// gzip header flags (RFC 1952 2.3.1).
const (
	gzipFlagHCRC    = 1 << 1
	gzipFlagExtra   = 1 << 2
	gzipFlagName    = 1 << 3
	gzipFlagComment = 1 << 4
	gzipFlagReserve = 0xe0
)

var errBadGzipHeader = errors.New("the stream does not start with a gzip header")

// readGzipHeader consumes a gzip member header (RFC 1952), which must be in
// the stream's first frame.
func readGzipHeader(s *frameSource) error {
	var h [10]byte
	if _, err := io.ReadFull(s, h[:]); err != nil {
		return errBadGzipHeader
	}
	if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || h[3]&gzipFlagReserve != 0 {
		return errBadGzipHeader
	}
	flags := h[3]
	if flags&gzipFlagExtra != 0 {
		if _, err := io.ReadFull(s, h[:2]); err != nil {
			return errBadGzipHeader
		}
		for n := binary.LittleEndian.Uint16(h[:2]); n > 0; n-- {
			if _, err := s.ReadByte(); err != nil {
				return errBadGzipHeader
			}
		}
	}
	for _, f := range []byte{gzipFlagName, gzipFlagComment} {
		if flags&f == 0 {
			continue
		}
		for {
			b, err := s.ReadByte()
			if err != nil {
				return errBadGzipHeader
			}
			if b == 0 {
				break
			}
		}
	}
	if flags&gzipFlagHCRC != 0 {
		if _, err := io.ReadFull(s, h[:2]); err != nil {
			return errBadGzipHeader
		}
	}
	return nil
}
