package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// TestNodeSDKReconnectsAfterServerRestart restarts the real server under a
// connected SDK game client: SIGTERM must close the socket with 1012 and
// exit 0, the SDK must reconnect by itself to the restarted server (same
// port and database) and find the version's scenes again; an SDK
// participant connected across the restart comes back first, is held by
// the server until its game client is back, and joins with its old key.
func TestNodeSDKReconnectsAfterServerRestart(t *testing.T) {
	dir := interopDir(t)
	srv := startServer(t)
	token := srv.cli(t, "token")
	viewerToken := srv.cli(t, "token", "--user", "viewer1")
	versionID := srv.cli(t, "import", filepath.Join(moduleRoot, "e2e", "testdata", "interop-layout.json"))

	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "restart.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"MIXSTUDIO_URL="+srv.URL,
		"MIXSTUDIO_TOKEN="+token,
		"MIXSTUDIO_PARTICIPANT_TOKEN="+viewerToken,
		"MIXSTUDIO_VERSION_ID="+versionID,
	)
	var stderr testkit.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	passed := map[string]bool{}
	var lines bytes.Buffer
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		lines.WriteString(line + "\n")
		var s interopStep
		if err := json.Unmarshal([]byte(line), &s); err != nil || s.Step == "" {
			t.Errorf("restart.js printed a line that is not a step: %q", line)
			continue
		}
		if !s.OK {
			t.Errorf("step %s failed: %s", s.Step, s.Error)
			continue
		}
		passed[s.Step] = true
		if s.Step == "game-connected" {
			srv.restart(t)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("restart.js: %v", err)
	}
	want := []string{"participant-key", "game-connected", "game-closed-1012", "game-reconnected", "game-after-restart", "participant-back-with-old-key"}
	if missing := interopNotPassed(want, passed); len(missing) > 0 {
		t.Errorf("steps that did not pass: %s", strings.Join(missing, ", "))
	}
	t.Logf("restart.js stdout:\n%s", lines.String())
	if t.Failed() {
		t.Logf("restart.js stderr (frames):\n%s", stderr.String())
	}
}
