package mediator

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A viewer that stops reading for a while backs its socket up; what is
// sent meanwhile waits in its queue, and once it reads again everything
// arrives, in order, while the viewers who kept reading were never held up.
func TestBackedUpViewerCatchesUpInOrder(t *testing.T) {
	e := newEnv(t, Options{ParticipantQueue: 4096})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	fast := e.participant("")
	slow := e.participant("") // reads nothing until the end
	pad := strings.Repeat("x", 64<<10)
	busy := func() bool {
		e.m.mu.Lock()
		defer e.m.mu.Unlock()
		for c := range e.m.conns {
			if c.Busy() {
				return true
			}
		}
		return false
	}
	sent := 0
	send := func() {
		g.send("broadcastEvent", map[string]any{"scope": []string{"everyone"}, "data": map[string]any{"i": sent, "pad": pad}})
		fast.take("event", func(m *msg) bool {
			return m.Method == "event" && strings.Contains(string(m.Params), fmt.Sprintf(`"i":%d,`, sent))
		})
		sent++
	}
	for !busy() {
		if sent == 1000 { // 64 MiB: far more than loopback's buffers
			t.Fatal("the slow viewer's socket never backed up")
		}
		send()
	}
	for range 20 { // queued behind the backlog
		send()
	}
	for i := range sent {
		m := slow.take("event", func(m *msg) bool { return m.Method == "event" })
		var ev struct{ I int }
		if err := json.Unmarshal(m.Params, &ev); err != nil || ev.I != i {
			t.Fatalf("event %d: got %s (%v)", i, m.Params[:min(len(m.Params), 20)], err)
		}
	}
	if busy() {
		t.Fatal("still backed up after the viewer read everything")
	}
	// Caught up: it hears the next one at once.
	send()
	slow.expect("event")
}
