package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/persistence"
)

// testClock is the kit's settable clock, shared by the server and its
// database.
type testClock = testkit.Clock

// identityServer builds the real server on a fresh SQLite file with a fake
// clock; cfg's Logger, Now are filled in when empty.
func identityServer(tb testing.TB, cfg Config) (*Server, *persistence.DB, *testClock) {
	tb.Helper()
	db := testkit.MustOpenDB(tb)
	clock := testkit.NewClock()
	db.SetClock(clock.Now)
	if cfg.Logger == nil {
		cfg.Logger = testkit.QuietLogger()
	}
	cfg.Now = clock.Now
	return New(cfg, db), db, clock
}

func TestCurrentUserIsTheOwnerUnlessSignInIsRequired(t *testing.T) {
	for _, require := range []bool{false, true} {
		s, _, _ := identityServer(t, Config{RequireSignIn: require})
		c := s.echo.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
		u, ok := s.currentUser(c)
		if require && ok {
			t.Fatalf("RequireSignIn: signed in as %+v without a session", u)
		}
		if !require && (!ok || u.Username != persistence.OwnerUsername || c.Get(userNameContextKey) != u.Username) {
			t.Fatalf("loopback: %+v %v", u, ok)
		}
	}
}

func TestRequireStudioUserRedirectsToSignIn(t *testing.T) {
	s, db, _ := identityServer(t, Config{RequireSignIn: true})
	e := echo.New()
	h := s.requireStudioUser(func(c echo.Context) error {
		u, _ := s.currentUser(c)
		return c.String(http.StatusOK, "hello "+u.Username)
	})
	e.GET("/studio/x", h)

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/studio/x?a=1", nil))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin?next="+url.QueryEscape("/studio/x?a=1") {
		t.Fatalf("page: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	req := httptest.NewRequest(http.MethodGet, "/studio/x", nil)
	req.Header.Set("HX-Request", "true")
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("HX-Redirect"), "/signin?next=") {
		t.Fatalf("htmx: %d %q", rec.Code, rec.Header().Get("HX-Redirect"))
	}

	u, _ := db.CreateUser(context.Background(), "viewer")
	sess, _ := db.CreateSession(context.Background(), u.ID)
	req = httptest.NewRequest(http.MethodGet, "/studio/x", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess})
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.String() != "hello viewer" {
		t.Fatalf("signed in: %d %q", rec.Code, rec.Body.String())
	}
}

func TestCSRFRefusesUnsafeRequestsWithoutTheToken(t *testing.T) {
	s, _, _ := identityServer(t, Config{PublicURL: "https://studio.example"})
	e := echo.New()
	e.Any("/form", func(c echo.Context) error { return c.String(http.StatusOK, c.Get(csrfContextKey).(string)) }, s.csrf)

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/form", nil))
	var ck *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == csrfCookie {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || rec.Body.String() != ck.Value {
		t.Fatalf("csrf cookie %+v, body %q", ck, rec.Body.String())
	}
	post := func(form, header string) int {
		req := httptest.NewRequest(http.MethodPost, "/form", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: ck.Value})
		if header != "" {
			req.Header.Set("X-CSRF-Token", header)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct {
		name, form, header string
		want               int
	}{
		{"no token", "a=1", "", http.StatusBadRequest},
		{"wrong form token", "_csrf=nope", "", http.StatusForbidden},
		{"wrong header", "", "nope", http.StatusForbidden},
		{"form token", "_csrf=" + url.QueryEscape(ck.Value), "", http.StatusOK},
		{"header token", "", ck.Value, http.StatusOK},
	} {
		if got := post(tc.form, tc.header); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// A cross-site browser request is refused whatever it carries.
	req := httptest.NewRequest(http.MethodPost, "/form", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site: %d", rec.Code)
	}
}

func TestSafeNextStaysOnSite(t *testing.T) {
	for in, want := range map[string]string{"/studio": "/studio", "//evil.example": "/", "https://evil.example": "/", "": "/", "/\\evil": "/",
		// Browsers drop tabs and newlines anywhere in a URL, and leading
		// spaces and control characters, and read \ as /.
		"/\t/evil.example/x": "/", "/\r\n/evil.example": "/", "\t//evil.example": "/", " //evil.example": "/",
		"\x00//evil.example": "/", "\\\\evil.example": "/", "/\t\\evil.example": "/", "/studio?x=\t": "/studio?x=",
		"/studio/versions/3": "/studio/versions/3"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// A page whose DNS name was rebound to 127.0.0.1 reaches us with its own
// Host: it must not get the owner's default sign-in.
func TestDefaultOwnerNeedsALoopbackHost(t *testing.T) {
	s, _, _ := identityServer(t, Config{OwnerOnLoopbackHostOnly: true})
	for host, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "LOCALHOST": true, "[::1]:8080": true, "127.0.0.2": true,
		"evil.example:8080": false, "evil.example": false, "10.0.0.1:8080": false, "": false,
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = host
		c := s.echo.NewContext(req, httptest.NewRecorder())
		if _, ok := s.currentUser(c); ok != want {
			t.Errorf("Host %q: signed in %v, want %v", host, ok, want)
		}
	}
}
