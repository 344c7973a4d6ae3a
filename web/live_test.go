package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/mixstudio/mixstudio/live/console"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// The console page lists the version's groups, scenes and controls; the
// forms go live, switch scenes, change and save controls (a stale
// revision is refused readably) and stop.
func TestLiveConsoleGoLiveSwitchChangeAndStop(t *testing.T) {
	r := newLiveRig(t, console.Config{})
	resp, err := http.Get(r.base())
	if err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("console page: %d %v", resp.StatusCode, err)
	}
	for _, id := range []string{"live-state", "live-go", "live-stop", "live-switch-default-second", "live-control-b", "live-joystick-j", "live-autocapture-b", "live-save-b", "live-feed", "live-rate"} {
		if d.Find(testid(id)).Length() != 1 {
			t.Errorf("console page has no %s", id)
		}
	}
	if st := d.Find(testid("live-state")).AttrOr("data-state", ""); st != "stopped" {
		t.Errorf("state before going live %q", st)
	}
	rev := d.Find(`[data-testid="live-control-b"] input[name="revision"]`).AttrOr("value", "")
	// The editor leads here, and the console back to the editor.
	if href := d.Find(testid("live-back")).AttrOr("href", ""); href != fmt.Sprintf("/studio/versions/%d", r.version) {
		t.Errorf("back link %q", href)
	}
	resp, err = http.Get(fmt.Sprintf("%s/studio/versions/%d", r.srv.URL, r.version))
	if err != nil {
		t.Fatal(err)
	}
	ed, _ := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if href := ed.Find(testid("open-live")).AttrOr("href", ""); href != fmt.Sprintf("/studio/versions/%d/live", r.version) {
		t.Errorf("the editor's live link %q", href)
	}

	if code, body := r.post(t, "/scene", url.Values{"scene": {"second"}}); code != http.StatusConflict || !strings.Contains(body, "go live first") {
		t.Fatalf("switch before going live: %d %s", code, body)
	}
	for _, form := range []url.Values{
		{"mediator": {"remote"}, "url": {"ftp://x"}, "token": {"t"}},
		{"mediator": {"remote"}, "url": {r.srv.URL}},
	} {
		if code, body := r.post(t, "/start", form); code != http.StatusUnprocessableEntity || !strings.Contains(body, "remote mediator") {
			t.Fatalf("remote go-live form %v: %d %s", form, code, body)
		}
	}
	// A remote mediator (here this same server) refusing the token: the
	// reason and code are shown.
	if code, body := r.post(t, "/start", url.Values{"mediator": {"remote"}, "url": {r.srv.URL}, "token": {"wrong"}}); code != http.StatusBadGateway || !strings.Contains(body, "4019") {
		t.Fatalf("remote go-live with a wrong token: %d %s", code, body)
	}
	if code, body := r.post(t, "/start", nil); code != http.StatusOK {
		t.Fatalf("go live: %d %s", code, body)
	}
	if code, body := r.post(t, "/start", nil); code != http.StatusConflict || !strings.Contains(body, "already live") {
		t.Fatalf("go live twice: %d %s", code, body)
	}
	r.join(t, "viewer1")
	// The participants panel moves one participant; an unknown one is
	// refused (4015 from a server that says so, or "not connected").
	var sessionID string
	deadline := time.Now().Add(5 * time.Second)
	for sessionID == "" && time.Now().Before(deadline) {
		s := openSSE(t, fmt.Sprintf("%s/api/live/%d/events", r.srv.URL, r.owner.ChannelID), r.token, "")
		ev := s.next(t, "a snapshot", func(ev sseEvent) bool { return ev.Event == "snapshot" })
		s.close()
		var snap struct {
			Participants []console.ParticipantInfo `json:"participants"`
		}
		json.Unmarshal([]byte(ev.Data), &snap)
		if len(snap.Participants) == 1 && snap.Participants[0].Username == "viewer1" {
			sessionID = snap.Participants[0].SessionID
		}
	}
	if code, body := r.post(t, "/participant", url.Values{"participant": {sessionID}, "group": {"default"}}); code != http.StatusOK {
		t.Fatalf("move %q: %d %s", sessionID, code, body)
	}
	if code, body := r.post(t, "/participant", url.Values{"participant": {"00000000-0000-0000-0000-000000000000"}, "group": {"default"}}); (code != http.StatusUnprocessableEntity || !strings.Contains(body, "4015")) && (code != http.StatusNotFound || !strings.Contains(body, "not connected")) {
		t.Fatalf("move an unknown participant: %d %s", code, body)
	}
	if code, body := r.post(t, "/autocapture", url.Values{"control": {"b"}, "on": {"true"}}); code != http.StatusOK || !strings.Contains(body, "on") {
		t.Fatalf("auto-capture on: %d %s", code, body)
	}
	if code, body := r.post(t, "/autocapture", url.Values{}); code != http.StatusUnprocessableEntity {
		t.Fatalf("auto-capture without a control: %d %s", code, body)
	}
	if code, body := r.post(t, "/scene", url.Values{"group": {"default"}, "scene": {"second"}}); code != http.StatusOK {
		t.Fatalf("switch: %d %s", code, body)
	}
	if code, body := r.post(t, "/scene", url.Values{"scene": {"nowhere"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "4010") {
		t.Fatalf("switch to an unknown scene: %d %s", code, body)
	}

	form := url.Values{"scene": {"default"}, "control": {"b"}, "disabled": {"disable"}, "text": {"Wait"}, "priority": {"2"}, "save": {"1"}, "revision": {rev}}
	code, body := r.post(t, "/control", form)
	var res actionResult
	json.Unmarshal([]byte(body), &res)
	if code != http.StatusOK || !res.Saved || strconv.FormatInt(res.Revision, 10) == rev {
		t.Fatalf("change and save: %d %s", code, body)
	}
	sc, _ := r.db.FindScene(context.Background(), r.version, "default")
	if c := sc.Control("b"); c.Disabled == nil || !*c.Disabled || *c.Text != "Wait" {
		t.Fatalf("saved %+v", c)
	}
	// The same form again carries the old revision: live, not saved.
	code, body = r.post(t, "/control", form)
	if code != http.StatusConflict || !strings.Contains(body, "not saved") || !strings.Contains(body, "another tab") {
		t.Fatalf("stale save: %d %s", code, body)
	}
	if code, body := r.post(t, "/control", url.Values{"scene": {"default"}, "control": {"b"}, "cost": {"ten"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "cost") {
		t.Fatalf("bad cost: %d %s", code, body)
	}
	if code, body := r.post(t, "/broadcast", url.Values{"scope": {"nowhere:1"}, "data": {`{"a":1}`}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "4024") {
		t.Fatalf("bad broadcast scope: %d %s", code, body)
	}
	if code, body := r.post(t, "/broadcast", url.Values{"scope": {"everyone"}, "data": {`{"a":`}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "JSON object") {
		t.Fatalf("bad broadcast data: %d %s", code, body)
	}
	if code, body := r.post(t, "/capture", url.Values{"transaction": {"00000000-0000-0000-0000-000000000000"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "4006") {
		t.Fatalf("capture of an unknown transaction: %d %s", code, body)
	}
	if code, body := r.post(t, "/stop", nil); code != http.StatusOK {
		t.Fatalf("stop: %d %s", code, body)
	}
	resp, _ = http.Get(r.base())
	d, _ = goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if st := d.Find(testid("live-state")).Text(); !strings.Contains(st, "stopped by the streamer") {
		t.Fatalf("state after stop %q", st)
	}
	if !d.Find(testid("live-autocapture-b")).Is("[checked]") {
		t.Fatal("the auto-capture toggle of b is not shown on")
	}
	// Another user's version is not found.
	other, _ := r.db.EnsureUser(context.Background(), "other")
	_, ov, err := r.db.CreateProject(context.Background(), other.ID, "theirs")
	if err != nil {
		t.Fatal(err)
	}
	resp, _ = http.Get(fmt.Sprintf("%s/studio/versions/%d/live", r.srv.URL, ov.ID))
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another user's console: %d", resp.StatusCode)
	}
}

// The token-authorised stream refuses missing, wrong and foreign tokens.
func TestLiveEventsAPIAuth(t *testing.T) {
	r := newLiveRig(t, console.Config{})
	ctx := context.Background()
	other, _ := r.db.EnsureUser(ctx, "other")
	otherToken, _, _ := r.db.CreateAccessToken(ctx, persistence.NewToken{UserID: other.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	participantKey, _, _ := r.db.CreateAccessToken(ctx, persistence.NewToken{UserID: r.owner.ID, Scope: studio.ScopeParticipant, TTL: time.Hour})
	u := fmt.Sprintf("%s/api/live/%d/events", r.srv.URL, r.owner.ChannelID)
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "nope", http.StatusUnauthorized},
		{"another user's token", otherToken, http.StatusForbidden},
		{"the owner's participant key", participantKey, http.StatusForbidden},
		{"the owner's token", r.token, http.StatusOK},
	} {
		s := openSSE(t, u, tc.token, "")
		if s.resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, s.resp.StatusCode, tc.want)
		}
		s.close()
	}
	s := openSSE(t, fmt.Sprintf("%s/api/live/%d/events", r.srv.URL, other.ChannelID), r.token, "")
	if s.resp.StatusCode != http.StatusForbidden {
		t.Errorf("another channel with the owner's token: %d", s.resp.StatusCode)
	}
}

// Resumption over HTTP: Last-Event-ID gives exactly the events after it,
// once; an id that left the buffer gets "event: reset" with a snapshot.
func TestLiveEventsResumeWithLastEventID(t *testing.T) {
	r := newLiveRig(t, console.Config{BufferSize: 64, StatsInterval: time.Hour})
	u := fmt.Sprintf("%s/api/live/%d/events", r.srv.URL, r.owner.ChannelID)
	first := openSSE(t, u, r.token, "")
	h := first.resp.Header
	if h.Get("Content-Type") != "text/event-stream" || h.Get("Cache-Control") != "no-store" || h.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("headers %v", h)
	}
	first.next(t, "the snapshot", func(ev sseEvent) bool { return ev.Event == "snapshot" })
	if code, body := r.post(t, "/start", nil); code != http.StatusOK {
		t.Fatalf("go live: %d %s", code, body)
	}
	v := r.join(t, "viewer1")
	for i := 0; i < 10; i++ {
		v.press(t, "b")
	}
	var ids []uint64
	for len(ids) < 10 {
		ev := first.next(t, "an input", isInput)
		id, err := strconv.ParseUint(ev.ID, 10, 64)
		if err != nil || (len(ids) > 0 && id <= ids[len(ids)-1]) {
			t.Fatalf("id %q after %v", ev.ID, ids)
		}
		ids = append(ids, id)
	}
	first.close()
	// Seven more while nobody listens.
	for i := 0; i < 7; i++ {
		v.press(t, "b")
	}
	waitTotal(t, r, 17)

	again := openSSE(t, u, r.token, strconv.FormatUint(ids[4], 10))
	var got []uint64
	for len(got) < 12 {
		ev := again.next(t, "a resumed input", isInput)
		id, _ := strconv.ParseUint(ev.ID, 10, 64)
		got = append(got, id)
	}
	if got[0] != ids[5] || got[4] != ids[9] {
		t.Fatalf("resumed ids %v after %d, first stream %v", got, ids[4], ids)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("ids not increasing or repeated: %v", got)
		}
	}
	again.close()

	// Push the early ids out of the 64-event buffer, from two viewers: one
	// alone would pass its input rate's burst (limits.InputPerSecond).
	w := r.join(t, "viewer2")
	for i := 0; i < 80; i++ {
		[]*liveViewer{v, w}[i%2].press(t, "b")
	}
	waitTotal(t, r, 97)
	old := openSSE(t, u, r.token, strconv.FormatUint(ids[0], 10))
	ev := old.next(t, "a reset", func(ev sseEvent) bool { return ev.Event != "" || isInput(ev) })
	if ev.Event != "reset" || !strings.Contains(ev.Data, `"total":97`) || ev.ID == "" {
		t.Fatalf("too old an id got %+v, want a reset with the snapshot", ev)
	}
}

// waitTotal waits until the console counted n inputs.
func waitTotal(t testing.TB, r *liveRig, n uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The channel's own count, from a fresh snapshot.
		s := openSSE(t, fmt.Sprintf("%s/api/live/%d/events", r.srv.URL, r.owner.ChannelID), r.token, "")
		ev := s.next(t, "a snapshot", func(ev sseEvent) bool { return ev.Event == "snapshot" })
		s.close()
		var snap struct {
			Stats console.Stats `json:"stats"`
		}
		json.Unmarshal([]byte(ev.Data), &snap)
		if snap.Stats.Total >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("console counted %d inputs, want %d", snap.Stats.Total, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The page's own stream works with the session cookie's user (here the
// loopback owner) and starts with a snapshot.
func TestLivePageStreamStartsWithASnapshot(t *testing.T) {
	r := newLiveRig(t, console.Config{})
	s := openSSE(t, r.base()+"/events", "", "")
	if s.resp.StatusCode != http.StatusOK {
		t.Fatalf("page stream: %d", s.resp.StatusCode)
	}
	ev := s.next(t, "the snapshot", func(ev sseEvent) bool { return ev.Event == "snapshot" })
	if !strings.Contains(ev.Data, `"state":"stopped"`) {
		t.Fatalf("snapshot %s", ev.Data)
	}
	r.post(t, "/start", nil)
	s.next(t, "the live state", func(ev sseEvent) bool { return strings.Contains(ev.Data, `"state":"live"`) })
	r.post(t, "/stop", nil)
	s.next(t, "the stopped state", func(ev sseEvent) bool { return strings.Contains(ev.Data, "stopped by the streamer") })
}

// An idle stream gets heartbeat comments; a client going away ends its
// subscription (the handler stops on the request's cancellation).
func TestLiveStreamHeartbeatAndCancel(t *testing.T) {
	r := newLiveRig(t, console.Config{Heartbeat: 20 * time.Millisecond, StatsInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/live/%d/events", r.srv.URL, r.owner.ChannelID), nil)
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	beats := 0
	for beats < 3 && sc.Scan() {
		if sc.Text() == ": heartbeat" {
			beats++
		}
	}
	if beats != 3 {
		t.Fatalf("%d heartbeats before the stream ended: %v", beats, sc.Err())
	}
	ch := r.console.Channel(r.owner.ChannelID)
	if n := ch.Subscribers(); n != 1 {
		t.Fatalf("%d subscribers while streaming", n)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for ch.Subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the subscription outlived its client")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
