package mediator

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/live/wire"
)

// RFC 6455 8.1: a text frame that is not UTF-8 fails the connection with
// 1007, whatever it holds.
func TestTextFrameOfInvalidUTF8ClosesWith1007(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	p := e.participant("")
	p.write([]byte("{\"type\":\"method\",\"id\":1,\"method\":\"getTime\",\"params\":{\"x\":\"\xff\xfe\"},\"seq\":0}"))
	if code := p.closeCode(); code != wire.CodeInvalidPayload {
		t.Fatalf("close %d (%v), want 1007", code, p.closed)
	}
	if !strings.Contains(p.closed.Text, "UTF-8") {
		t.Fatalf("close reason %q does not say why", p.closed.Text)
	}
}

// Without options, one participant may give limits.InputPerSecond inputs a
// second (bursts of twice that); the probe's 10,000 in a second are
// refused past the burst with 4099 and a reason, and never reach the game
// client.
func TestParticipantInputIsLimitedByDefault(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	p := e.participant("")
	press := map[string]any{"controlID": "btn", "event": "mousedown"}
	burst := 2 * limits.InputPerSecond
	for i := range burst {
		if code := p.callErr("giveInput", press); code != 0 {
			t.Fatalf("press %d of a burst of %d: %d", i+1, burst, code)
		}
	}
	r := p.reply(p.send("giveInput", press))
	if r.Error == nil || r.Error.Code != wire.CodeBadInput || !strings.Contains(r.Error.Message, "too fast") {
		t.Fatalf("press past the burst: %+v, want 4099 saying it is too fast", r.Error)
	}
	e.clock.Advance(time.Second)
	for range limits.InputPerSecond {
		p.call("giveInput", press)
	}
	if code := p.callErr("giveInput", press); code != wire.CodeBadInput {
		t.Fatalf("press past a second's refill: %d, want 4099", code)
	}
	g.call("getTime", nil)
	got := 0
	for _, m := range g.pending {
		if m.Method == "giveInput" {
			got++
		}
	}
	if want := burst + limits.InputPerSecond; got != want {
		t.Fatalf("%d inputs reached the game client, want %d", got, want)
	}
}

// One address may hold limits.ParticipantSocketsPerAddress participant
// sockets; the next upgrade is refused with 429 and a reason, and a place
// given back by a closed socket can be taken again.
func TestParticipantSocketsPerAddressAreCapped(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	q := url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}}
	var socks []*tclient
	for range limits.ParticipantSocketsPerAddress {
		socks = append(socks, e.participant(""))
	}
	_, resp, err := e.dial(ParticipantPath, q, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("socket %d from one address: err %v, response %v; want 429", limits.ParticipantSocketsPerAddress+1, err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), fmt.Sprintf("at most %d", limits.ParticipantSocketsPerAddress)) {
		t.Fatalf("refusal %q does not say the figure", body)
	}
	socks[0].ws.Close()
	// The place comes back when the server has seen the socket go: retry
	// until then (bounded), which is the event a client can observe.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, resp, err := e.dial(ParticipantPath, q, nil)
		if err == nil {
			break
		}
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("after a socket closed: %v %v", err, resp)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Behind a trusted proxy each forwarded client address has its own cap.
func TestParticipantSocketsAreCountedPerForwardedAddress(t *testing.T) {
	proxy := limits.Addresses{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	e := newEnv(t, Options{SocketsPerAddress: 2, ClientAddr: proxy.Of})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	q := url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}}
	from := func(addr string) (*websocket.Conn, *http.Response, error) {
		h := http.Header{"X-Forwarded-For": {addr}}
		return websocket.DefaultDialer.Dial(e.wsURL(ParticipantPath, q), h)
	}
	for _, addr := range []string{"198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.2"} {
		ws, _, err := from(addr)
		if err != nil {
			t.Fatalf("from %s: %v", addr, err)
		}
		t.Cleanup(func() { ws.Close() })
	}
	if _, resp, err := from("198.51.100.1"); err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a third socket from 198.51.100.1: %v %v", err, resp)
	}
}
