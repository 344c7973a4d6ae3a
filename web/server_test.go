package web

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/static"
)

// newTestServer builds the real server on a fresh SQLite file.
func newTestServer(tb testing.TB) *Server {
	tb.Helper()
	return New(Config{Logger: testkit.QuietLogger()}, testkit.MustOpenDB(tb))
}

func get(tb testing.TB, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRenderWrapsFullPagesButNotHTMXSwaps(t *testing.T) {
	s := newTestServer(t)
	partial := templ.Raw(`<p id="partial">hello &lt;b&gt;</p>`)
	for _, tc := range []struct {
		name       string
		header     []string
		wantLayout bool
	}{
		{"page load", nil, true},
		{"htmx swap", []string{"HX-Request", "true"}, false},
		{"boosted link", []string{"HX-Request", "true", "HX-Boosted", "true"}, true},
		{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			rec := httptest.NewRecorder()
			c := s.echo.NewContext(req, rec)
			c.Set(csrfContextKey, "tok123")
			if err := s.render(c, http.StatusTeapot, "Projects", partial); err != nil {
				t.Fatal(err)
			}
			body := rec.Body.String()
			if rec.Code != http.StatusTeapot || !strings.Contains(body, `<p id="partial">`) {
				t.Fatalf("status %d body %q", rec.Code, body)
			}
			hasLayout := strings.Contains(body, "<!doctype html>") || strings.Contains(body, "<!DOCTYPE html>")
			if hasLayout != tc.wantLayout {
				t.Fatalf("layout present=%v, want %v: %s", hasLayout, tc.wantLayout, body)
			}
			if tc.wantLayout && (!strings.Contains(body, "<title>Projects · mixstudio</title>") || !strings.Contains(body, `content="tok123"`)) {
				t.Fatalf("layout lacks title or CSRF token: %s", body)
			}
		})
	}
}

// Every page handler answers through renderView: the editor and the
// projects list swap a smaller partial than the page they sit in, and a
// history restore gets the whole page from each of them.
func TestPagesAnswerHistoryRestoreWithTheWholePage(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "Mine")
	h := s.Handler()
	for _, path := range []string{"/studio", base} {
		swap := get(t, h, path, "HX-Request", "true")
		restore := get(t, h, path, "HX-Request", "true", "HX-History-Restore-Request", "true")
		if swap.Code != http.StatusOK || restore.Code != http.StatusOK {
			t.Fatalf("%s: status %d, %d", path, swap.Code, restore.Code)
		}
		if strings.Contains(swap.Body.String(), "<!doctype html>") {
			t.Fatalf("%s: an HTMX swap got the layout", path)
		}
		if !strings.Contains(restore.Body.String(), "<!doctype html>") {
			t.Fatalf("%s: a history restore got only the partial: %.200s", path, restore.Body.String())
		}
	}
}

// A view without a partial (the live console, the play page) is the whole
// page for every request, HTMX or not.
func TestRenderViewWithoutPartialIsAlwaysTheWholePage(t *testing.T) {
	s := newTestServer(t)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("HX-Request", "true")
	rec := httptest.NewRecorder()
	c := s.echo.NewContext(req, rec)
	if err := s.renderView(c, http.StatusOK, view{Title: "Play", Page: templ.Raw(`<main id="p"></main>`), Scripts: []string{"/static/js/x.js"}}); err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "<!doctype html>") || !strings.Contains(body, `src="/static/js/x.js"`) || !strings.Contains(body, `<main id="p">`) {
		t.Fatalf("body %s", body)
	}
}

func TestRenderFailureIsA500NotHalfAPage(t *testing.T) {
	s := newTestServer(t)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	c := s.echo.NewContext(req, rec)
	broken := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, "<p>half")
		return echo.ErrTeapot
	})
	if err := s.render(c, http.StatusOK, "", broken); err == nil {
		t.Fatal("render swallowed the component's error")
	}
	if rec.Body.Len() != 0 {
		t.Fatalf("wrote %q before failing", rec.Body.String())
	}
}

func TestStaticAssetsServedAndVendoredOnesLicensed(t *testing.T) {
	s := newTestServer(t)
	rec := get(t, s.Handler(), "/static/vendor/htmx-2.0.11/htmx.min.js")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "htmx") {
		t.Fatalf("htmx: %d", rec.Code)
	}
	dirs, err := fs.ReadDir(static.FS, "vendor")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no vendored assets: %v", err)
	}
	for _, d := range dirs {
		if _, err := fs.Stat(static.FS, "vendor/"+d.Name()+"/LICENSE"); err != nil {
			t.Errorf("vendor/%s has no LICENSE", d.Name())
		}
		if !strings.ContainsAny(d.Name(), "0123456789") {
			t.Errorf("vendor/%s does not carry its version in its name", d.Name())
		}
	}
}

func TestHealthz(t *testing.T) {
	s := newTestServer(t)
	if rec := get(t, s.Handler(), "/healthz"); rec.Code != http.StatusOK {
		t.Fatalf("healthz %d", rec.Code)
	}
	s.db.Close()
	if rec := get(t, s.Handler(), "/healthz"); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("healthz with a closed database: %d", rec.Code)
	}
}
