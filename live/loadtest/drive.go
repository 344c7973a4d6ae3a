package loadtest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// driveInput has every participant give input at cfg.Rate a second for
// cfg.Duration. Senders each own a shard of the participants and pace
// themselves against the clock (1 ms ticks), so that the total rate is
// even, not bursts of N at once. It returns how many were sent.
func driveInput(ctx context.Context, parts []*participant, cfg Config) (int64, error) {
	shards := min(len(parts), 2*runtime.GOMAXPROCS(0))
	var sent atomic.Int64
	var wg sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	start := time.Now()
	for k := range shards {
		var mine []*participant
		for i := k; i < len(parts); i += shards {
			mine = append(mine, parts[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rate := cfg.Rate * float64(len(mine)) // inputs a second for this shard
			total := int64(rate * cfg.Duration.Seconds())
			var n int64
			next := 0
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for n < total {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				due := min(total, int64(rate*time.Since(start).Seconds()))
				for ; n < due; n++ {
					p := mine[next]
					next = (next + 1) % len(mine)
					if err := p.giveInput(); err != nil {
						errOnce.Do(func() { firstErr = fmt.Errorf("giveInput: %w", err) })
						continue
					}
					sent.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return sent.Load(), firstErr
}

// driveFanout has the game client send cfg.Rate updates a second, each
// stamped with its send time for the participants to read.
func driveFanout(ctx context.Context, g *gameClient, cfg Config, base time.Time) (int64, error) {
	total := int64(cfg.Rate * cfg.Duration.Seconds())
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	start := time.Now()
	var n int64
	for n < total {
		if wait := time.Until(start.Add(time.Duration(n) * interval)); wait > 0 {
			select {
			case <-ctx.Done():
				return n, ctx.Err()
			case <-time.After(wait):
			}
		}
		stamp := time.Since(base).Nanoseconds()
		var err error
		if cfg.Fanout == "scene" {
			scene := "lobby"
			if n%2 == 1 {
				scene = "default"
			}
			err = g.call("updateGroups", fmt.Sprintf(`{"groups":[{"groupID":"default","sceneID":%q,"lt":%d}]}`, scene, stamp))
		} else {
			err = g.call("updateControls", fmt.Sprintf(`{"sceneID":"default","controls":[{"controlID":"lbl","lt":%d}]}`, stamp))
		}
		if err != nil {
			return n, fmt.Errorf("fan-out %d: %w", n, err)
		}
		n++
	}
	return n, nil
}
