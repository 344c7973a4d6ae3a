package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium: $MIXSTUDIO_CHROMIUM, /usr/bin/chromium,
// or chromium on PATH.
func chromiumPath() string {
	if p := os.Getenv("MIXSTUDIO_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// browserTimeout bounds one test's browser work, so a page that never
// shows what a test waits for fails instead of hanging the suite.
const browserTimeout = 60 * time.Second

// newBrowser starts a headless chromium with a fresh profile and returns a
// chromedp context for one tab (1280x900: the large grid). The browser
// stops at cleanup; the page's console messages and uncaught exceptions go
// into the test log when the test failed. Without chromium the test is
// skipped, unless CI=true.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		skipOrFail(t, "chromium not found (apt-get install chromium, or set MIXSTUDIO_CHROMIUM)")
	}
	profile, err := os.MkdirTemp("", "mixstudio-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the browser has exited.
	t.Cleanup(func() { os.RemoveAll(profile) })

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	base, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)

	var mu sync.Mutex
	var console []string
	messages := chromedp.Console(ctx) // starts the browser and opens the tab
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if strings.HasSuffix(m.URL, "/favicon.ico") {
				continue // chromium asks every origin for one; noise
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
		<-done
		if t.Failed() && len(console) > 0 {
			t.Logf("browser console:\n  %s", joinLines(console))
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	return ctx
}

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n  "
		}
		out += l
	}
	return out
}

// artifactsDir is where screenshots go: $MIXSTUDIO_ARTIFACTS/TestName when
// set (CI keeps them), else a temporary directory of the test.
func artifactsDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("MIXSTUDIO_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, safeName.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var safeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// screenshot saves the tab's viewport as NAME.png in the artifacts
// directory and logs the path.
func screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifactsDir(t), safeName.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
