package web

import (
	"sync"
	"time"
)

// goMaxFailures is how many wrong codes a user, or an IP address, may type
// at /go per minute; the next try is refused with 429. Six characters from
// 25 give 2.4e8 codes, so 5 a minute makes guessing a live code hopeless.
const goMaxFailures = 5

// signInMaxFailures is how many wrong passwords a username, or an address,
// may try per minute (bcrypt is slow, but not slow enough alone).
const signInMaxFailures = 10

// shortcodeMaxPerMinute is how many shortcodes one address may request per
// minute: a device needs one every two minutes; more fills the table.
const shortcodeMaxPerMinute = 30

// failureLimiter counts failures per key in a sliding window.
type failureLimiter struct {
	mu     sync.Mutex
	now    func() time.Time
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newFailureLimiter(now func() time.Time, max int, window time.Duration) *failureLimiter {
	return &failureLimiter{now: now, max: max, window: window, fails: map[string][]time.Time{}}
}

// blocked reports whether any of keys has used up its failures.
func (l *failureLimiter) blocked(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		if len(l.recent(k, now)) >= l.max {
			return true
		}
	}
	return false
}

// fail records a failure for every key.
func (l *failureLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fails) > 10000 { // bound memory under a spray of addresses
		for k := range l.fails {
			if len(l.recent(k, now)) == 0 {
				delete(l.fails, k)
			}
		}
	}
	for _, k := range keys {
		l.fails[k] = append(l.recent(k, now), now)
	}
}

// recent drops k's failures older than the window and returns the rest.
func (l *failureLimiter) recent(k string, now time.Time) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, k)
		return nil
	}
	l.fails[k] = ts
	return ts
}
