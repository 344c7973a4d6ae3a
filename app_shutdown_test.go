package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

const shutdownLayout = `{"format":"mixstudio/1","name":"shutdown","scenes":[{"sceneID":"default","controls":[
 {"controlID":"go","kind":"button","text":"Go","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]}]}],"groups":[]}`

// SIGINT while live: the viewer's socket and the console's game client
// hear 1012 "server restarting" (the viewer reconnects; before, the
// console left first and the viewer heard 4016 "session ended"), and the
// channel stays recorded as live for the next start. The exit time is
// logged, not asserted (e2e TestLiveShowSurvivesARestartInChromium
// measures the real process).
func TestServeShutdownWhileLiveTellsSocketsToReconnect(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "s.db")
	db, err := persistence.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := db.EnsureOwner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := studio.Import([]byte(shutdownLayout))
	if err != nil {
		t.Fatal(err)
	}
	version, err := db.ImportLayout(ctx, owner.ID, l)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	serveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- serve(serveCtx, ln, serveOptions{addr: ln.Addr().String(), db: dbPath}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	waitHealthy(t, base)

	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/studio/versions/%d/live/start", base, version), nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("go live: %s", resp.Status)
	}
	ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("ws://%s/participant?channel=%d&x-protocol-version=2.0", ln.Addr(), owner.ChannelID), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	codes := make(chan int, 1)
	ready := make(chan struct{})
	go func() {
		readyOnce := false
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					codes <- ce.Code
				} else {
					codes <- -1
				}
				return
			}
			if !readyOnce && strings.Contains(string(data), `"method":"onReady"`) {
				readyOnce = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the viewer never got onReady")
	}

	began := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return")
	}
	t.Logf("shutdown while live took %v", time.Since(began))
	select {
	case code := <-codes:
		if code != 1012 {
			t.Fatalf("the viewer's socket closed with %d, want 1012", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the viewer's socket stayed open")
	}

	db, err = persistence.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.ListLiveChannels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].VersionID != version {
		t.Fatalf("live channels after the shutdown: %+v, want the channel on version %d", rows, version)
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("the server never answered /healthz")
}

// A connection on which no request began (a browser's spare one) does not
// hold the shutdown: once closeUnused has closed it, Shutdown has nothing
// to wait for, even with no time left. Without it, net/http waits 5 s.
func TestShutdownDoesNotWaitForUnusedConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := &unusedConns{}
	seen, gone := make(chan struct{}), make(chan struct{})
	srv := &http.Server{Handler: http.NotFoundHandler(), ConnState: func(c net.Conn, st http.ConnState) {
		conns.track(c, st)
		switch st {
		case http.StateNew:
			close(seen)
		case http.StateClosed:
			close(gone)
		}
	}}
	go srv.Serve(ln)
	spare, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	<-seen
	conns.closeUnused()
	<-gone
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Shutdown(expired); err != nil {
		t.Fatalf("Shutdown had to wait for a connection: %v", err)
	}
	if _, err := spare.Read(make([]byte, 1)); err == nil {
		t.Fatal("the spare connection is still open")
	}
}
