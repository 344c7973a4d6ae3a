package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"
	"github.com/mixstudio/mixstudio/internal/testkit"
)

const liveLayout = `{"format":"mixstudio/1","name":"live e2e","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"go","kind":"button","text":"Go!","position":[{"size":"large","width":8,"height":4,"x":0,"y":0},{"size":"medium","width":8,"height":4,"x":0,"y":0},{"size":"small","width":8,"height":4,"x":0,"y":0}]}]},
 {"sceneID":"second","controls":[
  {"controlID":"two","kind":"button","text":"Two","position":[{"size":"large","width":8,"height":4,"x":0,"y":0},{"size":"medium","width":8,"height":4,"x":0,"y":0},{"size":"small","width":8,"height":4,"x":0,"y":0}]}]}],
 "groups":[]}`

// liveViewer is a participant (the kit's) that keeps every packet.
type liveViewer struct{ *testkit.Participant }

type liveFrame = testkit.Packet

func (v *liveViewer) send(t *testing.T, params string) uint32 {
	t.Helper()
	return v.Send("giveInput", json.RawMessage(params))
}

func (v *liveViewer) wait(t *testing.T, what string, ok func(liveFrame) bool) liveFrame {
	t.Helper()
	return *v.Seen(what, func(p *testkit.Packet) bool { return ok(*p) })
}

