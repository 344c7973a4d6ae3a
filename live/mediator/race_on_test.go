//go:build race

package mediator

// raceEnabled: the race detector enlarges stack frames, so stack sizes
// measured under it mean nothing.
const raceEnabled = true
