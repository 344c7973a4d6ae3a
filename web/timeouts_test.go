package web

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/live/console"
)

// slowBody starts a POST whose body never comes (one byte of a hundred)
// on a connection of its own.
func slowBody(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /api/v1/oauth/token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", addr)
	return c
}

// cutOff waits for the server to close c (a slow body past the read
// timeout); the wait is bounded well past any timeout a test sets.
func cutOff(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("a request whose body never came was not cut off")
	}
}

// WebSockets and event streams live past the server's read and idle
// timeouts: the probe's slow bodies are cut off by them, a participant's
// socket and an SSE stream opened before are not.
func TestLongLivedRoutesOutliveTheReadTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	r := newLiveRig(t, console.Config{}, func(hs *http.Server) { hs.ReadTimeout, hs.IdleTimeout = timeout, timeout })
	if code, body := r.post(t, "/start", nil); code != http.StatusOK {
		t.Fatalf("go live: %d %s", code, body)
	}
	stream := openSSE(t, fmt.Sprintf("%s/api/live/%d/events", r.srv.URL, r.owner.ChannelID), r.token, "")
	stream.next(t, "a snapshot", func(ev sseEvent) bool { return ev.Event == "snapshot" })
	viewer := r.join(t, "viewer1")
	// Opened after both: once it is cut off, both have outlived the timeout.
	cutOff(t, slowBody(t, r.srv.Listener.Addr().String()))
	viewer.press(t, "b")
	stream.next(t, "a press given after the read timeout", isInput)
}

// One address may have limits.RequestsPerAddress requests in progress:
// the probe's slow bodies take them all and the next request (even
// /healthz) is refused with 429 and the figure, until the read timeout
// cuts the slow ones off.
func TestSlowBodiesFromOneAddressAreCappedAndCutOff(t *testing.T) {
	s, _, _ := identityServer(t, Config{})
	hs := NewHTTPServer(s.Handler(), nil)
	hs.ReadTimeout = 3 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	addr := ln.Addr().String()
	var slow []net.Conn
	for range limits.RequestsPerAddress {
		slow = append(slow, slowBody(t, addr))
	}
	// Wait until the server holds them all (each is in its handler,
	// reading the body); bounded.
	for deadline := time.Now().Add(10 * time.Second); s.requests.Held("127.0.0.1") < limits.RequestsPerAddress; {
		if time.Now().After(deadline) {
			t.Fatalf("%d slow requests held, want %d", s.requests.Held("127.0.0.1"), limits.RequestsPerAddress)
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), fmt.Sprintf("at most %d", limits.RequestsPerAddress)) {
		t.Fatalf("/healthz with %d slow requests in progress: %d %s", limits.RequestsPerAddress, resp.StatusCode, body)
	}
	for _, c := range slow {
		cutOff(t, c)
	}
	for deadline := time.Now().Add(10 * time.Second); s.requests.Held("127.0.0.1") > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still held after the slow ones were cut off", s.requests.Held("127.0.0.1"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz after the slow requests were cut off: %v %v", err, resp)
	}
}

// A request past the per-address cap is refused at once, its slow body
// unread (net/http would otherwise wait for the body first).
func TestRequestPastTheCapIsRefusedWithoutWaitingForItsBody(t *testing.T) {
	s, _, _ := identityServer(t, Config{})
	hs := NewHTTPServer(s.Handler(), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	addr := ln.Addr().String()
	for range limits.RequestsPerAddress {
		slowBody(t, addr)
	}
	for deadline := time.Now().Add(10 * time.Second); s.requests.Held("127.0.0.1") < limits.RequestsPerAddress; {
		if time.Now().After(deadline) {
			t.Fatalf("%d slow requests held, want %d", s.requests.Held("127.0.0.1"), limits.RequestsPerAddress)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := slowBody(t, addr)
	// Well before ReadTimeout (30 s): the refusal must not wait for it.
	c.SetReadDeadline(time.Now().Add(limits.ReadTimeout / 3))
	line := make([]byte, 12)
	if _, err := io.ReadFull(c, line); err != nil || string(line) != "HTTP/1.1 429" {
		t.Fatalf("a slow body past the cap: %q %v, want 429 at once", line, err)
	}
}
