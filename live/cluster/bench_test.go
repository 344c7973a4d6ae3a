package cluster

import (
	"testing"
)

// BenchmarkPublishToTwoEdges is the bus's share of a fan-out: one home
// publishing a 200-byte frame that two edges receive (one op: the publish
// and both deliveries). go test ./live/cluster -bench . -run ^$
func BenchmarkPublishToTwoEdges(b *testing.B) {
	s, err := RunServer("127.0.0.1:0", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown()
	join := func(id string) *Node {
		n, err := Join(b.Context(), Options{URL: s.URL(), NodeID: id, LeaseTTL: testTTL, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { n.Close() })
		return n
	}
	home := join("home")
	got := make(chan struct{}, 1024)
	for _, id := range []string{"e1", "e2"} {
		stop, err := join(id).Subscribe("mix.1.out", func([]byte) { got <- struct{}{} })
		if err != nil {
			b.Fatal(err)
		}
		defer stop()
	}
	frame := make([]byte, 200)
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	done := make(chan struct{})
	go func() {
		for range 2 * b.N {
			<-got
		}
		close(done)
	}()
	for range b.N {
		if err := home.Publish("mix.1.out", frame); err != nil {
			b.Fatal(err)
		}
	}
	<-done
}
