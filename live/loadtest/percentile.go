package loadtest

import (
	"math"
	"slices"
	"time"
)

// latencies collects samples in microseconds (int32: up to 35 minutes).
type latencies []int32

func (l *latencies) add(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	if us > 1<<31-1 {
		us = 1<<31 - 1
	}
	*l = append(*l, int32(us))
}

// Summary is a latency distribution's percentiles.
type Summary struct {
	Count         int
	P50, P99, Max time.Duration
}

func summarize(all []latencies) Summary {
	n := 0
	for _, l := range all {
		n += len(l)
	}
	if n == 0 {
		return Summary{}
	}
	merged := make([]int32, 0, n)
	for _, l := range all {
		merged = append(merged, l...)
	}
	slices.Sort(merged)
	at := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(n))) - 1 // nearest rank
		return time.Duration(merged[i]) * time.Microsecond
	}
	return Summary{Count: n, P50: at(0.50), P99: at(0.99), Max: time.Duration(merged[n-1]) * time.Microsecond}
}
