package persistence

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func addUser(t *testing.T, db *DB, name string, channel int64) int64 {
	t.Helper()
	res, err := db.sql.Exec(`INSERT INTO users(username, level, channel_id, created_at) VALUES (?, 1, ?, 0)`, name, channel)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

func credit(t *testing.T, db *DB, userID, amount int64) {
	t.Helper()
	if _, err := db.sql.Exec(`INSERT INTO sparks_ledger(user_id, amount, reason, created_at) VALUES (?, ?, 'gift', 0)`, userID, amount); err != nil {
		t.Fatal(err)
	}
}

func TestCaptureDeductsOnceAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tx.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	viewer := addUser(t, db, "viewer", 2)
	credit(t, db, viewer, 100)
	now := time.UnixMilli(1_700_000_000_000)
	if err := db.ChargeTransaction(ctx, "tx-1", 7, viewer, "btn", 30, now); err != nil {
		t.Fatal(err)
	}
	if err := db.CaptureTransaction(ctx, "tx-1", 8, now); !errors.Is(err, ErrUnknownTransaction) {
		t.Fatalf("capture on another channel: %v, want ErrUnknownTransaction", err)
	}
	if err := db.CaptureTransaction(ctx, "tx-1", 7, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CaptureTransaction(ctx, "tx-1", 7, now.Add(2*time.Second)); !errors.Is(err, ErrUnknownTransaction) {
		t.Fatalf("second capture after restart: %v, want ErrUnknownTransaction", err)
	}
	if b, _ := db.SparksBalance(ctx, viewer); b != 70 {
		t.Fatalf("balance %d, want 70", b)
	}
}

func TestCaptureRefusesExpiredUnknownAndShort(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	viewer := addUser(t, db, "viewer", 2)
	credit(t, db, viewer, 50)
	now := time.UnixMilli(1_700_000_000_000)

	if err := db.ChargeTransaction(ctx, "too-much", 7, viewer, "btn", 51, now); !errors.Is(err, ErrNotEnoughSparks) {
		t.Fatalf("charge over balance: %v", err)
	}
	if err := db.CaptureTransaction(ctx, "nope", 7, now); !errors.Is(err, ErrUnknownTransaction) {
		t.Fatalf("unknown: %v", err)
	}
	if err := db.ChargeTransaction(ctx, "old", 7, viewer, "btn", 10, now); err != nil {
		t.Fatal(err)
	}
	if err := db.CaptureTransaction(ctx, "old", 7, now.Add(TransactionLifetime)); !errors.Is(err, ErrUnknownTransaction) {
		t.Fatalf("expired: %v", err)
	}
	// Two charges that each fit but not together: the second capture is short.
	if err := db.ChargeTransaction(ctx, "a", 7, viewer, "btn", 40, now); err != nil {
		t.Fatal(err)
	}
	if err := db.ChargeTransaction(ctx, "b", 7, viewer, "btn", 40, now); err != nil {
		t.Fatal(err)
	}
	if err := db.CaptureTransaction(ctx, "a", 7, now); err != nil {
		t.Fatal(err)
	}
	if err := db.CaptureTransaction(ctx, "b", 7, now); !errors.Is(err, ErrNotEnoughSparks) {
		t.Fatalf("short capture: %v", err)
	}
	if b, _ := db.SparksBalance(ctx, viewer); b != 10 {
		t.Fatalf("balance %d, want 10 (only the first capture deducted)", b)
	}
}

func TestConcurrentCapturesDeductOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	viewer := addUser(t, db, "viewer", 2)
	credit(t, db, viewer, 1000)
	now := time.UnixMilli(1_700_000_000_000)
	if err := db.ChargeTransaction(ctx, "tx", 7, viewer, "btn", 25, now); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.CaptureTransaction(ctx, "tx", 7, now)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if !errors.Is(err, ErrUnknownTransaction) {
				t.Errorf("capture: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d captures succeeded, want 1", ok)
	}
	if b, _ := db.SparksBalance(ctx, viewer); b != 975 {
		t.Fatalf("balance %d, want 975", b)
	}
}
