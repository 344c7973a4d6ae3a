package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestNodeSDKBrowserBuildInChromium runs the SDK's browser bundle
// (dist/interactive.js) in chromium on a page of the server's origin. The
// browser build cannot set WebSocket headers, so it sends Authorization,
// X-Protocol-Version and X-Interactive-Version as query parameters; a game
// client and a participant connect that way, and a press reaches the game.
func TestNodeSDKBrowserBuildInChromium(t *testing.T) {
	dir := interopDir(t)
	bundle, err := os.ReadFile(filepath.Join(dir, "node_modules", "@mixer", "interactive-node", "dist", "interactive.js"))
	if err != nil {
		t.Fatal(err)
	}
	flow, err := os.ReadFile(filepath.Join(dir, "browser-flow.js"))
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t)
	token := srv.cli(t, "token")
	viewerToken := srv.cli(t, "token", "--user", "viewer1")
	versionID := srv.cli(t, "import", filepath.Join(moduleRoot, "e2e", "testdata", "interop-layout.json"))

	ctx := newBrowser(t)
	// Any page of the server's origin will do: fetch and the sockets are
	// then same-origin, as on the play page.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/healthz"),
		chromedp.Evaluate[chromedp.Void](string(bundle)),
		chromedp.Evaluate[chromedp.Void](string(flow)),
	); err != nil {
		t.Fatal(err)
	}
	call := fmt.Sprintf(`mixstudioBrowserFlow({token: %q, viewerToken: %q, versionId: %s})`, token, viewerToken, versionID)
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](call, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var steps []map[string]any
	if err := json.Unmarshal(raw, &steps); err != nil {
		t.Fatalf("flow result %s: %v", raw, err)
	}
	passed := map[string]bool{}
	for _, s := range steps {
		line, _ := json.Marshal(s)
		t.Logf("%s", line)
		name, _ := s["step"].(string)
		if ok, _ := s["ok"].(bool); ok {
			passed[name] = true
		}
	}
	want := []string{"browser-game-open", "browser-game-createControls", "browser-participant-open", "browser-button-press", "browser-no-errors"}
	if missing := interopNotPassed(want, passed); len(missing) > 0 {
		t.Errorf("steps that did not pass: %s", strings.Join(missing, ", "))
	}
}
