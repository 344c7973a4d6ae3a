package wire

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// MaxMessageSize is the largest uncompressed message a Decoder accepts, the
// limit of the specification's sample code.
const MaxMessageSize = 2_000_000

// Encoder compresses the messages one side sends, as one continuous stream
// under its Scheme. It is not safe for concurrent use; an Encoder and a
// Decoder may be used concurrently with each other.
type Encoder struct {
	scheme Scheme
	gzip   *gzipEncoder
	lz4    *lz4Encoder
}

// NewEncoder returns an Encoder for s; a scheme this package does not
// implement (see ParseScheme) is treated as None.
func NewEncoder(s Scheme) *Encoder {
	e := &Encoder{scheme: s}
	switch s {
	case Gzip:
		e.gzip = newGzipEncoder()
	case LZ4:
		e.lz4 = newLZ4Encoder()
	default:
		e.scheme = None
	}
	return e
}

// Scheme returns the encoder's scheme.
func (e *Encoder) Scheme() Scheme { return e.scheme }

// Binary reports whether Encode's frames go in binary WebSocket frames.
func (e *Encoder) Binary() bool { return e.scheme.Binary() }

// Encode appends to dst the frame carrying msg: msg itself under None;
// under gzip and lz4, the uvarint of len(msg), then the compressed bytes,
// flushed so the peer can decode the frame alone. The first frame of a
// stream carries the gzip or LZ4 frame header. In steady state Encode does
// not allocate when dst has room.
func (e *Encoder) Encode(dst, msg []byte) ([]byte, error) {
	switch e.scheme {
	case Gzip:
		return e.gzip.encode(dst, msg)
	case LZ4:
		return e.lz4.encode(dst, msg)
	}
	return append(dst, msg...), nil
}

// Reset starts a new stream, as choosing a scheme again in setCompression
// requires: the next frame carries a fresh header and refers to nothing
// sent before. It keeps the encoder's buffers.
func (e *Encoder) Reset() {
	switch e.scheme {
	case Gzip:
		e.gzip.reset()
	case LZ4:
		e.lz4.reset()
	}
}

// Decoder reads the frames the peer sends under one Scheme, treating
// successive binary frames as one stream. It is not safe for concurrent use.
//
// Any failure is a 4001 *Error and is final: the stream has lost its
// place, so every later call fails the same way until Reset (the
// connection should be closed or compression negotiated again).
type Decoder struct {
	scheme Scheme
	gzip   *gzipDecoder
	lz4    *lz4Decoder
	err    *Error
}

// NewDecoder returns a Decoder for s; a scheme this package does not
// implement is treated as None.
func NewDecoder(s Scheme) *Decoder {
	d := &Decoder{scheme: s}
	switch s {
	case Gzip:
		d.gzip = &gzipDecoder{}
	case LZ4:
		d.lz4 = &lz4Decoder{}
	default:
		d.scheme = None
	}
	return d
}

// Scheme returns the decoder's scheme.
func (d *Decoder) Scheme() Scheme { return d.scheme }

// Decode returns the message a frame carries. Text frames are plain JSON
// under every scheme (the specification requires none to be accepted
// always) and are returned as they are, as are binary frames under None.
// Binary frames under gzip and lz4 are decompressed; the message must
// declare at most MaxMessageSize bytes and decompress to exactly the
// declared size.
//
// The returned slice is frame itself or points into the decoder's buffer,
// valid until the next call to Decode or Reset.
func (d *Decoder) Decode(frame []byte, isBinary bool) ([]byte, *Error) {
	if !isBinary || d.scheme == None {
		return frame, nil
	}
	if d.err != nil {
		return nil, d.err
	}
	size, n := binary.Uvarint(frame)
	var msg []byte
	var err error
	if n <= 0 {
		err = errors.New("the frame does not start with a valid uvarint length")
	} else if size > MaxMessageSize {
		err = errors.New("the declared size " + strconv.FormatUint(size, 10) + " exceeds " + strconv.Itoa(MaxMessageSize) + " bytes")
	} else if d.scheme == Gzip {
		msg, err = d.gzip.decode(frame[n:], int(size))
	} else {
		msg, err = d.lz4.decode(frame[n:], int(size))
	}
	if err != nil {
		d.err = DecompressError(err.Error())
		return nil, d.err
	}
	return msg, nil
}

// Reset forgets the peer's stream: the next binary frame must start a new
// one (with its header). It clears a previous failure.
func (d *Decoder) Reset() {
	d.err = nil
	switch d.scheme {
	case Gzip:
		d.gzip.reset()
	case LZ4:
		d.lz4.reset()
	}
}

// growTo returns buf with room for at least n bytes, keeping its contents.
// Growth doubles, so building a message costs O(log n) allocations, and
// the buffer is sized by the data that really arrives, never by the size
// a frame merely declares.
func growTo(buf []byte, n int) []byte {
	if cap(buf) >= n {
		return buf
	}
	c := max(2*cap(buf), 4096)
	c = max(c, n)
	nb := make([]byte, len(buf), c)
	copy(nb, buf)
	return nb
}

// retainLimit is the largest decode buffer kept between messages: one big
// message should not pin its size for the life of the connection.
const retainLimit = 256 << 10

// appendWriter is an io.Writer that appends to a slice, so compressors write
// straight into the caller's dst.
type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}
