package testkit

import (
	"sync"
	"time"
)

// Clock is a settable time source. The product takes its clock as a
// func() time.Time (mediator.New, persistence's SetClock, web's
// Config.Now, the sign-in limiter): pass c.Now.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Start is where a NewClock begins: a fixed, recognisable instant, so
// that figures derived from it are the same on every run.
var Start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// NewClock returns a clock standing at Start.
func NewClock() *Clock { return &Clock{now: Start} }

// ClockAt returns a clock standing at t.
func ClockAt(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time; it moves only when told to.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
