// Package console is the studio's live console: per channel, it owns one
// live/client game-client connection to a mediator (the embedded one, or a
// remote one with a token), pushes a version's layout and readies it, and
// turns everything the connection reports into numbered console events.
//
// The events sit in a bounded ring per channel (Config.BufferSize, 16384 by
// default: about three seconds of a thousand participants pressing five
// times a second) so a server-sent-events subscriber that reconnects with
// Last-Event-ID gets exactly the events after that id; a subscriber whose id
// has left the ring (or is from an earlier run) is told to reset. Every
// subscriber has a bounded queue filled with non-blocking sends: a slow one
// loses its subscription instead of stalling the others or the game
// client's event loop.
//
// The console also keeps what its page shows: per-control input counters,
// inputs per second over the last minute, recent joystick positions, the
// connected participants, and spark transactions it captured (automatically
// per button, or on request).
package console
