package mediator

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestThrottlesDropAndCountEvents(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	st := decodeJSON[map[string]map[string]int64](t, g.call("getThrottleState", nil))
	if _, ok := st["*"]; !ok {
		t.Fatalf("no default global throttle: %v", st)
	}
	// No room for giveInput at all: inputs are dropped and counted.
	g.call("setBandwidthThrottle", map[string]any{"giveInput": map[string]any{"capacity": 0, "drainRate": 0}})
	p := e.participant("")
	for range 3 {
		p.call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	}
	g.none("giveInput")
	st = decodeJSON[map[string]map[string]int64](t, g.call("getThrottleState", nil))
	if st["giveInput"]["rejected"] != 3 || st["giveInput"]["inserted"] != 0 {
		t.Fatalf("throttle state %v", st)
	}
	if st["*"]["inserted"] == 0 {
		t.Fatalf("global bucket counted nothing: %v", st)
	}
	// A bucket that holds one input: the first passes, the next is dropped
	// until the clock drains it.
	g.call("setBandwidthThrottle", map[string]any{"giveInput": map[string]any{"capacity": 200, "drainRate": 100}})
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	g.expect("giveInput")
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	g.none("giveInput")
	e.clock.Advance(3 * time.Second)
	p.call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	g.expect("giveInput")
	// null removes the rule.
	g.call("setBandwidthThrottle", map[string]any{"giveInput": nil})
	st = decodeJSON[map[string]map[string]int64](t, g.call("getThrottleState", nil))
	if _, ok := st["giveInput"]; ok {
		t.Fatalf("rule not removed: %v", st)
	}
	for _, bad := range []any{map[string]any{"giveInput": 5}, map[string]any{"x": map[string]any{"capacity": -1, "drainRate": 1}}, map[string]any{"x": map[string]any{"capacity": 1}}} {
		if got := g.callErr("setBandwidthThrottle", bad); got != 4004 {
			t.Errorf("bad rule %v: %d", bad, got)
		}
	}
}

func TestMemoryWarningThenClose4017(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	// A limit 6000 bytes above what the layout takes.
	s := e.m.sessionFor(e.streamer.ChannelID)
	s.mu.Lock()
	s.memoryLimit = s.memoryUsed() + 6000
	limit := s.memoryLimit
	s.mu.Unlock()
	stats := decodeJSON[memoryStats](t, g.call("getMemoryStats", nil))
	if stats.TotalBytes != limit || stats.UsedBytes <= 0 || len(stats.Resources) != 4 || stats.Resources[1].ID != "scenes" || len(stats.Resources[1].Resources) != 2 {
		t.Fatalf("memory stats %+v", stats)
	}
	// Grow to past 80%: one warning.
	g.call("updateWorld", map[string]any{"world": map[string]any{"blob": strings.Repeat("x", 4900)}})
	w := g.expect("issueMemoryWarning")
	if ws := decodeJSON[memoryStats](t, w.Params); ws.UsedBytes*5 < ws.TotalBytes*4 {
		t.Fatalf("warning at %d of %d", ws.UsedBytes, ws.TotalBytes)
	}
	g.call("updateWorld", map[string]any{"world": map[string]any{"more": "y"}})
	g.none("issueMemoryWarning")
	// Past the limit: closed with 4017 instead of a reply.
	g.send("updateWorld", map[string]any{"world": map[string]any{"blob2": strings.Repeat("z", 4000)}})
	if got := g.closeCode(); got != 4017 {
		t.Fatalf("close %d, want 4017", got)
	}
	for _, m := range g.pending {
		if m.Type == "reply" && m.Method == "" && m.ID >= 3 && m.Error == nil && strings.Contains(string(m.Result), "blob2") {
			t.Fatalf("replied instead of closing: %s", m.raw)
		}
	}
}

