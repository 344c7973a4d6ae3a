package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/live/console"
)

// The console's moderation and discard actions: readable refusals for bad
// input, a ban that closes the viewer with 4025 and lists it, a lift, and
// a discard that only works on a control with a live-only change.
func TestLiveModerationAndDiscardActions(t *testing.T) {
	r := newLiveRig(t, console.Config{})
	if code, body := r.post(t, "/start", nil); code != http.StatusOK {
		t.Fatalf("go live: %d %s", code, body)
	}
	v := r.join(t, "troll")
	ch := r.console.Channel(r.owner.ChannelID)
	var session string
	for deadline := time.Now().Add(10 * time.Second); session == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, p := range ch.Participants(10) {
			if p.Username == "troll" {
				session = p.SessionID
			}
		}
	}
	if session == "" {
		t.Fatal("the console never listed troll")
	}
	cases := []struct {
		form url.Values
		code int
		want string
	}{
		{url.Values{"action": {"ban"}}, http.StatusUnprocessableEntity, "which participant?"},
		{url.Values{"participant": {session}, "action": {"shout"}}, http.StatusUnprocessableEntity, "the action is mute, kick or ban"},
		{url.Values{"participant": {session}, "action": {"mute"}, "minutes": {"soon"}}, http.StatusUnprocessableEntity, "mute for how many minutes?"},
		{url.Values{"participant": {session}, "action": {"mute"}, "minutes": {"100000"}}, http.StatusUnprocessableEntity, "a mute lasts from 1 minute to 7 days"},
		{url.Values{"participant": {"nobody"}, "action": {"ban"}}, http.StatusNotFound, "is not connected"},
		{url.Values{"participant": {session}, "action": {"mute"}, "minutes": {"5"}}, http.StatusOK, "troll is muted for 5 min."},
	}
	for _, c := range cases {
		if code, body := r.post(t, "/moderate", c.form); code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("moderate %v: %d %s, want %d %q", c.form, code, body, c.code, c.want)
		}
	}
	if code, body := r.post(t, "/moderate", url.Values{"participant": {session}, "action": {"ban"}}); code != http.StatusOK || !strings.Contains(body, "troll is banned.") {
		t.Fatalf("ban: %d %s", code, body)
	}
	if code := v.CloseCode(); code != 4025 {
		t.Fatalf("the banned viewer's socket closed with %d, want 4025", code)
	}
	list, err := ch.Moderation(context.Background())
	if err != nil || len(list) != 2 {
		t.Fatalf("moderation list: %+v %v, want a ban and a mute", list, err)
	}
	if code, body := r.post(t, "/lift", url.Values{"id": {"x"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "which ban or mute?") {
		t.Errorf("lift without an id: %d %s", code, body)
	}
	if code, body := r.post(t, "/lift", url.Values{"id": {"99999"}}); code != http.StatusNotFound {
		t.Errorf("lift of an unknown id: %d %s", code, body)
	}
	for _, m := range list {
		if code, body := r.post(t, "/lift", url.Values{"id": {fmt.Sprint(m.ID)}}); code != http.StatusOK || !strings.Contains(body, "Lifted the "+m.Kind+" of troll.") {
			t.Errorf("lift %d: %d %s", m.ID, code, body)
		}
	}

	// A kick closes the socket with 4025 ("removed: ...") and bans nobody.
	guest := r.join(t, "guest")
	gs := ""
	for deadline := time.Now().Add(10 * time.Second); gs == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, p := range ch.Participants(10) {
			if p.Username == "guest" {
				gs = p.SessionID
			}
		}
	}
	if code, body := r.post(t, "/moderate", url.Values{"participant": {gs}, "action": {"kick"}}); code != http.StatusOK || !strings.Contains(body, "they may come back") {
		t.Fatalf("kick: %d %s", code, body)
	}
	if code := guest.CloseCode(); code != 4025 || !strings.HasPrefix(guest.CloseError().Text, "removed:") {
		t.Fatalf("kicked: close %d %+v, want 4025 removed", code, guest.CloseError())
	}
	back := r.join(t, "guest")
	back.Expect("onReady")

	if code, body := r.post(t, "/discard", url.Values{"scene": {"default"}, "control": {"b"}}); code != http.StatusNotFound || !strings.Contains(body, "no live-only change") {
		t.Errorf("discard without a change: %d %s", code, body)
	}
	if code, body := r.post(t, "/control", url.Values{"scene": {"default"}, "control": {"b"}, "text": {"Live"}}); code != http.StatusOK {
		t.Fatalf("change b: %d %s", code, body)
	}
	if got := ch.LiveChanges(); len(got) != 1 || string(got[0].Props["text"]) != `"Live"` {
		t.Fatalf("live changes %+v", got)
	}
	if code, body := r.post(t, "/discard", url.Values{"scene": {"default"}, "control": {"b"}}); code != http.StatusOK {
		t.Fatalf("discard: %d %s", code, body)
	}
	if got := ch.LiveChanges(); len(got) != 0 {
		t.Fatalf("live changes after discard %+v", got)
	}
}
