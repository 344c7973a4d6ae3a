package web

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// Studio, account and sign-in pages may not be framed by another site
// (a framed /studio let a real click duplicate a project), run no inline
// script and are not sniffed.
func TestStudioPagesCannotBeFramed(t *testing.T) {
	s, _, _ := identityServer(t, Config{})
	base := newProject(t, s, "Framed")
	for _, path := range []string{"/studio", base, base + "/preview", "/go", "/account", "/account/tokens", "/signin", "/signup"} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: X-Frame-Options %q, X-Content-Type-Options %q", path, h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
		}
		if strings.Contains(rec.Body.String(), "onclick=") {
			t.Errorf("GET %s: an inline handler the policy would block", path)
		}
	}
}

// post sends a same-origin form from addr, as a browser's own form does.
func postFrom(s *Server, addr, path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.RemoteAddr = addr + ":40000"
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// Wrong passwords for the owner from one address lock that address out,
// not the owner: the right password from elsewhere still signs in.
func TestOwnerIsNotLockedOutByGuessesFromElsewhere(t *testing.T) {
	s, db, _ := identityServer(t, Config{RequireSignIn: true})
	ctx := context.Background()
	owner, _ := db.EnsureOwner(ctx)
	db.SetPassword(ctx, owner.ID, "the owner's own")
	guess := url.Values{"username": {persistence.OwnerUsername}, "password": {"a guess"}}
	for i := range limits.SignInFailures.Burst {
		if rec := postFrom(s, "203.0.113.66", "/signin", guess); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, rec.Code)
		}
	}
	if rec := postFrom(s, "203.0.113.66", "/signin", guess); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("guess %d: %d, want 429", limits.SignInFailures.Burst+1, rec.Code)
	}
	right := url.Values{"username": {persistence.OwnerUsername}, "password": {"the owner's own"}}
	if rec := postFrom(s, "198.51.100.7", "/signin", right); rec.Code != http.StatusSeeOther {
		t.Fatalf("the owner from another address: %d, want 303 (signed in)", rec.Code)
	}
	if rec := postFrom(s, "203.0.113.66", "/signin", right); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("the guessing address with the right password: %d, want 429", rec.Code)
	}
}

// One address may create limits.SignUps.Burst accounts, then waits; other
// addresses are not affected.
func TestSignUpsPerAddressAreLimited(t *testing.T) {
	s, db, _ := identityServer(t, Config{RequireSignIn: true})
	signUp := func(addr, name string) *httptest.ResponseRecorder {
		return postFrom(s, addr, "/signup", url.Values{"username": {name}, "password": {"long enough"}})
	}
	// A refused name costs nothing.
	s.owner(context.Background())
	if rec := signUp("203.0.113.5", persistence.OwnerUsername); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a taken name: %d", rec.Code)
	}
	for i := range limits.SignUps.Burst {
		if rec := signUp("203.0.113.5", fmt.Sprintf("viewer%d", i)); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign-up %d: %d", i+1, rec.Code)
		}
	}
	rec := signUp("203.0.113.5", "one-too-many")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "Too many accounts") {
		t.Fatalf("sign-up %d from one address: %d", limits.SignUps.Burst+1, rec.Code)
	}
	if _, err := db.UserByName(context.Background(), "one-too-many"); err == nil {
		t.Fatal("the refused account was created")
	}
	if rec := signUp("198.51.100.9", "elsewhere"); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-up from another address: %d", rec.Code)
	}
}

// A viewer's page asking for its participant key again and again gets the
// same live key, not a new stored one each time; a revoked key is
// replaced.
func TestParticipantJoinReusesTheViewersLiveKey(t *testing.T) {
	s, db, _ := identityServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx := context.Background()
	owner, _ := db.EnsureOwner(ctx)
	viewer, _ := db.CreateUser(ctx, "viewer")
	tok, _, _ := db.CreateAccessToken(ctx, persistence.NewToken{UserID: viewer.ID, Scope: studio.ScopeParticipant, TTL: persistence.ParticipantKeyTTL})
	path := fmt.Sprintf("/api/v1/interactive/%d", owner.ChannelID)
	keys := map[string]bool{}
	for range 50 {
		st, out := api(t, srv.URL, http.MethodGet, path, "", "", tok)
		if st != http.StatusOK || out["key"] == nil {
			t.Fatalf("join: %d %v", st, out)
		}
		keys[out["key"].(string)] = true
	}
	var stored int
	db.SQL().QueryRow(`SELECT COUNT(*) FROM tokens WHERE label = 'participant key'`).Scan(&stored)
	if len(keys) != 1 || stored != 1 {
		t.Fatalf("50 joins gave %d keys, %d stored; want 1 and 1", len(keys), stored)
	}
	var key string
	for k := range keys {
		key = k
	}
	k, err := db.UserByToken(ctx, key)
	if err != nil || k.ID != viewer.ID {
		t.Fatalf("the key is not the viewer's: %v %v", k, err)
	}
	if _, err := db.SQL().Exec(`DELETE FROM tokens WHERE label = 'participant key'`); err != nil {
		t.Fatal(err)
	}
	_, out := api(t, srv.URL, http.MethodGet, path, "", "", tok)
	if out["key"] == key {
		t.Fatal("a revoked key was handed out again")
	}
}