func TestUploadEndpoint(t *testing.T) {
	e := newEnv(t, Options{UploadQuota: 1000})
	g := e.game()
	raw := g.call("uploadFile", map[string]any{"path": "images/tile 1.png"})
	if !strings.HasPrefix(string(raw), `{"url":"http`) {
		t.Fatalf("uploadFile reply %s: url first, then authorization", raw)
	}
	up := decodeJSON[map[string]string](t, raw)
	if !strings.HasPrefix(up["url"], e.srv.URL+FilesPath) || !strings.HasSuffix(up["url"], "/images/tile%201.png") || len(up["authorization"]) < 16 {
		t.Fatalf("uploadFile %v", up)
	}
	post := func(url string, body []byte, hdr map[string]string, chunked bool) int {
		var r io.Reader = bytes.NewReader(body)
		if chunked {
			r = io.MultiReader(bytes.NewReader(body)) // unknown length
		}
		req, _ := http.NewRequest("POST", url, r)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	auth := map[string]string{"Authorization": up["authorization"]}
	png := []byte("\x89PNG fake image")
	if got := post(up["url"], png, map[string]string{"Authorization": "wrong"}, false); got != 403 {
		t.Fatalf("wrong token: %d", got)
	}
	if got := post(up["url"], png, auth, true); got != 400 {
		t.Fatalf("no Content-Length: %d", got)
	}
	if got := post(up["url"], png, map[string]string{"Authorization": up["authorization"], "Content-Encoding": "br"}, false); got != 400 {
		t.Fatalf("unsupported encoding: %d", got)
	}
	if got := post(up["url"], png, map[string]string{"Authorization": up["authorization"], "Content-Encoding": "gzip"}, false); got != 400 {
		t.Fatalf("gzip without X-Total-Length: %d", got)
	}
	if got := post(up["url"], bytes.Repeat([]byte("x"), 1001), auth, false); got != 413 {
		t.Fatalf("over quota: %d", got)
	}
	if got := post(up["url"], png, auth, false); got != 200 {
		t.Fatalf("upload: %d", got)
	}
	if code, body := get(up["url"]); code != 200 || body != string(png) {
		t.Fatalf("served back: %d %q", code, body)
	}
	// A second file, gzip-encoded with X-Total-Length; the quota counts
	// uncompressed bytes.
	up2 := decodeJSON[map[string]string](t, g.call("uploadFile", map[string]any{"path": "data.json"}))
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	plain := []byte(`{"map":"` + strings.Repeat("a", 980) + `"}`)
	zw.Write(plain)
	zw.Close()
	if got := post(up2["url"], zbuf.Bytes(), map[string]string{"Authorization": up2["authorization"], "Content-Encoding": "gzip", "X-Total-Length": fmt.Sprint(len(plain))}, false); got != 413 {
		t.Fatalf("gzip past the quota (uncompressed): %d", got)
	}
	g.call("deleteFile", map[string]any{"path": "images/tile 1.png"})
	if code, _ := get(up["url"]); code != 404 {
		t.Fatalf("deleted file served: %d", code)
	}
	if got := post(up2["url"], zbuf.Bytes(), map[string]string{"Authorization": up2["authorization"], "Content-Encoding": "gzip", "X-Total-Length": fmt.Sprint(len(plain))}, false); got != 200 {
		t.Fatalf("gzip upload after freeing the quota: %d", got)
	}
	if code, body := get(up2["url"]); code != 200 || body != string(plain) {
		t.Fatalf("gzip file served: %d %q", code, body)
	}
	if got := post(up2["url"], zbuf.Bytes(), map[string]string{"Authorization": up2["authorization"], "Content-Encoding": "gzip", "X-Total-Length": "5"}, false); got != 400 {
		t.Fatalf("wrong X-Total-Length: %d", got)
	}
	g.call("deleteFile", map[string]any{"path": "never/there"})
	for _, bad := range []string{"../etc/passwd", "/abs", "a//b", "", "a/./b"} {
		if got := g.callErr("uploadFile", map[string]any{"path": bad}); got != 4004 {
			t.Errorf("path %q: %d", bad, got)
		}
	}
	// Storage is cleared when the game client disconnects.
	g.ws.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := get(up2["url"])
		if code == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file still served after the game client left: %d", code)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := post(up2["url"], png, map[string]string{"Authorization": up2["authorization"]}, false); got != 403 {
		t.Fatalf("upload to an ended session: %d", got)
	}
}

