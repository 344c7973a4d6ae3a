// Package wire is the Interactive 2 protocol's framing: packets, error
// codes and the compression schemes. It does no I/O; live/mediator and
// live/client move its bytes over WebSockets.
//
// # Packets
//
// A Packet is a method or a reply. Build them with Method, Reply and
// ErrorReply and write them with AppendJSON, which appends without
// reflection and always writes the fields in the order
// id, type, method, params, result, error, discard, seq (the Unity SDK's
// parser depends on it):
//
//	{"id":7,"type":"method","method":"hello","params":null,"discard":true,"seq":0}
//	{"id":7,"type":"reply","result":{"time":1},"error":null,"seq":0}
//	{"id":7,"type":"reply","result":null,"error":{"code":4003,"message":"...","path":"method"},"seq":0}
//
// seq is always written (zero until the sender numbers its packets), and
// discard always on methods. AppendBatch writes a JSON array frame, for
// peers that opted in only.
//
// DecodeFrame (or AppendPackets, to reuse a slice) reads a frame holding
// one packet or a batch. A frame that is not JSON gives a 4000 error for
// ErrorReply(0, err); a packet that cannot be used (unknown type 4002,
// params not an object 4004, malformed id 4000...) comes back with
// Packet.Err set, so the receiver answers ErrorReply(p.ID, p.Err) and goes
// on with the rest of the batch. At most MaxBatch (1024) packets fit in a
// frame. Decoded Params and Result alias the frame: when the frame is a
// Decoder's output they are valid only until its next Decode, so clone what
// you keep. Known method names are interned, so a steady stream of packets
// decodes without allocating when the Packet slice is reused.
//
// # Errors
//
// Error is the reply error object; the Code constants are the
// specification's whole table, CodeMessage gives each one's text and
// IsCloseCode tells the ones sent in close frames. ParseError,
// DecompressError, UnknownPacketType, UnknownMethod and BadArguments build
// the generic ones.
//
// # Compression
//
// Negotiate and NegotiateParams pick a Scheme for setCompression ("text"
// is "none"; unknown names are skipped; no match gives None). Each
// direction of a connection has its own stream: an Encoder for what a side
// sends, a Decoder for what it receives.
//
//	enc := wire.NewEncoder(wire.Gzip)
//	frame, err := enc.Encode(frame[:0], msg) // send as binary if enc.Binary()
//	msg, werr := dec.Decode(frame, isBinary) // werr is a 4001 *Error
//
// Under gzip and lz4 a frame is the uvarint of the message's length, then
// the next piece of one compressed stream, flushed after every message
// (Z_SYNC_FLUSH for gzip; one or more whole blocks of an LZ4 frame with
// 64 KiB blocks for lz4); the first frame carries the stream's header.
// Encoder.Reset and Decoder.Reset start new streams, as choosing a scheme
// again requires. A Decoder refuses, with 4001, a message declaring more
// than MaxMessageSize (2,000,000) bytes or not decompressing to exactly its
// declared size; it grows its buffer with the data that really arrives, so
// a tiny frame declaring 2 MB costs little. Its first failure is final
// until Reset. Decode's result points into the decoder's buffer, valid
// until the next call. Text frames are plain JSON under every scheme.
package wire
