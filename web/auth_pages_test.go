package web

import (
	"context"
	"github.com/mixstudio/mixstudio/internal/limits"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/persistence"
)

func TestSignUpSignOutSignIn(t *testing.T) {
	s, db, _ := identityServer(t, Config{RequireSignIn: true})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	b := newBrowser(t, srv)

	if st, _ := b.get("/account"); st != http.StatusSeeOther {
		t.Fatalf("account before sign-in: %d", st)
	}
	b.get("/signup?next=/account")
	for _, bad := range []url.Values{
		{"username": {"x"}, "password": {"long enough"}},
		{"username": {"viewer"}, "password": {"short"}},
		{"username": {persistence.OwnerUsername}, "password": {"long enough"}},
	} {
		s.owner(context.Background()) // the owner exists, so its name is taken
		if resp, body := b.post("/signup", bad); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="signup-error"`) {
			t.Fatalf("sign-up %v: %d", bad, resp.StatusCode)
		}
	}
	resp, _ := b.post("/signup", url.Values{"username": {"viewer"}, "password": {"long enough"}, "next": {"/account"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("sign-up: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	st, body := b.get("/account")
	if st != 200 || !strings.Contains(body, `data-testid="signed-in-user">viewer<`) {
		t.Fatalf("account after sign-up: %d %s", st, body)
	}
	// A viewer is no owner: no applications page, no gifts.
	if st, _ := b.get("/account/clients"); st != http.StatusForbidden {
		t.Fatalf("viewer on applications: %d", st)
	}
	b.get("/account/sparks")
	if resp, _ := b.post("/account/sparks/gift", url.Values{"username": {"viewer"}, "amount": {"100"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer gifting: %d", resp.StatusCode)
	}

	b.get("/account")
	if resp, _ := b.post("/signout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	if st, _ := b.get("/account"); st != http.StatusSeeOther {
		t.Fatalf("account after sign-out: %d", st)
	}
	b.get("/signin")
	resp, body = b.post("/signin", url.Values{"username": {"viewer"}, "password": {"wrong password"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong username or password") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = b.post("/signin", url.Values{"username": {"viewer"}, "password": {"long enough"}, "next": {"//evil.example"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sessionCookies int
	db.SQL().QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&sessionCookies)
	if sessionCookies != 1 {
		t.Fatalf("%d sessions stored; sign-out should have deleted one", sessionCookies)
	}
}

func TestFormsWithoutCSRFTokenAreRefused(t *testing.T) {
	s, _, _ := identityServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	b := newBrowser(t, srv)
	b.get("/account/tokens")
	b.csrf = "forged"
	if resp, _ := b.post("/account/tokens", url.Values{"label": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged CSRF token: %d", resp.StatusCode)
	}
	b.csrf = ""
	if resp, _ := b.post("/go", url.Values{"code": {"AAAAAA"}}); resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", resp.StatusCode)
	}
}

func TestOwnerSignsInWithTheOneTimeLinkAndSetsAPassword(t *testing.T) {
	s, db, _ := identityServer(t, Config{RequireSignIn: true})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx := context.Background()
	owner, _ := db.EnsureOwner(ctx)
	link, _ := db.CreateSignInLink(ctx, owner.ID)

	b := newBrowser(t, srv)
	if st, _ := b.get("/signin/link?token=" + link); st != http.StatusSeeOther {
		t.Fatalf("link: %d", st)
	}
	st, body := b.get("/account")
	if st != 200 || !strings.Contains(body, "Set a password") {
		t.Fatalf("account: %d", st)
	}
	if resp, _ := b.post("/account/password", url.Values{"password": {"short"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", resp.StatusCode)
	}
	other := newBrowser(t, srv) // a second browser, signed in by another link
	link2, _ := db.CreateSignInLink(ctx, owner.ID)
	other.get("/signin/link?token=" + link2)
	if st, _ := other.get("/account"); st != 200 {
		t.Fatalf("second browser: %d", st)
	}
	if resp, body := b.post("/account/password", url.Values{"password": {"owner password"}}); resp.StatusCode != 200 || !strings.Contains(body, "Password saved") {
		t.Fatalf("set password: %d", resp.StatusCode)
	}
	if st, _ := other.get("/account"); st != http.StatusSeeOther {
		t.Fatalf("the other browser stays signed in after a password change: %d", st)
	}
	if st, _ := b.get("/account"); st != 200 {
		t.Fatalf("the changing browser was signed out: %d", st)
	}
	if resp, _ := b.post("/account/password", url.Values{"current": {"wrong one!"}, "password": {"another one"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("change with a wrong current password: %d", resp.StatusCode)
	}
	if _, err := db.Authenticate(ctx, owner.Username, "owner password"); err != nil {
		t.Fatal(err)
	}
	// The link worked once.
	b2 := newBrowser(t, srv)
	if st, _ := b2.get("/signin/link?token=" + link); st != http.StatusUnauthorized {
		t.Fatalf("link reused: %d", st)
	}
}

func TestTokensPageShowsASecretOnceAndRevokes(t *testing.T) {
	s, db, _ := identityServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	b := newBrowser(t, srv)
	b.get("/account/tokens")
	resp, body := b.post("/account/tokens", url.Values{"label": {"my game"}})
	if resp.StatusCode != 200 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	i := strings.Index(body, `data-testid="new-token"`)
	j := strings.LastIndex(body[:i], `value="`)
	if i < 0 || j < 0 {
		t.Fatalf("no new token shown: %s", body)
	}
	secret := body[j+len(`value="`) : j+strings.Index(body[j:], `" `)]
	if st, _ := api(t, srv.URL, "GET", "/api/v1/users/current", "", "", secret); st != 200 {
		t.Fatalf("new token %q: %d", secret, st)
	}
	st, list := b.get("/account/tokens")
	if st != 200 || strings.Contains(list, secret) || !strings.Contains(list, "my game") {
		t.Fatalf("listing shows the secret or lacks the token: %d", st)
	}
	owner, _ := db.EnsureOwner(context.Background())
	toks, _ := db.ListTokens(context.Background(), owner.ID)
	if len(toks) != 1 {
		t.Fatalf("%d tokens", len(toks))
	}
	id := toks[0].ID
	if resp, _ := b.post("/account/tokens/"+itoa(id)+"/revoke", nil); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if st, _ := api(t, srv.URL, "GET", "/api/v1/users/current", "", "", secret); st != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", st)
	}
	if resp, _ := b.post("/account/tokens/"+itoa(id)+"/revoke", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("revoke twice: %d", resp.StatusCode)
	}
}