func TestShutdownClosesEverySocketWith1012(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	p1 := e.participant("")
	p2 := e.participant("")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { e.m.Shutdown(ctx); close(done) }()
	for _, c := range []*tclient{g, p1, p2} {
		if got := c.closeCode(); got != 1012 {
			t.Fatalf("close %d, want 1012", got)
		}
	}
	<-done
	// New connections are refused after shutdown.
	h := http.Header{"Authorization": {"Bearer " + e.streamerToken}, "X-Interactive-Version": {fmt.Sprint(e.version)}, "X-Protocol-Version": {"2.0"}}
	c, _, err := e.dial(GameClientPath, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.closeCode(); got != 1012 {
		t.Fatalf("game client after shutdown: close %d, want 1012", got)
	}
	c, _, err = e.dial(ParticipantPath, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.closeCode(); got != 1012 {
		t.Fatalf("participant after shutdown: close %d, want 1012", got)
	}
}

func TestSlowReaderIsDisconnectedWithoutHurtingOthers(t *testing.T) {
	e := newEnv(t, Options{ParticipantQueue: 16, WriteTimeout: 2 * time.Second})
	g := e.game()
	fast := e.participant("")
	slow := e.participant("") // never reads from here on
	slowSID := ""
	for range 2 {
		j := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0]
		slowSID = j.SessionID
	}
	payload := strings.Repeat("x", 64<<10)
	// ~19 MB to a reader that reads nothing, in rounds the fast one keeps up with.
	for round := range 30 {
		for i := range 10 {
			g.send("broadcastEvent", map[string]any{"scope": []string{"everyone"}, "data": map[string]any{"i": round*10 + i, "pad": payload}})
		}
		for range 10 {
			fast.expect("event")
		}
	}
	left := g.take("the slow reader's leave", func(m *msg) bool {
		return m.Method == "onParticipantLeave" && strings.Contains(string(m.Params), slowSID)
	})
	_ = left
	// The slow socket ends with a clear reason (or is cut off while its
	// buffers are full).
	slow.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var closeErr *websocket.CloseError
	for {
		_, _, err := slow.ws.ReadMessage()
		if err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				closeErr = ce
			}
			break
		}
	}
	// 1006: the close frame could not pass the full buffers, the TCP
	// connection was cut.
	if closeErr != nil && closeErr.Code != websocket.CloseAbnormalClosure && (closeErr.Code != websocket.ClosePolicyViolation || !strings.Contains(closeErr.Text, "slow")) {
		t.Fatalf("slow reader closed with %d %q", closeErr.Code, closeErr.Text)
	}
	// Everyone else is fine.
	g.call("getTime", nil)
	g.call("broadcastEvent", map[string]any{"scope": []string{"everyone"}, "data": "after"})
	fast.take("the event after", func(m *msg) bool { return m.Method == "event" && string(m.Params) == `"after"` })
}

func (c *tclient) countMethod(method string) int {
	n := 0
	for _, m := range c.pending {
		if m.Method == method {
			n++
		}
	}
	return n
}

func TestSilentSocketsAreDroppedAfterMissedPongs(t *testing.T) {
	// The pong timeout is two intervals: at 200 ms a loaded 2-core machine
	// starved the game client's reader past it now and then, and the
	// game client was dropped too. A second still ends the test in ~3 s.
	e := newEnv(t, Options{PingInterval: time.Second})
	// The game client reads all the time (the kit's participant), so it
	// answers every ping however long the viewer's setup takes; a game
	// that read only inside expect missed its pongs on a loaded machine.
	g := e.readingGame()
	e.participant("") // never reads again, so never answers a ping
	sid := decodeJSON[participantsParamsJSON](t, g.Expect("onParticipantJoin").Params).Participants[0].SessionID
	left := decodeJSON[participantsParamsJSON](t, g.Expect("onParticipantLeave").Params)
	if left.Participants[0].SessionID != sid {
		t.Fatalf("left %+v", left)
	}
	g.Call("getTime", nil) // the game client itself is still connected
}
