// Package testkit is what mixstudio's tests share instead of growing
// look-alike rigs in every package: a real SQLite file
// ([MustOpenDB]), one settable clock ([Clock]), a channel owner with a
// token and an imported layout ([NewStreamer]), and a WebSocket peer for
// the MixPlay protocol ([Participant]) whose Expect waits on the packets
// its reader goroutine delivers, never on a sleep.
//
// The running mediator lives in the sub-package rig, because the
// mediator's own (in-package) tests use this package and Go forbids the
// import cycle a mediator import here would make.
//
// Waits use [Timeout]: generous, because the suite runs on loaded 2-core
// machines; a wait that succeeds returns as soon as its event arrives, so
// the figure only costs time when a test is failing anyway.
package testkit

import "time"

// Timeout bounds every wait in the kit.
const Timeout = 20 * time.Second
