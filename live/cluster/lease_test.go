package cluster

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Two nodes claiming one channel at once: one holds it, the other is told
// who does, and WatchHome agrees.
func TestClaimHomeRaceHasOneWinner(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	for ch := int64(1); ch <= 5; ch++ {
		type result struct {
			node    *Node
			release func()
			holder  string
			err     error
		}
		results := make(chan result, 2)
		var start sync.WaitGroup
		start.Add(1)
		for _, n := range []*Node{a, b} {
			go func() {
				start.Wait()
				release, holder, err := n.ClaimHome(context.Background(), ch, 0, func() {})
				results <- result{n, release, holder, err}
			}()
		}
		start.Done()
		r1, r2 := recv(t, results, "claim"), recv(t, results, "claim")
		if r1.err != nil || r2.err != nil {
			t.Fatal(r1.err, r2.err)
		}
		if (r1.release == nil) == (r2.release == nil) {
			t.Fatalf("channel %d: both or neither took the lease (%q, %q)", ch, r1.holder, r2.holder)
		}
		win, lose := r1, r2
		if win.release == nil {
			win, lose = r2, r1
		}
		if lose.holder != win.node.NodeID() {
			t.Fatalf("channel %d: loser told holder %q, winner is %s", ch, lose.holder, win.node.NodeID())
		}
		expectHome(t, watchHome(t, lose.node, ch), win.node.NodeID())
		win.release()
	}
}

// A held lease is renewed: another node waiting for longer than the TTL
// does not get it. Released, it goes to the waiting node at once.
func TestClaimHomeWaitsForRelease(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	releaseA := claim(t, a, 7, 0, nil)

	_, holder, err := b.ClaimHome(context.Background(), 7, 3*testTTL, func() {})
	if err != nil || holder != "a" {
		t.Fatalf("b claimed a renewed lease: holder %q err %v", holder, err)
	}

	homes := watchHome(t, b, 7)
	expectHome(t, homes, "a")
	got := make(chan func(), 1)
	go func() { got <- claim(t, b, 7, timeout, nil) }()
	releaseA()
	releaseB := recv(t, got, "b's claim after a released")
	// The moment nobody held it may pass before the watcher reads it:
	// a bucket keeps only a key's last value.
	if h := recv(t, homes, "home after a released"); h == "" {
		expectHome(t, homes, "b")
	} else if h != "b" {
		t.Fatalf("home %q, want b", h)
	}

	// a may claim again once b releases; until then it is told b holds it.
	if _, holder, _ := a.ClaimHome(context.Background(), 7, 0, func() {}); holder != "b" {
		t.Fatalf("a: holder %q, want b", holder)
	}
	releaseB()
	expectHome(t, homes, "")
	claim(t, a, 7, 0, nil)()
}

// A node that dies holding a lease stops renewing it: it expires, watchers
// see nobody hold it and then the node that takes it over.
func TestKilledNodesLeaseExpiresAndMoves(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	c, _ := join(t, s.URL(), "c")
	claim(t, a, 3, 0, func() {})
	homes := watchHome(t, c, 3)
	expectHome(t, homes, "a")

	a.kill()
	expectHome(t, homes, "") // expired: nobody has claimed it yet
	claim(t, b, 3, timeout, nil)
	expectHome(t, homes, "b")
}

// A node that closes without releasing (its loops stopped) is the same as
// one that died; a waiting claim gets the lease when it expires.
func TestWaitingClaimTakesExpiredLease(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	claim(t, a, 4, 0, func() {})
	got := make(chan func(), 1)
	go func() { got <- claim(t, b, 4, timeout, nil) }()
	a.kill()
	recv(t, got, "b's claim of the expired lease")()
}

// Without the server for longer than the TTL, the holder counts its lease
// lost, once; release afterwards does nothing.
func TestLeaseLostWhenServerGone(t *testing.T) {
	s, err := RunServer("127.0.0.1:0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := join(t, s.URL(), "a")
	var losses atomic.Int32
	lost := make(chan struct{}, 2)
	release := claim(t, a, 9, 0, func() { losses.Add(1); lost <- struct{}{} })
	s.Shutdown()
	recv(t, lost, "lost()")
	release()
	if n := losses.Load(); n != 1 {
		t.Fatalf("lost called %d times", n)
	}
	// Cut off, a claim is refused at once rather than queued.
	if rel, _, err := a.ClaimHome(context.Background(), 10, timeout, func() {}); err == nil || rel != nil {
		t.Fatalf("claim while cut off: %v", err)
	}
}

// A lease another node took (here: deleted behind the holder's back and
// claimed) is lost at the holder's next renewal.
func TestLeaseLostWhenTakenOver(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	lost := make(chan struct{}, 2)
	release := claim(t, a, 5, 0, func() { lost <- struct{}{} })
	if err := b.homes.Delete(t.Context(), homeKey(5)); err != nil {
		t.Fatal(err)
	}
	claim(t, b, 5, timeout, nil)
	recv(t, lost, "a's lost()")
	release() // must not delete b's lease
	homes := watchHome(t, a, 5)
	expectHome(t, homes, "b")
	if _, holder, _ := a.ClaimHome(context.Background(), 5, 0, func() {}); holder != "b" {
		t.Fatalf("after a's release: holder %q, want b", holder)
	}
}

// A node restarted under the same id takes over its old lease at once
// rather than waiting for it to expire (ids are unique among live nodes).
func TestRestartedNodeTakesOverItsLease(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	claim(t, a, 6, 0, func() {})
	a.kill()
	a2, _ := join(t, s.URL(), "a")
	claim(t, a2, 6, 0, nil)
	if _, _, err := a2.ClaimHome(context.Background(), 6, 0, func() {}); err == nil {
		t.Fatal("a second claim of a held lease by the same node succeeded")
	}
}

// WatchHome starts with the current holder, "" when there is none.
func TestWatchHomeStartsWithCurrent(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	expectHome(t, watchHome(t, a, 11), "")
	claim(t, a, 12, 0, nil)
	expectHome(t, watchHome(t, a, 12), "a")
	// renewals are not changes
	homes := watchHome(t, a, 12)
	expectHome(t, homes, "a")
	claim(t, a, 13, 0, nil)()
	select {
	case h := <-homes:
		t.Fatalf("renewals reported as a change to %q", h)
	case <-time.After(2 * testTTL):
	}
}

// A claim waiting for a held lease ends with its context (here a deadline
// well inside the claim's wait).
func TestClaimHomeEndsWithItsContext(t *testing.T) {
	s := startServer(t)
	a, _ := join(t, s.URL(), "a")
	b, _ := join(t, s.URL(), "b")
	claim(t, a, 8, 0, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTTL)
	defer cancel()
	errs := make(chan error, 1)
	go func() {
		_, _, err := b.ClaimHome(ctx, 8, time.Hour, func() {})
		errs <- err
	}()
	if err := recv(t, errs, "the claim to end"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("claim past its deadline: %v", err)
	}
}
