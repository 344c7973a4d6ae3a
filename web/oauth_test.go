package web

import (
	"bytes"
	"context"
	"github.com/mixstudio/mixstudio/internal/limits"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// shortcodeFixture is a running server with one registered application.
type shortcodeFixture struct {
	s        *Server
	db       *persistence.DB
	clock    *testClock
	srv      *httptest.Server
	clientID string
}

func newShortcodeFixture(t *testing.T, cfg Config) *shortcodeFixture {
	s, db, clock := identityServer(t, cfg)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	cl, _, err := db.CreateOAuthClient(context.Background(), "Test Game", false)
	if err != nil {
		t.Fatal(err)
	}
	return &shortcodeFixture{s: s, db: db, clock: clock, srv: srv, clientID: cl.ClientID}
}

// start asks for a shortcode as a device would.
func (f *shortcodeFixture) start(t *testing.T) (code, handle string) {
	t.Helper()
	st, out := api(t, f.srv.URL, "POST", "/api/v1/oauth/shortcode", jsonType,
		jsonBody(map[string]string{"client_id": f.clientID, "scope": "interactive:robot:self"}), "")
	if st != http.StatusOK {
		t.Fatalf("shortcode: %d %v", st, out)
	}
	code, _ = out["code"].(string)
	handle, _ = out["handle"].(string)
	if out["expires_in"] != float64(120) || len(code) != 6 || len(handle) < 32 {
		t.Fatalf("shortcode answer %v", out)
	}
	for _, r := range code {
		if !strings.ContainsRune(studio.ShortcodeAlphabet, r) {
			t.Fatalf("code %q has %q, outside the unambiguous alphabet", code, r)
		}
	}
	return code, handle
}

func (f *shortcodeFixture) check(t *testing.T, handle string) (int, map[string]any) {
	t.Helper()
	return api(t, f.srv.URL, "GET", "/api/v1/oauth/shortcode/check/"+handle, "", "", "")
}

// answer enters the code at /go as the signed-in browser and decides.
func answer(t *testing.T, b *browser, code, decision string) {
	t.Helper()
	if st, _ := b.get("/go"); st != http.StatusOK {
		t.Fatalf("GET /go: %d", st)
	}
	resp, body := b.post("/go", url.Values{"code": {strings.ToLower(code)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Test Game") || !strings.Contains(body, "interactive:robot:self") {
		t.Fatalf("confirmation step: %d %s", resp.StatusCode, body)
	}
	resp, body = b.post("/go", url.Values{"code": {code}, "decision": {decision}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="go-done"`) {
		t.Fatalf("decision: %d %s", resp.StatusCode, body)
	}
}

func (f *shortcodeFixture) exchange(t *testing.T, clientID, authCode string) (int, map[string]any) {
	t.Helper()
	return api(t, f.srv.URL, "POST", "/api/v1/oauth/token", jsonType, jsonBody(map[string]string{
		"client_id": clientID, "code": authCode, "grant_type": "authorization_code", "redirect_uri": "ignored"}), "")
}

func TestShortcodeFlowGrantedOverHTTP(t *testing.T) {
	f := newShortcodeFixture(t, Config{})
	code, handle := f.start(t)
	if st, _ := f.check(t, handle); st != http.StatusNoContent {
		t.Fatalf("waiting: %d", st)
	}
	answer(t, newBrowser(t, f.srv), code, "approve")
	st, out := f.check(t, handle)
	authCode, _ := out["code"].(string)
	if st != http.StatusOK || authCode == "" {
		t.Fatalf("granted: %d %v", st, out)
	}

	// Another registered client can't use the code, nor can an unknown one.
	other, _, _ := f.db.CreateOAuthClient(context.Background(), "Other", false)
	if st, out := f.exchange(t, other.ClientID, authCode); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("wrong client: %d %v", st, out)
	}
	if st, out := f.exchange(t, "no-such-client", authCode); st != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Fatalf("unknown client: %d %v", st, out)
	}
	if st, out := f.exchange(t, "", authCode); st != http.StatusBadRequest || out["error"] != "invalid_request" {
		t.Fatalf("no client: %d %v", st, out)
	}

	st, out = f.exchange(t, f.clientID, authCode)
	access, _ := out["access_token"].(string)
	refresh, _ := out["refresh_token"].(string)
	if st != http.StatusOK || access == "" || refresh == "" || out["token_type"] != "Bearer" || out["expires_in"] != float64(21600) {
		t.Fatalf("exchange: %d %v", st, out)
	}
	st, me := api(t, f.srv.URL, "GET", "/api/v1/users/current", "", "", access)
	ch, _ := me["channel"].(map[string]any)
	if st != http.StatusOK || me["username"] != persistence.OwnerUsername || ch["id"] == nil || me["id"] == nil {
		t.Fatalf("users/current: %d %v", st, me)
	}

	// The code works once, and the handle is spent.
	if st, out := f.exchange(t, f.clientID, authCode); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("reused code: %d %v", st, out)
	}
	if st, _ := f.check(t, handle); st != http.StatusNotFound {
		t.Fatalf("check after exchange: %d", st)
	}
}

func TestShortcodeFlowDeniedIs403(t *testing.T) {
	f := newShortcodeFixture(t, Config{})
	code, handle := f.start(t)
	answer(t, newBrowser(t, f.srv), code, "deny")
	if st, _ := f.check(t, handle); st != http.StatusForbidden {
		t.Fatalf("denied: %d", st)
	}
	f.clock.Advance(persistence.ShortcodeTTL)
	if st, _ := f.check(t, handle); st != http.StatusNotFound {
		t.Fatalf("denied then expired: %d", st)
	}
}

func TestShortcodeExpiresAfter120Seconds(t *testing.T) {
	f := newShortcodeFixture(t, Config{})
	code, handle := f.start(t)
	f.clock.Advance(119 * time.Second)
	if st, _ := f.check(t, handle); st != http.StatusNoContent {
		t.Fatalf("at 119s: %d", st)
	}
	f.clock.Advance(time.Second)
	if st, _ := f.check(t, handle); st != http.StatusNotFound {
		t.Fatalf("at 120s: %d", st)
	}
	b := newBrowser(t, f.srv)
	b.get("/go")
	if resp, body := b.post("/go", url.Values{"code": {code}}); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "expired") {
		t.Fatalf("expired code at /go: %d", resp.StatusCode)
	}
	if st, _ := f.check(t, "not-a-handle"); st != http.StatusNotFound {
		t.Fatalf("unknown handle: %d", st)
	}
}

func TestShortcodeGrantedCodeExpiresUnexchanged(t *testing.T) {
	f := newShortcodeFixture(t, Config{})
	code, handle := f.start(t)
	answer(t, newBrowser(t, f.srv), code, "approve")
	_, out := f.check(t, handle)
	authCode, _ := out["code"].(string)
	f.clock.Advance(persistence.ShortcodeTTL)
	if st, out := f.exchange(t, f.clientID, authCode); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("expired code: %d %v", st, out)
	}
}

func TestShortcodeRequestValidation(t *testing.T) {
	f := newShortcodeFixture(t, Config{})
	secretClient, secret, _ := f.db.CreateOAuthClient(context.Background(), "Server App", true)
	for _, tc := range []struct {
		name, ctype, body string
		want              int
		errCode           string
	}{
		{"form body", "application/x-www-form-urlencoded", "client_id=" + f.clientID + "&scope=interactive%3Arobot%3Aself", 200, ""},
		{"default scope", jsonType, `{"client_id":"` + f.clientID + `"}`, 200, ""},
		{"no client", jsonType, `{"scope":"interactive:robot:self"}`, 400, "invalid_request"},
		{"unknown client", jsonType, `{"client_id":"nope"}`, 401, "invalid_client"},
		{"unknown scope", jsonType, `{"client_id":"` + f.clientID + `","scope":"user:act_as"}`, 400, "invalid_scope"},
		{"broken JSON", jsonType, `{"client_id":`, 400, "invalid_request"},
		{"wrong type", jsonType, `{"client_id":5}`, 400, "invalid_request"},
		{"huge body", jsonType, `{"client_id":"` + strings.Repeat("a", 20000) + `"}`, 400, "invalid_request"},
		{"secret missing", jsonType, `{"client_id":"` + secretClient.ClientID + `"}`, 401, "invalid_client"},
		{"secret wrong", jsonType, `{"client_id":"` + secretClient.ClientID + `","client_secret":"x"}`, 401, "invalid_client"},
		{"secret right", jsonType, `{"client_id":"` + secretClient.ClientID + `","client_secret":"` + secret + `"}`, 200, ""},
	} {
		st, out := api(t, f.srv.URL, "POST", "/api/v1/oauth/shortcode", tc.ctype, tc.body, "")
		if st != tc.want || tc.errCode != "" && out["error"] != tc.errCode {
			t.Errorf("%s: %d %v, want %d %s", tc.name, st, out, tc.want, tc.errCode)
		}
	}
	for _, tc := range []struct{ name, body, errCode string }{
		{"no grant type", `{"client_id":"` + f.clientID + `","code":"x"}`, "unsupported_grant_type"},
		{"password grant", `{"client_id":"` + f.clientID + `","grant_type":"password"}`, "unsupported_grant_type"},
		{"no code", `{"client_id":"` + f.clientID + `","grant_type":"authorization_code"}`, "invalid_request"},
		{"made-up code", `{"client_id":"` + f.clientID + `","grant_type":"authorization_code","code":"abc"}`, "invalid_grant"},
		{"no refresh token", `{"client_id":"` + f.clientID + `","grant_type":"refresh_token"}`, "invalid_request"},
	} {
		if st, out := api(t, f.srv.URL, "POST", "/api/v1/oauth/token", jsonType, tc.body, ""); st != 400 || out["error"] != tc.errCode {
			t.Errorf("%s: %d %v, want 400 %s", tc.name, st, out, tc.errCode)
		}
	}
}

// grantedTokens runs the whole flow and returns the token answer.
func (f *shortcodeFixture) grantedTokens(t *testing.T) (access, refresh string) {
	code, handle := f.start(t)
	answer(t, newBrowser(t, f.srv), code, "approve")
	_, out := f.check(t, handle)
	authCode, _ := out["code"].(string)
	_, out = f.exchange(t, f.clientID, authCode)
	access, _ = out["access_token"].(string)
	refresh, _ = out["refresh_token"].(string)
	return access, refresh
}

func TestAccessTokenExpiryAndRefreshOnce(t *testing.T) {
	f := newShortcodeFixture(t, Config{})
	access, refresh := f.grantedTokens(t)
	refreshReq := func(clientID, tok string) (int, map[string]any) {
		return api(t, f.srv.URL, "POST", "/api/v1/oauth/token", "application/x-www-form-urlencoded",
			url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {tok}}.Encode(), "")
	}

	f.clock.Advance(persistence.AccessTokenTTL)
	if st, _ := api(t, f.srv.URL, "GET", "/api/v1/users/current", "", "", access); st != http.StatusUnauthorized {
		t.Fatalf("expired access token: %d", st)
	}
	other, _, _ := f.db.CreateOAuthClient(context.Background(), "Other", false)
	if st, out := refreshReq(other.ClientID, refresh); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("refresh by another client: %d %v", st, out)
	}
	st, out := refreshReq(f.clientID, refresh)
	access2, _ := out["access_token"].(string)
	refresh2, _ := out["refresh_token"].(string)
	if st != http.StatusOK || access2 == "" || refresh2 == "" || refresh2 == refresh {
		t.Fatalf("refresh: %d %v", st, out)
	}
	if st, _ := api(t, f.srv.URL, "GET", "/api/v1/users/current", "", "", access2); st != http.StatusOK {
		t.Fatalf("refreshed access token: %d", st)
	}
	if st, out := refreshReq(f.clientID, refresh); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("old refresh token reused: %d %v", st, out)
	}
	if st, _ := refreshReq(f.clientID, refresh2); st != http.StatusOK {
		t.Fatalf("new refresh token: %d", st)
	}
}

// The 6th wrong code in a minute is refused with 429, per user (from any
// address) and per address (for any user); a minute later tries resume.
func TestGoCodeBruteForceIsRateLimited(t *testing.T) {
	s, db, clock := identityServer(t, Config{RequireSignIn: true})
	ctx := context.Background()
	sessionOf := func(name string) string {
		u, _ := db.CreateUser(ctx, name)
		sess, _ := db.CreateSession(ctx, u.ID)
		return sess
	}
	alice, bob, carol := sessionOf("alice"), sessionOf("bob"), sessionOf("carol")
	try := func(session, ip, code string) int {
		req := httptest.NewRequest(http.MethodPost, "/go", strings.NewReader(url.Values{"code": {code}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin") // a browser's own form
		req.RemoteAddr = ip + ":40000"
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	cl, _, _ := db.CreateOAuthClient(ctx, "Game", false)
	live, err := db.CreateShortcode(ctx, cl.ClientID, "", studio.ScopeRobotSelf)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if st := try(alice, "10.0.0.1", "WRONG"+string(rune('0'+i))); st != http.StatusNotFound {
			t.Fatalf("wrong try %d: %d", i, st)
		}
	}
	if st := try(alice, "10.0.0.2", live.Code); st != http.StatusTooManyRequests {
		t.Fatalf("alice's 6th try, from another address: %d", st)
	}
	if st := try(bob, "10.0.0.1", live.Code); st != http.StatusTooManyRequests {
		t.Fatalf("bob from alice's address: %d", st)
	}
	if st := try(carol, "10.0.0.3", live.Code); st != http.StatusOK {
		t.Fatalf("carol elsewhere with the right code: %d", st)
	}
	clock.Advance(time.Minute)
	if st := try(alice, "10.0.0.1", live.Code); st != http.StatusOK {
		t.Fatalf("alice a minute later: %d", st)
	}
}

func TestTokensNeverAppearInLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newShortcodeFixture(t, Config{Logger: logger})
	access, refresh := f.grantedTokens(t)
	secrets := []string{access, refresh}
	bad := "bad-" + access[4:]
	secrets = append(secrets, bad)

	api(t, f.srv.URL, "GET", "/api/v1/users/current", "", "", access)
	api(t, f.srv.URL, "GET", "/api/v1/users/current", "", "", bad)
	api(t, f.srv.URL, "GET", "/api/v1/users/current?access_token="+bad, "", "", "")
	owner, _ := f.db.EnsureOwner(context.Background())
	_, join := api(t, f.srv.URL, "GET", "/api/v1/interactive/"+itoa(owner.ChannelID), "", "", access)
	if key, _ := join["key"].(string); key != "" {
		secrets = append(secrets, key)
	}
	api(t, f.srv.URL, "GET", "/api/v1/interactive/"+itoa(owner.ChannelID), "", "", bad)
	api(t, f.srv.URL, "POST", "/api/v1/oauth/token", jsonType, jsonBody(map[string]string{
		"client_id": f.clientID, "grant_type": "refresh_token", "refresh_token": refresh}), "")
	api(t, f.srv.URL, "POST", "/api/v1/oauth/token", jsonType, jsonBody(map[string]string{
		"client_id": f.clientID, "grant_type": "refresh_token", "refresh_token": refresh}), "") // reused: refused
	_, handle := f.start(t)
	secrets = append(secrets, handle)
	f.check(t, handle)
	f.check(t, handle+"x")

	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for _, sec := range secrets {
		if strings.Contains(logs.String(), sec) {
			t.Fatalf("secret %q appears in the log:\n%s", sec, logs.String())
		}
	}
}

func itoa(n int64) string { return strings.TrimSpace(strings.Replace(jsonBody(n), `"`, "", -1)) }

func TestShortcodeRequestsArePerAddressLimited(t *testing.T) {
	f := newShortcodeFixture(t, Config{})
	body := jsonBody(map[string]string{"client_id": f.clientID})
	for i := 0; i < limits.Shortcodes.Burst; i++ {
		if st, out := api(t, f.srv.URL, "POST", "/api/v1/oauth/shortcode", jsonType, body, ""); st != 200 {
			t.Fatalf("request %d: %d %v", i+1, st, out)
		}
	}
	if st, out := api(t, f.srv.URL, "POST", "/api/v1/oauth/shortcode", jsonType, body, ""); st != http.StatusTooManyRequests || out["error"] != "slow_down" {
		t.Fatalf("request %d: %d %v", limits.Shortcodes.Burst+1, st, out)
	}
	f.clock.Advance(time.Minute)
	if st, _ := api(t, f.srv.URL, "POST", "/api/v1/oauth/shortcode", jsonType, body, ""); st != 200 {
		t.Fatalf("a minute later: %d", st)
	}
}
