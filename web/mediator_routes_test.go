package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/mediator"
)

// TestMediatorRoutesAreMountedAndStoppedWithTheServer checks the wiring:
// the live endpoints answer through Echo, and Server.Shutdown closes the
// mediator (new sockets then get 1012).
func TestMediatorRoutesAreMountedAndStoppedWithTheServer(t *testing.T) {
	db := testkit.MustOpenDB(t)
	logger := testkit.QuietLogger()
	m := mediator.New(db, time.Now, logger, mediator.Options{})
	s := New(Config{Logger: logger, Mediator: m}, db)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + mediator.HostsPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `[{"address":"ws://` + strings.TrimPrefix(srv.URL, "http://") + `/gameClient"}]`
	if string(body) != want {
		t.Fatalf("hosts %s, want %s", body, want)
	}
	resp, err = http.Get(srv.URL + mediator.GameClientPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("plain GET /gameClient: %d, want 401", resp.StatusCode)
	}
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	c, _, err := websocket.DefaultDialer.Dial(ws+mediator.ParticipantPath+"?channel=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := closeCode(c); code != 4022 {
		t.Fatalf("participant on an offline channel: %d, want 4022", code)
	}

	s.Shutdown(context.Background())
	c, _, err = websocket.DefaultDialer.Dial(ws+mediator.ParticipantPath+"?channel=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := closeCode(c); code != 1012 {
		t.Fatalf("participant after Shutdown: %d, want 1012", code)
	}
}

func closeCode(c *websocket.Conn) int {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				return ce.Code
			}
			return -1
		}
	}
}
