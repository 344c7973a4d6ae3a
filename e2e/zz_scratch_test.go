package e2e

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestZZScratchRestart(t *testing.T) {
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "live.json")
	os.WriteFile(file, []byte(liveLayout), 0o644)
	version := srv.cli(t, "import", file)
	ctx := newBrowser(t)
	studioDo(t, ctx, chromedp.Navigate(srv.URL+"/studio/versions/"+version+"/live"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=live-go]`)))
	studioWait(t, ctx, `document.getElementById("live").dataset.stream === "open"`)
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=live-go]`)))
	studioWait(t, ctx, `document.querySelector("[data-testid=live-state]").dataset.state === "live"`)
	if os.Getenv("VIEWER") != "" {
		p := playOpen(t, ctx, "viewer", srv.URL+"/play/1001", 1280, 900, false)
		p.wait(t, "live", `document.querySelector("[data-testid=play-status]").dataset.state === "live"`)
	}
	t0 := time.Now()
	srv.cmd.Process.Signal(syscall.SIGINT)
	<-srv.exited
	t.Logf("exit took %v", time.Since(t0))
	srv.down = true
	t.Log(srv.Stderr())
}
