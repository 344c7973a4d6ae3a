package console

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkFeedPublish is the cost of one input event on the event loop:
// encode once, store in the ring, offer to every subscriber.
//
//	go test ./live/console -run '^$' -bench FeedPublish
func BenchmarkFeedPublish(b *testing.B) {
	for _, subs := range []int{0, 1, 10} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			f := newFeed(DefaultBufferSize, DefaultSubscriberQueue)
			for i := 0; i < subs; i++ {
				s, _ := f.subscribe(0, false)
				go func() {
					for range s.C() {
					}
				}()
			}
			x, y := 0.5, -0.5
			d := inputData{Participant: "7fb3da9d-feac-41b4-8e7e-6d906dcb6c05", Username: "viewer1", Control: "j", Event: "move", X: &x, Y: &y}
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f.publish(TypeInput, now, d)
			}
			b.StopTimer()
			f.closeAll()
		})
	}
}
