package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// loadViewer is one anonymous participant of a load test: it learns its
// session id from its own join and records when it sent each press.
type loadViewer struct {
	conn      *websocket.Conn
	sessionID chan string
	sent      []time.Time
}

// dialLoadViewers joins n anonymous participants to the rig's channel and
// waits until each knows its session id; they are closed when the test
// ends.
func dialLoadViewers(t *testing.T, r *liveRig, n int) ([]*loadViewer, map[string]*loadViewer) {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(r.srv.URL, "http") + fmt.Sprintf("/participant?channel=%d&x-protocol-version=2.0", r.owner.ChannelID)
	viewers := make([]*loadViewer, n)
	for i := range viewers {
		conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
		if err != nil {
			t.Fatalf("participant %d: %v", i, err)
		}
		v := &loadViewer{conn: conn, sessionID: make(chan string, 1)}
		viewers[i] = v
		go func() {
			first := true
			for {
				_, data, err := conn.ReadMessage()
				if err != nil {
					return
				}
				if first && strings.Contains(string(data), `"onParticipantJoin"`) {
					var f struct {
						Params struct {
							Participants []struct {
								SessionID string `json:"sessionID"`
							} `json:"participants"`
						} `json:"params"`
					}
					if json.Unmarshal(data, &f) == nil && len(f.Params.Participants) == 1 {
						v.sessionID <- f.Params.Participants[0].SessionID
						first = false
					}
				}
			}
		}()
	}
	t.Cleanup(func() {
		for _, v := range viewers {
			v.conn.Close()
		}
	})
	ids := map[string]*loadViewer{}
	for i, v := range viewers {
		select {
		case id := <-v.sessionID:
			ids[id] = v
		case <-time.After(30 * time.Second):
			t.Fatalf("participant %d never learned its session id", i)
		}
	}
	return viewers, ids
}
