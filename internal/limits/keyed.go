package limits

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is one token bucket (golang.org/x/time/rate) per key: an address,
// a (username, address) pair, a user. It is the one limiter every
// per-address and per-user rate in the server uses.
type Keyed struct {
	rule Rule
	now  func() time.Time
	max  int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// NewKeyed makes a limiter for rule; now is its clock (nil: time.Now).
func NewKeyed(rule Rule, now func() time.Time) *Keyed {
	if now == nil {
		now = time.Now
	}
	return &Keyed{rule: rule, now: now, max: MaxKeys, buckets: map[string]*rate.Limiter{}}
}

// Allow takes a token from key's bucket; false (nothing taken) when empty.
func (k *Keyed) Allow(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.bucket(key).AllowN(k.now(), 1)
}

// Spent reports whether any of keys has no token left, taking none: the
// check before an attempt whose failure alone costs a token (Take).
func (k *Keyed) Spent(keys ...string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	for _, key := range keys {
		if b, ok := k.buckets[key]; ok && b.TokensAt(now) < 1 {
			return true
		}
	}
	return false
}

// Take takes a token from each key's bucket (what it has: a bucket may go
// empty, not below).
func (k *Keyed) Take(keys ...string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	for _, key := range keys {
		k.bucket(key).AllowN(now, 1)
	}
}

// bucket returns key's bucket, making it (full) on first use. Past max
// keys, buckets that are full again are forgotten: a new one is the same.
func (k *Keyed) bucket(key string) *rate.Limiter {
	if b, ok := k.buckets[key]; ok {
		return b
	}
	if len(k.buckets) >= k.max {
		now := k.now()
		for key, b := range k.buckets {
			if b.TokensAt(now) >= float64(k.rule.Burst) {
				delete(k.buckets, key)
			}
		}
		// Still full of busy keys (a spray of addresses): forget some at
		// random rather than grow without bound.
		for key := range k.buckets {
			if len(k.buckets) < k.max*3/4 {
				break
			}
			delete(k.buckets, key)
		}
	}
	b := rate.NewLimiter(rate.Every(k.rule.Every), k.rule.Burst)
	k.buckets[key] = b
	return b
}

// Len is how many keys are remembered.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}