// The sign-up answer never sends the browser to another site, whatever
// browsers strip from the URL.
func TestSignUpNextStaysOnSite(t *testing.T) {
	s, _, _ := identityServer(t, Config{RequireSignIn: true})
	rec := postFrom(s, "203.0.113.5", "/signup", url.Values{"username": {"viewer"}, "password": {"long enough"}, "next": {"/\t/evil.example/x"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("sign-up with next=/\\t/evil.example/x: %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
}

// countingReader is an endless request body that counts what was read.
type countingReader struct{ n atomic.Int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n.Add(int64(len(p)))
	return len(p), nil
}

// multipartFlood is a multipart body whose one field never ends.
func multipartFlood(field string) (io.Reader, string, *countingReader) {
	w := multipart.NewWriter(io.Discard)
	head := "--" + w.Boundary() + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"x.json\"\r\n\r\n"
	cr := &countingReader{}
	return io.MultiReader(strings.NewReader(head), io.LimitReader(cr, 64<<20)), w.FormDataContentType(), cr
}

// A body is capped per route before anything parses it: a sign-in form
// is read no further than limits.FormBody (the probe posted 100 MB, all
// parsed before the CSRF check), an announced size past the cap is
// refused unread, and an import that is not signed in is not read at all.
func TestRequestBodiesAreCappedBeforeParsing(t *testing.T) {
	s, _, _ := identityServer(t, Config{RequireSignIn: true})
	body, ctype, read := multipartFlood("username")
	req := httptest.NewRequest(http.MethodPost, "/signin", body) // no Content-Length: chunked
	req.Header.Set("Content-Type", ctype)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("a 64 MB sign-in form: %d", rec.Code)
	}
	if n := read.n.Load(); n > 2*limits.FormBody {
		t.Fatalf("a sign-in form was read to %d bytes; the cap is %d", n, limits.FormBody)
	}

	req = httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader("x"))
	req.ContentLength = 100 << 20
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), fmt.Sprint(limits.FormBody)) {
		t.Fatalf("a sign-in announcing 100 MB: %d %s", rec.Code, rec.Body)
	}

	body, ctype, read = multipartFlood("layout")
	req = httptest.NewRequest(http.MethodPost, "/studio/import", body)
	req.Header.Set("Content-Type", ctype)
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("an import without signing in: %d, want 303 to sign in", rec.Code)
	}
	if n := read.n.Load(); n > 0 {
		t.Fatalf("an import without signing in was read (%d bytes)", n)
	}
}

// Past limits.ConcurrentImports imports being read, the next is refused
// on the projects page, where the user looks.
func TestImportsBeyondTheConcurrentBoundAreRefused(t *testing.T) {
	s, _, _ := identityServer(t, Config{})
	for range limits.ConcurrentImports {
		s.imports <- struct{}{} // imports being read
	}
	rec := studioUpload(t, s.Handler(), "/studio/import", "layout", "l.json", []byte(`{"scenes":[]}`))
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("an import past the bound: %d", rec.Code)
	}
	if got := doc(t, rec).Find(testid("import-errors")).Text(); !strings.Contains(got, "try again") {
		t.Fatalf("the refusal is not shown at the import form: %q", got)
	}
	<-s.imports
	rec = studioUpload(t, s.Handler(), "/studio/import", "layout", "l.json", []byte(`{"scenes":[]}`))
	if rec.Code == http.StatusTooManyRequests {
		t.Fatal("a freed slot was not taken")
	}
}
