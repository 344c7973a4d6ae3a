package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkPressReachesGameClient measures a participant's button press
// crossing the real binary: participant socket → mediator → the game
// client's giveInput, one press in flight at a time (latency, not
// throughput), on loopback.
//
//	go test ./e2e -run '^$' -bench PressReachesGameClient -benchtime 2000x
func BenchmarkPressReachesGameClient(b *testing.B) {
	srv := startServer(b)
	token := srv.cli(b, "token")
	viewerToken := srv.cli(b, "token", "--user", "viewer1")
	versionID := srv.cli(b, "import", filepath.Join(moduleRoot, "e2e", "testdata", "interop-layout.json"))

	game := benchDialGame(b, srv, token, versionID)
	game.call(b, "createControls", `{"sceneID":"default","controls":[{"controlID":"b","kind":"button","text":"B","position":[{"size":"large","width":4,"height":4,"x":0,"y":10},{"size":"medium","width":4,"height":4,"x":0,"y":10},{"size":"small","width":4,"height":4,"x":0,"y":10}]}]}`)
	game.call(b, "ready", `{"isReady":true}`)

	viewer := dialViewer(b, srv, token, viewerToken)
	// The viewer's socket only needs draining; what it reads is not timed.
	go func() {
		for {
			if _, _, err := viewer.ReadMessage(); err != nil {
				return
			}
		}
	}()
	// One press first: it also waits for the participant's join to land.
	press := func(id int) {
		msg := fmt.Sprintf(`{"type":"method","id":%d,"method":"giveInput","params":{"controlID":"b","event":"mousedown","button":0},"discard":true}`, id)
		if err := viewer.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			b.Fatal(err)
		}
		game.await(b, "giveInput")
	}
	press(1)

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		press(i + 2)
	}
	b.StopTimer()
	viewer.Close()
	game.conn.Close()
}

// benchGame is a game client on a bare WebSocket, for timing without an SDK.
type benchGame struct {
	conn   *websocket.Conn
	nextID int
}

func benchDialGame(b testing.TB, srv *server, token, versionID string) *benchGame {
	b.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	h.Set("X-Interactive-Version", versionID)
	h.Set("X-Protocol-Version", "2.0")
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/gameClient", h)
	if err != nil {
		b.Fatalf("dial game client: %v", err)
	}
	g := &benchGame{conn: conn, nextID: 1}
	g.await(b, "hello")
	return g
}

// benchFrame is what the benchmark reads of a packet.
type benchFrame struct {
	Type   string          `json:"type"`
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Error  json.RawMessage `json:"error"`
}

func (g *benchGame) read(b testing.TB) benchFrame {
	b.Helper()
	g.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := g.conn.ReadMessage()
	if err != nil {
		b.Fatalf("game client read: %v", err)
	}
	var f benchFrame
	if err := json.Unmarshal(data, &f); err != nil {
		b.Fatalf("game client got %s: %v", data, err)
	}
	return f
}

// await reads until a method packet with that name arrives.
func (g *benchGame) await(b testing.TB, method string) {
	b.Helper()
	for {
		if f := g.read(b); f.Type == "method" && f.Method == method {
			return
		}
	}
}

// call sends a method and reads until its reply, failing on an error.
func (g *benchGame) call(b testing.TB, method, params string) {
	b.Helper()
	g.nextID++
	id := g.nextID
	msg := fmt.Sprintf(`{"type":"method","id":%d,"method":%q,"params":%s,"discard":false}`, id, method, params)
	if err := g.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		b.Fatal(err)
	}
	for {
		f := g.read(b)
		if f.Type == "reply" && f.ID == id {
			if len(f.Error) > 0 && string(f.Error) != "null" {
				b.Fatalf("%s: %s", method, f.Error)
			}
			return
		}
	}
}
