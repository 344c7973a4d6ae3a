package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/mixstudio/mixstudio/live/console"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

const overlayTestLayout = `{"format":"mixstudio/2","name":"overlay web","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"b","kind":"button","text":"Horn","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]}]}],
 "groups":[],
 "reactions":[{"sceneID":"default","controlID":"b","kind":"alert","text":"{username} pressed {control}","seconds":1,"image":"horn.png"},
  {"sceneID":"default","controlID":"b","kind":"counter","name":"horns","label":"Horns"}]}`

func httpGet(t testing.TB, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOverlayNeedsTheCurrentKey(t *testing.T) {
	r := newLiveRig(t, console.Config{})
	ctx := context.Background()
	key, err := r.db.OverlayKey(ctx, r.owner.ChannelID)
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("%s/overlay/%d", r.srv.URL, r.owner.ChannelID)
	for _, u := range []string{page, page + "?key=wrong", page + "/events", page + "/events?key=nope"} {
		if code, body := httpGet(t, u); code != http.StatusForbidden || !strings.Contains(body, "overlay URL") {
			t.Errorf("%s: %d %s", u, code, body)
		}
	}
	if code, _ := httpGet(t, fmt.Sprintf("%s/overlay/999999?key=%s", r.srv.URL, key)); code != http.StatusNotFound {
		t.Errorf("unknown channel: %d", code)
	}
	code, body := httpGet(t, page+"?key="+url.QueryEscape(key)+"&position=bottom-left&size=40&color=%23ff0&accent=evil;}")
	if code != http.StatusOK {
		t.Fatalf("overlay page: %d %s", code, body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Find(`[data-testid="overlay"]`)
	if root.AttrOr("data-position", "") != "bottom-left" || root.AttrOr("data-size", "") != "40" ||
		root.AttrOr("data-color", "") != "#ff0" || root.AttrOr("data-accent", "") != "#4f8cff" {
		t.Fatalf("options not applied (or a bad colour kept): %v", root.Nodes[0].Attr)
	}
	if doc.Find(`script[src="/static/js/overlay/overlay.js"]`).Length() != 1 || doc.Find("header").Length() != 0 {
		t.Fatalf("the overlay is a page of its own with its own script")
	}

	// Rotating from the console: the old key stops working.
	status, out := r.post(t, "/overlay/rotate", nil)
	var res struct{ URL string }
	if status != http.StatusOK || json.Unmarshal([]byte(out), &res) != nil || !strings.Contains(res.URL, "/overlay/") {
		t.Fatalf("rotate: %d %s", status, out)
	}
	if code, _ := httpGet(t, page+"?key="+url.QueryEscape(key)); code != http.StatusForbidden {
		t.Fatalf("old key after rotation: %d", code)
	}
	u, _ := url.Parse(res.URL)
	if code, _ := httpGet(t, page+"?"+u.RawQuery); code != http.StatusOK {
		t.Fatalf("new key: %d", code)
	}
}

func TestOverlayEventsFollowPressesAndResume(t *testing.T) {
	r := newLiveRig(t, console.Config{})
	ctx := context.Background()
	l, _, err := studio.Import([]byte(overlayTestLayout))
	if err != nil {
		t.Fatal(err)
	}
	if r.version, err = r.db.ImportLayout(ctx, r.owner.ID, l); err != nil {
		t.Fatal(err)
	}
	if err := r.db.SaveVersionFile(ctx, r.version, persistence.VersionFile{Name: "horn.png", ContentType: "image/png", Data: []byte("\x89PNG fake")}); err != nil {
		t.Fatal(err)
	}
	key, _ := r.db.OverlayKey(ctx, r.owner.ChannelID)
	events := fmt.Sprintf("%s/overlay/%d/events?key=%s", r.srv.URL, r.owner.ChannelID, url.QueryEscape(key))
	s := openSSE(t, events, "", "")
	s.next(t, "the snapshot", func(ev sseEvent) bool { return ev.Event == "snapshot" })
	if code, out := r.post(t, "/start", url.Values{"mediator": {"embedded"}}); code != http.StatusOK {
		t.Fatalf("go live: %d %s", code, out)
	}
	s.next(t, "clear", func(ev sseEvent) bool { return strings.Contains(ev.Data, `"kind":"clear"`) })
	v := r.join(t, "carol")
	// The console learns carol's name from her join; wait until it has.
	waitFor(t, "carol listed", func() bool { return len(r.console.Channel(r.owner.ChannelID).Participants(10)) == 1 })
	v.press(t, "b")
	alert := s.next(t, "the alert", func(ev sseEvent) bool { return strings.Contains(ev.Data, `"kind":"alert"`) })
	if !strings.Contains(alert.Data, `"text":"carol pressed Horn"`) || !strings.Contains(alert.Data, `"image":"horn.png"`) {
		t.Fatalf("alert %s", alert.Data)
	}
	if strings.Contains(alert.Data, "participant") {
		t.Fatalf("the overlay must not carry session ids: %s", alert.Data)
	}
	s.next(t, "the counter", func(ev sseEvent) bool { return strings.Contains(ev.Data, `"count":1`) })
	v.press(t, "b")
	s.close()

	// Resuming after the alert gets what came after it, once.
	r2 := openSSE(t, events, "", alert.ID)
	ev := r2.next(t, "the backlog", func(sseEvent) bool { return true })
	if ev.Event != "" || !strings.Contains(ev.Data, `"count":1`) {
		t.Fatalf("first resumed event %+v", ev)
	}

	// The alert's image, with the key, and only with it.
	file := fmt.Sprintf("%s/overlay/%d/files/%d/horn.png", r.srv.URL, r.owner.ChannelID, r.version)
	if code, body := httpGet(t, file+"?key="+url.QueryEscape(key)); code != http.StatusOK || body != "\x89PNG fake" {
		t.Fatalf("file: %d %q", code, body)
	}
	if code, _ := httpGet(t, file); code != http.StatusForbidden {
		t.Fatalf("file without key: %d", code)
	}
}

// waitFor polls a condition the code under test reaches on its own (no
// event to wait on from outside the console).
func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An overlay's stream ends when the server shuts down, so a connected OBS
// source never holds up the exit.
func TestOverlayStreamEndsAtShutdown(t *testing.T) {
	r := newLiveRig(t, console.Config{})
	key, _ := r.db.OverlayKey(context.Background(), r.owner.ChannelID)
	s := openSSE(t, fmt.Sprintf("%s/overlay/%d/events?key=%s", r.srv.URL, r.owner.ChannelID, url.QueryEscape(key)), "", "")
	s.next(t, "the snapshot", func(ev sseEvent) bool { return ev.Event == "snapshot" })
	r.console.Shutdown(context.Background())
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, open := <-s.events:
			if !open {
				return
			}
		case <-timeout:
			t.Fatal("the overlay's stream stayed open after shutdown")
		}
	}
}

// An overlay serves the files of its own channel owner's versions only:
// another user's version answers as a missing one, file or not.
func TestOverlayFileOfAnotherUsersVersionIsNotFound(t *testing.T) {
	r := newLiveRig(t, console.Config{})
	ctx := context.Background()
	key, err := r.db.OverlayKey(ctx, r.owner.ChannelID)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := r.db.CreateUser(ctx, "stranger")
	if err != nil {
		t.Fatal(err)
	}
	_, theirs, err := r.db.CreateProject(ctx, stranger.ID, "Theirs")
	if err != nil {
		t.Fatal(err)
	}
	horn := persistence.VersionFile{Name: "horn.png", ContentType: "image/png", Data: []byte("\x89PNG fake")}
	for _, v := range []int64{r.version, theirs.ID} {
		if err := r.db.SaveVersionFile(ctx, v, horn); err != nil {
			t.Fatal(err)
		}
	}
	file := func(v int64) string {
		return fmt.Sprintf("%s/overlay/%d/files/%d/horn.png?key=%s", r.srv.URL, r.owner.ChannelID, v, url.QueryEscape(key))
	}
	if code, body := httpGet(t, file(r.version)); code != http.StatusOK || body != string(horn.Data) {
		t.Fatalf("own version's file: %d %q", code, body)
	}
	if code, _ := httpGet(t, file(theirs.ID)); code != http.StatusNotFound {
		t.Fatalf("another user's version's file: %d, want 404", code)
	}
}
