package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

func TestUsersCurrentNeedsAValidBearer(t *testing.T) {
	s, db, _ := identityServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx := context.Background()
	u, _ := db.CreateUser(ctx, "streamer")
	tok, _, _ := db.CreateAccessToken(ctx, persistence.NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})

	st, out := api(t, srv.URL, "GET", "/api/v1/users/current", "", "", tok)
	ch, _ := out["channel"].(map[string]any)
	if st != 200 || out["id"] != float64(u.ID) || out["username"] != "streamer" || ch["id"] != float64(u.ChannelID) || out["level"] != float64(0) {
		t.Fatalf("users/current: %d %v", st, out)
	}
	// A bare token (some C++/Unity callers) works too.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/users/current", nil)
	req.Header.Set("Authorization", tok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("bare token: %v %v", resp, err)
	}
	for _, bad := range []string{"", "nope", tok + "x"} {
		if st, _ := api(t, srv.URL, "GET", "/api/v1/users/current", "", "", bad); st != http.StatusUnauthorized {
			t.Errorf("token %q: %d", bad, st)
		}
	}
}

func TestInteractiveChannelGivesParticipantsAnAddressAndKey(t *testing.T) {
	s, db, _ := identityServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx := context.Background()
	streamer, _ := db.CreateUser(ctx, "streamer")
	viewer, _ := db.CreateUser(ctx, "viewer")
	tok, _, _ := db.CreateAccessToken(ctx, persistence.NewToken{UserID: viewer.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	path := "/api/v1/interactive/" + strconv.FormatInt(streamer.ChannelID, 10)
	wantAddr := "ws://" + strings.TrimPrefix(srv.URL, "http://") + "/participant?channel=" + strconv.FormatInt(streamer.ChannelID, 10)

	st, anon := api(t, srv.URL, "GET", path, "", "", "")
	if st != 200 || anon["socketAddress"] != wantAddr || anon["key"] != nil || anon["user"] != nil {
		t.Fatalf("anonymous: %d %v", st, anon)
	}
	st, out := api(t, srv.URL, "GET", path, "", "", tok)
	key, _ := out["key"].(string)
	if st != 200 || out["socketAddress"] != wantAddr || key == "" || key == tok || out["user"] != float64(viewer.ID) {
		t.Fatalf("signed in: %d %v", st, out)
	}
	// The key identifies the viewer as a participant, not as a game client.
	if u, err := db.UserByToken(ctx, key); err != nil || u.ID != viewer.ID {
		t.Fatalf("key: %+v %v", u, err)
	}
	if _, err := db.UserByTokenScope(ctx, key, studio.ScopeRobotSelf); err == nil {
		t.Fatal("a participant key works as a robot token")
	}
	if st, _ := api(t, srv.URL, "GET", path, "", "", "bad-token"); st != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", st)
	}
	for _, p := range []string{"/api/v1/interactive/999999", "/api/v1/interactive/-1", "/api/v1/interactive/abc"} {
		if st, _ := api(t, srv.URL, "GET", p, "", "", ""); st != http.StatusNotFound {
			t.Errorf("%s: %d", p, st)
		}
	}
}

func TestInteractiveChannelAddressFollowsThePublicURL(t *testing.T) {
	s, db, _ := identityServer(t, Config{PublicURL: "https://play.example.com/"})
	u, _ := db.CreateUser(context.Background(), "streamer")
	rec := get(t, s.Handler(), "/api/v1/interactive/"+strconv.FormatInt(u.ChannelID, 10))
	want := `"socketAddress":"wss://play.example.com/participant?channel=` + strconv.FormatInt(u.ChannelID, 10) + `"`
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
}

func TestMediatorOnlyServesTheAPIButNoPages(t *testing.T) {
	s, _, _ := identityServer(t, Config{MediatorOnly: true})
	if rec := get(t, s.Handler(), "/signin"); rec.Code != http.StatusNotFound {
		t.Fatalf("/signin on the mediator: %d", rec.Code)
	}
	if rec := get(t, s.Handler(), "/api/v1/users/current"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("users/current on the mediator: %d", rec.Code)
	}
}
