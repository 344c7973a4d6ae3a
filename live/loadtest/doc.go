// Package loadtest drives a mediator with one game client and many
// participants over loopback and measures it against the performance
// targets: input latency to the game client, fan-out delivery to every
// participant, memory per participant and CPU.
//
// A run has three parts: a Target (where the mediator is and the game
// client's credentials: PrepareDB makes them in a fresh database, and
// StartInProcess or StartChild start the real mediator on it), a Config
// (mode, participants, rate, duration) and Run, which connects, drives,
// measures and returns a Result whose Line is one line of figures.
//
// The server's memory is only honest when the server is alone in its
// process: StartChild runs it as a child process (cmd_loadtest.go's
// `mixstudio loadtest --serve`) and the figures come from its
// /proc/PID/status and its /debug/memstats endpoint (DebugHandler). In
// process, the figures include the driver's own client sockets.
//
// StartCluster runs a cluster instead (`mixstudio loadtest --edges N`): a
// NATS server in this process, a home node and N edge nodes, each a
// `mixstudio mediator` child process. The game client reaches the home,
// the participants the edges; Result.Nodes and Result.Bus say what each
// node spent and what crossed the bus.
//
// Every run is bounded: at most MaxParticipants sockets, at most
// MaxDuration of traffic, loopback addresses only.
package loadtest
