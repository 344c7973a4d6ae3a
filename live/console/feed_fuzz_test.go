package console

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzFeedResume checks the resumption contract for any ring size, number
// of events and Last-Event-ID: either exactly the events after the id, in
// order, or a reset, and a reset only when an event after the id has left
// the ring (or the id is from the future).
func FuzzFeedResume(f *testing.F) {
	f.Add(uint8(8), uint16(5), uint16(3))
	f.Add(uint8(8), uint16(20), uint16(11))
	f.Add(uint8(1), uint16(3), uint16(0))
	f.Add(uint8(4), uint16(0), uint16(7))
	f.Fuzz(func(t *testing.T, size uint8, published, last uint16) {
		ring := int(size)%64 + 1
		fd := newFeed(ring, 1)
		for i := 0; i < int(published)%500; i++ {
			fd.publish(TypeNotice, time.Unix(0, 0), i)
		}
		n := uint64(published) % 500
		sub, res := fd.subscribe(uint64(last), true)
		defer sub.Cancel()
		oldest := uint64(1)
		if n > uint64(ring) {
			oldest = n - uint64(ring) + 1
		}
		wantReset := uint64(last) > n || (uint64(last) < n && uint64(last)+1 < oldest)
		if res.Reset != wantReset || res.Head != n {
			t.Fatalf("ring %d, %d events, last %d: reset %v head %d, want reset %v head %d", ring, n, last, res.Reset, res.Head, wantReset, n)
		}
		if res.Reset {
			if len(res.Backlog) != 0 {
				t.Fatal("a reset came with a backlog")
			}
			return
		}
		if uint64(len(res.Backlog)) != n-uint64(last) {
			t.Fatalf("backlog of %d after %d of %d", len(res.Backlog), last, n)
		}
		for i, ev := range res.Backlog {
			var d struct {
				ID uint64 `json:"id"`
			}
			if err := json.Unmarshal(ev.Data, &d); err != nil || ev.ID != uint64(last)+uint64(i)+1 || d.ID != ev.ID {
				t.Fatalf("backlog[%d] id %d (data %s) after %d", i, ev.ID, ev.Data, last)
			}
		}
	})
}
