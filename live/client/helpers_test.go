package client

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"
)

// noLeaks records the goroutine count now and, at cleanup (after every
// cleanup registered later, such as closing test servers), waits briefly
// for it to come back down.
func noLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testConfig is a Config for hosts with short timers for tests.
func testConfig(hosts ...string) Config {
	return Config{
		Hosts:          hosts,
		Token:          "tok",
		VersionID:      "42",
		RequestTimeout: 2 * time.Second,
		ConnectTimeout: 2 * time.Second,
		MinBackoff:     10 * time.Millisecond,
		MaxBackoff:     50 * time.Millisecond,
		PingInterval:   time.Second,
		Logger:         quietLogger(),
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitFor waits until the client's status satisfies ok.
func waitFor(t *testing.T, c *Client, what string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		ch := c.Changed()
		st := c.Status()
		if ok(st) {
			return st
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; status %v", what, st)
		}
	}
}

// nextEvent returns the next event with the given method, skipping others.
func nextEvent(t *testing.T, c *Client, method string) Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-c.Events():
			if !ok {
				t.Fatalf("events closed waiting for %s", method)
			}
			if e.Method == method {
				return e
			}
		case <-deadline:
			t.Fatalf("timed out waiting for event %s", method)
		}
	}
}
