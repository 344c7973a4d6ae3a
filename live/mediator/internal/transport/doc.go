// Package transport is the mediator's WebSocket transport: what it takes
// to hold 10,000 sockets open and write a broadcast to all of them
// cheaply. The protocol (live/mediator) sees a small surface: Init readies
// a Conn for an upgraded socket (Upgrade); Send queues a packet, CloseWith/Abort/Kill
// end the socket; ReadLoop hands each received packet to the protocol.
//
// It differs from the usual goroutine-per-connection writer (gorilla's
// chat example: a reader and a writer goroutine per socket, each writer
// blocking on its own socket) because at this scale that design is what
// the measurements showed to cost:
//
//   - Writers (writers.go): a few goroutines, not one per socket, write
//     every socket's queue; an idle mediator runs none. A game client's
//     socket goes ahead of viewers' (urgent), and a writer yields every 32
//     sockets so readers get the CPU during a fan-out.
//   - Frames are built here (appendFrame), once per pass and socket, with
//     queued packets joined into one array frame when the client opted in
//     to batches: a broadcast's bytes are shared by every recipient.
//   - Socket (socket.go): every write is tried without blocking; what the
//     kernel will not take waits in a buffer that a goroutine drains only
//     while the socket is backed up. A slow viewer never holds a writer,
//     and one that keeps up costs no goroutine and no timer.
//   - Reading (read.go): between frames, an idle reader parks on a
//     MSG_PEEK recv instead of deep in gorilla's reader, so the GC can
//     shrink its stack (2 KiB instead of 4 per idle viewer), and answers
//     pings without waking gorilla.
//
// The figures are in docs/performance.md (idle KiB per viewer, fan-out
// p99, CPU per delivery; `mixstudio loadtest`). A change here must keep
// them.
package transport
