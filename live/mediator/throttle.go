package mediator

import (
	"encoding/json"
	"math"
	"time"

	"github.com/mixstudio/mixstudio/live/wire"
)

// Default global throttle: 30 megabits of capacity draining 10 megabits a
// second (NOTES.md: the spec's "332160" is a typo for 3932160).
const (
	defaultCapacity  = 3932160
	defaultDrainRate = 1310720
)

// bucket is a leaky bucket over the bytes of server-to-game-client events.
type bucket struct {
	capacity  float64
	drainRate float64 // bytes per second
	level     float64
	last      time.Time
	inserted  int64
	rejected  int64
}

func (b *bucket) drain(now time.Time) {
	if !b.last.IsZero() {
		if dt := now.Sub(b.last).Seconds(); dt > 0 {
			b.level = math.Max(0, b.level-dt*b.drainRate)
		}
	}
	b.last = now
}

func (b *bucket) fits(n int, now time.Time) bool {
	b.drain(now)
	return b.level+float64(n) <= b.capacity
}

// throttles are the per-method buckets and the global "*" one.
type throttles struct {
	rules map[string]*bucket
}

func newThrottles() *throttles {
	return &throttles{rules: map[string]*bucket{
		"*": {capacity: defaultCapacity, drainRate: defaultDrainRate},
	}}
}

// allow reports whether an event of n bytes may be sent; it must fit both
// its method's bucket and the global one. A dropped event is counted as
// rejected by the bucket(s) that refused it.
func (t *throttles) allow(method string, n int, now time.Time) bool {
	mb, gb := t.rules[method], t.rules["*"]
	okM := mb == nil || mb.fits(n, now)
	okG := gb == nil || gb.fits(n, now)
	if okM && okG {
		for _, b := range []*bucket{mb, gb} {
			if b != nil {
				b.level += float64(n)
				b.inserted++
			}
		}
		return true
	}
	if !okM {
		mb.rejected++
	}
	if !okG {
		gb.rejected++
	}
	return false
}

type throttleRule struct {
	Capacity  *float64 `json:"capacity"`
	DrainRate *float64 `json:"drainRate"`
}

// setBandwidthThrottle sets or (with null) removes rules; all are checked
// before any applies.
func (s *session) setBandwidthThrottle(r *request) ([]byte, *Error) {
	var p map[string]json.RawMessage
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	rules := map[string]*throttleRule{}
	for method, raw := range p {
		if string(raw) == "null" {
			rules[method] = nil
			continue
		}
		var rule throttleRule
		if err := json.Unmarshal(raw, &rule); err != nil || rule.Capacity == nil || rule.DrainRate == nil ||
			*rule.Capacity < 0 || *rule.DrainRate < 0 {
			return nil, perr(wire.CodeBadArguments, method, "A throttle needs a non-negative capacity and drainRate.")
		}
		rules[method] = &rule
	}
	for method, rule := range rules {
		if rule == nil {
			delete(s.throttle.rules, method)
			continue
		}
		old := s.throttle.rules[method]
		b := &bucket{capacity: *rule.Capacity, drainRate: *rule.DrainRate}
		if old != nil { // keep the statistics
			b.inserted, b.rejected = old.inserted, old.rejected
		}
		s.throttle.rules[method] = b
	}
	return nil, nil
}

func (s *session) getThrottleState(*request) ([]byte, *Error) {
	out := map[string]map[string]int64{}
	for method, b := range s.throttle.rules {
		out[method] = map[string]int64{"inserted": b.inserted, "rejected": b.rejected}
	}
	return mustJSON(out), nil
}