func TestClientsPageRegistersAndShowsTheSecretOnce(t *testing.T) {
	s, db, _ := identityServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	b := newBrowser(t, srv)
	b.get("/account/clients")
	resp, body := b.post("/account/clients", url.Values{"name": {"Overlay <b>"}, "secret": {"1"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="new-client-secret"`) || strings.Contains(body, "Overlay <b>") {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	list, _ := db.ListOAuthClients(context.Background())
	if len(list) != 1 || list[0].Name != "Overlay <b>" || !list[0].HasSecret {
		t.Fatalf("clients %+v", list)
	}
	if resp, _ := b.post("/account/clients", url.Values{"name": {"  "}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty name: %d", resp.StatusCode)
	}
	if resp, _ := b.post("/account/clients/"+list[0].ClientID+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if list, _ := db.ListOAuthClients(context.Background()); len(list) != 0 {
		t.Fatalf("still %d clients", len(list))
	}
}

func TestSparksPageGiftsAndSetsTheRate(t *testing.T) {
	s, db, _ := identityServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx := context.Background()
	viewer, _ := db.CreateUser(ctx, "viewer")
	b := newBrowser(t, srv) // the owner, signed in by default on loopback
	b.get("/account/sparks")
	resp, body := b.post("/account/sparks/gift", url.Values{"username": {"viewer"}, "amount": {"40"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Gave 40 sparks to viewer") {
		t.Fatalf("gift: %d", resp.StatusCode)
	}
	if bal, _ := db.SparksBalance(ctx, viewer.ID); bal != 40 {
		t.Fatalf("balance %d", bal)
	}
	for _, bad := range []url.Values{{"username": {"viewer"}, "amount": {"-1"}}, {"username": {"viewer"}, "amount": {"x"}}} {
		if resp, _ := b.post("/account/sparks/gift", bad); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("gift %v: %d", bad, resp.StatusCode)
		}
	}
	if resp, _ := b.post("/account/sparks/gift", url.Values{"username": {"nobody"}, "amount": {"5"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("gift to nobody: %d", resp.StatusCode)
	}
	if resp, _ := b.post("/account/sparks/rate", url.Values{"rate": {"3"}}); resp.StatusCode != 200 {
		t.Fatalf("rate: %d", resp.StatusCode)
	}
	owner, _ := db.EnsureOwner(ctx)
	if r, _ := db.WatchSparksRate(ctx, owner.ChannelID); r != 3 {
		t.Fatalf("rate %d", r)
	}
	if resp, _ := b.post("/account/sparks/rate", url.Values{"rate": {"-2"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("negative rate: %d", resp.StatusCode)
	}
}

func TestSignInPasswordGuessingIsLimited(t *testing.T) {
	s, db, clock := identityServer(t, Config{RequireSignIn: true})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	u, _ := db.CreateUser(context.Background(), "viewer")
	db.SetPassword(context.Background(), u.ID, "the right one")
	b := newBrowser(t, srv)
	b.get("/signin")
	for i := 0; i < limits.SignInFailures.Burst; i++ {
		if resp, _ := b.post("/signin", url.Values{"username": {"viewer"}, "password": {"guess " + itoa(int64(i))}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := b.post("/signin", url.Values{"username": {"viewer"}, "password": {"the right one"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d wrong guesses: %d", limits.SignInFailures.Burst, resp.StatusCode)
	}
	clock.Advance(time.Minute)
	if resp, _ := b.post("/signin", url.Values{"username": {"viewer"}, "password": {"the right one"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a minute later: %d", resp.StatusCode)
	}
}