// TestLiveConsoleInChromium: go live from the console page, a participant
// presses and the page shows it (timed in-page against the send time),
// a scene switch reaches the participant, a disabled control refuses the
// next press with 4099, and Stop ends the session.
func TestLiveConsoleInChromium(t *testing.T) {
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "live.json")
	if err := os.WriteFile(file, []byte(liveLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	version := srv.cli(t, "import", file)
	ownerToken := srv.cli(t, "token")
	viewerToken := srv.cli(t, "token", "--user", "viewer")
	ctx := newBrowser(t)

	studioDo(t, ctx,
		chromedp.Navigate(srv.URL+"/studio/versions/"+version+"/live"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=live-go]`)),
	)
	studioWait(t, ctx, `document.getElementById("live").dataset.stream === "open"`)
	if studioEval[bool](t, ctx, `document.querySelector("[data-testid=live-stop]").disabled`) != true {
		t.Fatal("Stop is offered while stopped")
	}
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-go]`)))
	studioWait(t, ctx, `document.querySelector("[data-testid=live-state]").dataset.state === "live"`)
	// While live, Go live is not offered again (it would only be refused).
	studioWait(t, ctx, `document.querySelector("[data-testid=live-go]").disabled && !document.querySelector("[data-testid=live-stop]").disabled`)

	v := &liveViewer{joinViewer(t, srv, ownerToken, viewerToken)}
	v.wait(t, "onReady", func(f liveFrame) bool { return f.Method == "onReady" && strings.Contains(string(f.Params), "true") })
	studioWait(t, ctx, `document.querySelector("[data-testid=live-participants-count]").textContent === "1"`)

	// Five presses, one at a time: the page stamps each input as it
	// arrives (performance.timeOrigin + performance.now(), the same
	// wall clock as the test's send time on this machine).
	studioEval[bool](t, ctx, `(window.liveInputs.length = 0, true)`)
	var lat []float64
	for i := 0; i < 5; i++ {
		sent := float64(time.Now().UnixNano()) / 1e6
		v.send(t, `{"controlID":"go","event":"mousedown","button":0}`)
		studioWait(t, ctx, fmt.Sprintf(`window.liveInputs.length >= %d`, i+1))
		at := studioEval[float64](t, ctx, fmt.Sprintf(`window.liveInputs[%d].at`, i))
		lat = append(lat, at-sent)
	}
	slices.Sort(lat)
	t.Logf("participant press → console page, ms (sorted): %.1f", lat)
	if lat[2] > 200 {
		t.Fatalf("median press-to-page latency %.1f ms, want ≤ 200 (all: %.1f)", lat[2], lat)
	}
	studioWait(t, ctx, `document.querySelector("[data-testid=live-counter-go]").textContent === "5"`)
	studioWait(t, ctx, `document.querySelectorAll("#live-feed li[data-control=go][data-event=mousedown]").length === 5`)
	if feed := studioEval[string](t, ctx, `document.querySelector("#live-feed li[data-control=go]").textContent`); !strings.Contains(feed, "viewer") {
		t.Fatalf("feed line %q does not name the participant", feed)
	}
	screenshot(t, ctx, "live-console-inputs")

	// Switch the default group's scene.
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-switch-default-second]`)))
	v.wait(t, "the default group on scene second", func(f liveFrame) bool {
		return f.Method == "onGroupUpdate" && strings.Contains(string(f.Params), `"sceneID":"second"`)
	})
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-switch-default-default]`)))
	v.wait(t, "back on the default scene", func(f liveFrame) bool {
		return f.Method == "onGroupUpdate" && strings.Contains(string(f.Params), `"sceneID":"default"`)
	})

	// Disable "go": the participant's next press is refused.
	studioDo(t, ctx,
		chromedp.SetValue(chromedp.CSS(`[data-testid=live-disabled-go]`), "disable"),
		chromedp.Click(chromedp.CSS(`[data-testid=live-apply-go]`)),
	)
	studioWait(t, ctx, `document.querySelector("[data-testid=live-msg-go]").textContent.startsWith("Changed live")`)
	v.wait(t, "go disabled", func(f liveFrame) bool {
		return f.Method == "onControlUpdate" && strings.Contains(string(f.Params), `"disabled":true`)
	})
	id := v.send(t, `{"controlID":"go","event":"mousedown","button":0}`)
	reply := v.wait(t, "the reply to a press on a disabled button", func(f liveFrame) bool { return f.Type == "reply" && f.ID == id })
	if reply.Error == nil || reply.Error.Code != 4099 {
		t.Fatalf("press on a disabled button: %+v, want 4099", reply.Error)
	}

	// Stop: the state says so and the participant's session ends.
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-stop]`)))
	studioWait(t, ctx, `document.querySelector("[data-testid=live-state]").dataset.state === "stopped" && !document.querySelector("[data-testid=live-go]").disabled`)
	if st := studioEval[string](t, ctx, `document.querySelector("[data-testid=live-state]").textContent`); !strings.Contains(st, "stopped by the streamer") {
		t.Fatalf("state after stop %q", st)
	}
	select {
	case <-v.Done():
	case <-time.After(testkit.Timeout):
		t.Fatal("the participant's socket stayed open after Stop")
	}
	screenshot(t, ctx, "live-console-stopped")
}

// SIGTERM while the console is live: the console's game client is closed
// before the mediator's sockets, and the server still exits 0 in time
// (the harness's cleanup fails the test otherwise).
func TestLiveConsoleShutdownWhileLive(t *testing.T) {
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "live.json")
	if err := os.WriteFile(file, []byte(liveLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	version := srv.cli(t, "import", file)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/studio/versions/"+version+"/live/start", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("go live: %s", resp.Status)
	}
	v := &liveViewer{joinViewer(t, srv, srv.cli(t, "token"), srv.cli(t, "token", "--user", "viewer"))}
	v.wait(t, "onReady", func(f liveFrame) bool { return f.Method == "onReady" })
	if !srv.terminate(t) {
		t.Fatal("the server did not shut down cleanly while live")
	}
	if strings.Contains(srv.Stderr(), "panic") {
		t.Fatalf("server log:\n%s", srv.Stderr())
	}
}

// Spark transactions from the console page: a manual capture from the
// feed (ok, then 4006 when clicked again), and the auto-capture toggle.
func TestLiveConsoleCapturesInChromium(t *testing.T) {
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "paid.json")
	layout := strings.Replace(liveLayout, `"text":"Go!",`, `"text":"Go!","cost":3,`, 1)
	if err := os.WriteFile(file, []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}
	version := srv.cli(t, "import", file)
	ownerToken := srv.cli(t, "token")
	viewerToken := srv.cli(t, "token", "--user", "viewer")
	srv.cli(t, "sparks", "viewer", "--add", "10")
	ctx := newBrowser(t)
	studioDo(t, ctx, chromedp.Navigate(srv.URL+"/studio/versions/"+version+"/live"))
	studioWait(t, ctx, `document.getElementById("live").dataset.stream === "open"`)
	if studioEval[bool](t, ctx, `document.querySelector("[data-testid=live-stop]").disabled`) != true {
		t.Fatal("Stop is offered while stopped")
	}
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-go]`)))
	studioWait(t, ctx, `document.querySelector("[data-testid=live-state]").dataset.state === "live"`)
	// While live, Go live is not offered again (it would only be refused).
	studioWait(t, ctx, `document.querySelector("[data-testid=live-go]").disabled && !document.querySelector("[data-testid=live-stop]").disabled`)

	v := &liveViewer{joinViewer(t, srv, ownerToken, viewerToken)}
	v.wait(t, "onReady", func(f liveFrame) bool { return f.Method == "onReady" && strings.Contains(string(f.Params), "true") })

	v.send(t, `{"controlID":"go","event":"mousedown","button":0}`)
	studioWait(t, ctx, `document.querySelector("#live-feed li[data-transaction] button") !== null`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`#live-feed li[data-transaction] button`)))
	studioWait(t, ctx, `document.querySelector("#live-feed li[data-capture=ok]") !== null`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`#live-feed li[data-transaction] button`)))
	studioWait(t, ctx, `document.querySelector("#live-feed li[data-capture='4006']") !== null`)
	studioWait(t, ctx, `document.querySelector("#live-feed li[data-transaction] output").textContent.includes("4006")`)
	if got := sparksOf(t, srv, "viewer"); got != 7 {
		t.Fatalf("viewer has %d sparks after one capture of 3, want 7", got)
	}

	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-autocapture-go]`)))
	studioWait(t, ctx, `document.querySelector("[data-testid=live-msg-go]").textContent === "Auto-capture on."`)
	v.send(t, `{"controlID":"go","event":"mousedown","button":0}`)
	studioWait(t, ctx, `[...document.querySelectorAll("#live-feed li[data-capture=ok]")].some((li) => li.textContent.includes("(auto)"))`)
	if got := sparksOf(t, srv, "viewer"); got != 4 {
		t.Fatalf("viewer has %d sparks after the auto capture, want 4", got)
	}
	screenshot(t, ctx, "live-console-captures")
}

func sparksOf(t *testing.T, srv *server, user string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.Fields(srv.cli(t, "sparks", user))[0])
	if err != nil {
		t.Fatalf("sparks %s: %v", user, err)
	}
	return n
}

// A crowd in chromium: 100 anonymous participants press 10 times a
// second for 3 s (1,000 inputs a second); the page counts every one and
// its stream never has to start over.
func TestLiveConsoleKeepsUpWithACrowdInChromium(t *testing.T) {
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "live.json")
	if err := os.WriteFile(file, []byte(liveLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	version := srv.cli(t, "import", file)
	ownerToken := srv.cli(t, "token")
	var me struct {
		Channel struct {
			ID int64 `json:"id"`
		} `json:"channel"`
	}
	getJSON(t, srv.URL+"/api/v1/users/current", ownerToken, &me)
	ctx := newBrowser(t)
	studioDo(t, ctx, chromedp.Navigate(srv.URL+"/studio/versions/"+version+"/live"))
	studioWait(t, ctx, `document.getElementById("live").dataset.stream === "open"`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-go]`)))
	studioWait(t, ctx, `document.querySelector("[data-testid=live-state]").dataset.state === "live"`)

	const viewers, perSecond, seconds = 100, 10, 3
	conns := make([]*websocket.Conn, viewers)
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("ws://%s/participant?channel=%d&x-protocol-version=2.0", srv.Addr, me.Channel.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
		defer c.Close()
	}
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector("[data-testid=live-participants-count]").textContent === "%d"`, viewers))
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			period := time.Second / perSecond
			offset := time.Duration(i) * period / viewers
			for k := 0; k < perSecond*seconds; k++ {
				time.Sleep(time.Until(start.Add(offset + time.Duration(k)*period)))
				msg := fmt.Sprintf(`{"type":"method","id":%d,"method":"giveInput","params":{"controlID":"go","event":"mousedown","button":0},"discard":true}`, k+1)
				if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := viewers * perSecond * seconds
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector("[data-testid=live-total]").textContent === "%d"`, want))
	studioWait(t, ctx, fmt.Sprintf(`document.querySelector("[data-testid=live-counter-go]").textContent === "%d"`, want))
	if missed := studioEval[bool](t, ctx, `[...document.querySelectorAll("#live-feed li")].some((li) => li.textContent.includes("missed events"))`); missed {
		t.Fatal("the page's stream had to start over")
	}
	if st := studioEval[string](t, ctx, `document.getElementById("live").dataset.stream`); st != "open" {
		t.Fatalf("the page's stream is %q", st)
	}
	if n := studioEval[int](t, ctx, `document.querySelectorAll("#live-feed li").length`); n != 200 {
		t.Fatalf("the feed holds %d lines, want its cap of 200", n)
	}
	// The chart's peak second saw at least half the rate (the presses
	// straddle second boundaries), from the stats events.
	studioWait(t, ctx, `Number(document.getElementById("live-rate").dataset.max) >= 500`)
	screenshot(t, ctx, "live-console-crowd")
}
