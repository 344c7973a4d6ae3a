package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// playFixture is a server with a streamer's channel and a viewer.
func playFixture(t *testing.T, cfg Config) (*Server, *persistence.DB, studio.User, studio.User) {
	t.Helper()
	s, db, _ := identityServer(t, cfg)
	ctx := context.Background()
	streamer, err := db.CreateUser(ctx, "streamer")
	if err != nil {
		t.Fatal(err)
	}
	viewer, err := db.CreateUser(ctx, "viewer")
	if err != nil {
		t.Fatal(err)
	}
	return s, db, streamer, viewer
}

func playPath(u studio.User) string { return "/play/" + strconv.FormatInt(u.ChannelID, 10) }

func playDoc(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPlayUnknownChannelIs404(t *testing.T) {
	s, _, streamer, _ := playFixture(t, Config{})
	for _, path := range []string{
		"/play/999999", "/play/0", "/play/-3", "/play/abc", "/play/1e3",
		"/play/999999/sparks", "/play/abc/sparks",
	} {
		if rec := get(t, s.Handler(), path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	if rec := get(t, s.Handler(), playPath(streamer)); rec.Code != http.StatusOK {
		t.Errorf("GET %s (a real channel): %d", playPath(streamer), rec.Code)
	}
}

func TestPlayPageForAnAnonymousViewer(t *testing.T) {
	s, _, streamer, _ := playFixture(t, Config{})
	rec := get(t, s.Handler(), playPath(streamer))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "object-src 'none'", "connect-src 'self' ws://example.com", "frame-ancestors 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	d := playDoc(t, rec)
	root := d.Find(`[data-testid="play-root"]`)
	if root.Length() != 1 {
		t.Fatalf("%d play roots", root.Length())
	}
	if ch, _ := root.Attr("data-channel"); ch != strconv.FormatInt(streamer.ChannelID, 10) {
		t.Errorf("data-channel %q", ch)
	}
	if v, _ := root.Attr("data-signed-in"); v != "false" {
		t.Errorf("data-signed-in %q for an anonymous viewer", v)
	}
	// The grid table and the pixel unit come from studio, their one source.
	var grids []studio.Grid
	if raw, _ := root.Attr("data-grids"); json.Unmarshal([]byte(raw), &grids) != nil || len(grids) != len(studio.Grids) || grids[0] != studio.Grids[0] || grids[2] != studio.Grids[2] {
		t.Errorf("data-grids %q", raw)
	}
	if u, _ := root.Attr("data-unit"); u != strconv.Itoa(studio.UnitPx) {
		t.Errorf("data-unit %q", u)
	}
	if st, _ := d.Find("html").Attr("style"); strings.TrimSuffix(st, ";") != "--unit:"+strconv.Itoa(studio.UnitPx)+"px" {
		t.Errorf("html style %q: the layout sets --unit from studio.UnitPx", st)
	}
	if d.Find(`script[src*="sse"]`).Length() != 0 {
		t.Error("the unused htmx SSE extension is still loaded")
	}
	for _, id := range []string{"play-title", "play-status", "play-grid", "play-toasts", "play-empty"} {
		if d.Find(`[data-testid="`+id+`"]`).Length() != 1 {
			t.Errorf("no %s", id)
		}
	}
	if got := d.Find(`[data-testid="play-title"]`).Text(); got != "streamer" {
		t.Errorf("title %q, want the streamer's name", got)
	}
	if st, _ := d.Find(`[data-testid="play-status"]`).Attr("data-state"); st != "connecting" {
		t.Errorf("initial state %q", st)
	}
	if d.Find(`[data-testid="play-sparks"]`).Length() != 0 {
		t.Error("an anonymous viewer has no balance to show")
	}
	want := "/signin?next=%2Fplay%2F" + strconv.FormatInt(streamer.ChannelID, 10)
	if href, _ := d.Find(`[data-testid="play-signin"]`).Attr("href"); href != want {
		t.Errorf("sign-in link %q, want %q", href, want)
	}
	if d.Find(`script[type="module"][src="`+playScript+`"]`).Length() != 1 {
		t.Error("the play script is not loaded as a module")
	}
	if d.Find(`link[rel="stylesheet"][href="/static/css/play.css"]`).Length() != 1 {
		t.Error("play.css is not linked")
	}
	// The CSP forbids inline scripts: the page must not rely on any.
	d.Find("script").Each(func(_ int, sc *goquery.Selection) {
		if _, ok := sc.Attr("src"); !ok {
			t.Errorf("inline script on the play page: %q", sc.Text())
		}
	})
}

func TestPlayPageShowsTheSignedInViewersSparks(t *testing.T) {
	s, db, streamer, viewer := playFixture(t, Config{})
	ctx := context.Background()
	if _, err := db.CreditSparks(ctx, viewer.ID, 42, "test"); err != nil {
		t.Fatal(err)
	}
	session, err := db.CreateSession(ctx, viewer.ID)
	if err != nil {
		t.Fatal(err)
	}
	cookie := sessionCookie + "=" + session
	d := playDoc(t, get(t, s.Handler(), playPath(streamer), "Cookie", cookie))
	if v, _ := d.Find(`[data-testid="play-root"]`).Attr("data-signed-in"); v != "true" {
		t.Errorf("data-signed-in %q", v)
	}
	if got := d.Find(`[data-testid="play-sparks-value"]`).Text(); got != "42" {
		t.Errorf("sparks shown %q, want 42", got)
	}
	if got := d.Find(`[data-testid="signed-in-user"]`).Text(); got != "viewer" {
		t.Errorf("layout shows user %q", got)
	}
	if d.Find(`[data-testid="play-signin"]`).Length() != 0 {
		t.Error("a signed-in viewer is asked to sign in")
	}

	// The balance endpoint follows the ledger.
	if _, err := db.CreditSparks(ctx, viewer.ID, 8, "test"); err != nil {
		t.Fatal(err)
	}
	var out playSparksJSON
	rec := get(t, s.Handler(), playPath(streamer)+"/sparks", "Cookie", cookie)
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("sparks: %d %s", rec.Code, rec.Body)
	}
	if !out.SignedIn || out.Sparks != 50 {
		t.Errorf("sparks %+v, want signed in with 50", out)
	}
	rec = get(t, s.Handler(), playPath(streamer)+"/sparks")
	out = playSparksJSON{}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.SignedIn || out.Sparks != 0 {
		t.Errorf("anonymous sparks: %s", rec.Body)
	}
	// A stale cookie is an anonymous viewer, not an error.
	rec = get(t, s.Handler(), playPath(streamer), "Cookie", sessionCookie+"=nonsense")
	if v, _ := playDoc(t, rec).Find(`[data-testid="play-root"]`).Attr("data-signed-in"); rec.Code != 200 || v != "false" {
		t.Errorf("stale cookie: %d signed-in=%q", rec.Code, v)
	}
}

// TestPlayIsOpenToAnonymousViewersWhenSignInIsRequired: sign-in guards the
// studio, never the audience.
func TestPlayIsOpenToAnonymousViewersWhenSignInIsRequired(t *testing.T) {
	s, _, streamer, _ := playFixture(t, Config{RequireSignIn: true, PublicURL: "https://play.example"})
	rec := get(t, s.Handler(), playPath(streamer))
	if rec.Code != http.StatusOK {
		t.Fatalf("anonymous /play with sign-in required: %d", rec.Code)
	}
	if v, _ := playDoc(t, rec).Find(`[data-testid="play-root"]`).Attr("data-signed-in"); v != "false" {
		t.Errorf("data-signed-in %q", v)
	}
	// Sockets go to the public host, over TLS.
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' wss://play.example;") {
		t.Errorf("CSP %q does not allow the public socket host", csp)
	}
}

func TestPlayIsNotServedByTheMediatorAlone(t *testing.T) {
	s, _, streamer, _ := playFixture(t, Config{MediatorOnly: true})
	if rec := get(t, s.Handler(), playPath(streamer)); rec.Code != http.StatusNotFound {
		t.Errorf("mediator-only /play: %d", rec.Code)
	}
}

var jsImport = regexp.MustCompile(`(?m)^import\s[^"']*["'](\./[^"']+)["'];`)

// TestPlayModulesAreServed walks main.js's imports: every module the page
// needs is served from the binary as JavaScript, and none comes from
// elsewhere (no CDN).
func TestPlayModulesAreServed(t *testing.T) {
	s, _, _, _ := playFixture(t, Config{})
	seen := map[string]bool{}
	queue := []string{playScript}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		rec := get(t, s.Handler(), path)
		if rec.Code != 200 {
			t.Errorf("GET %s: %d", path, rec.Code)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
			t.Errorf("%s served as %q", path, ct)
		}
		body := rec.Body.String()
		if strings.Contains(body, "innerHTML") || strings.Contains(body, "insertAdjacentHTML") || strings.Contains(body, "document.write") {
			t.Errorf("%s builds markup from strings", path)
		}
		if regexp.MustCompile(`from\s+["']https?:`).MatchString(body) {
			t.Errorf("%s imports from another site", path)
		}
		dir := path[:strings.LastIndex(path, "/")+1]
		for _, m := range jsImport.FindAllStringSubmatch(body, -1) {
			queue = append(queue, dir+strings.TrimPrefix(m[1], "./"))
		}
	}
	if len(seen) < 8 {
		t.Errorf("only %d modules reached from main.js: %v", len(seen), seen)
	}
	if rec := get(t, s.Handler(), "/static/css/play.css"); rec.Code != 200 {
		t.Errorf("play.css: %d", rec.Code)
	}
}

// BenchmarkPlayPage is the cost of serving the participant page to a
// signed-in viewer (channel lookup, session, balance, render), the request
// every viewer makes when a stream's audience arrives at once.
func BenchmarkPlayPage(b *testing.B) {
	s, db, _ := identityServer(b, Config{})
	ctx := context.Background()
	streamer, err := db.CreateUser(ctx, "streamer")
	if err != nil {
		b.Fatal(err)
	}
	viewer, err := db.CreateUser(ctx, "viewer")
	if err != nil {
		b.Fatal(err)
	}
	session, err := db.CreateSession(ctx, viewer.ID)
	if err != nil {
		b.Fatal(err)
	}
	h, path, cookie := s.Handler(), playPath(streamer), sessionCookie+"="+session
	b.ReportAllocs()
	for b.Loop() {
		if rec := get(b, h, path, "Cookie", cookie); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
