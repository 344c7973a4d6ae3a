package e2e

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestHarnessServesHealthzToHTTPAndChromium proves the harness: the built
// binary serves, answers /healthz over plain HTTP and in chromium, and
// stops cleanly on SIGTERM (checked at cleanup).
func TestHarnessServesHealthzToHTTPAndChromium(t *testing.T) {
	srv := startServer(t)

	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("GET /healthz = %d %q, want 200 ok", resp.StatusCode, body)
	}
	if _, err := os.Stat(srv.DB); err != nil {
		t.Fatalf("server did not create its database %s: %v", srv.DB, err)
	}

	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/healthz")); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(text) != "ok" {
		t.Fatalf("chromium shows %q on /healthz, want ok", text)
	}
	screenshot(t, ctx, "healthz")
}

// TestHarnessCLIFailsOnUnknownCommand checks runCLIResult reports a failing
// command (so cli() cannot pass silently on errors).
func TestHarnessCLIFailsOnUnknownCommand(t *testing.T) {
	db := t.TempDir() + "/x.db"
	_, stderr, err := runCLIResult(db, "no-such-command")
	if err == nil {
		t.Fatal("unknown command exited 0")
	}
	if !strings.Contains(stderr, "unknown command") {
		t.Fatalf("stderr = %q, want it to name the unknown command", stderr)
	}
}
