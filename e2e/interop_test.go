package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// interopStep is one line flow.js prints.
type interopStep struct {
	Step  string          `json:"step"`
	OK    bool            `json:"ok"`
	Error json.RawMessage `json:"error,omitempty"`
	Raw   string          `json:"-"`
}

// interopSteps is every step flow.js takes, in order; each must pass.
var interopSteps = []string{
	"hosts",
	"game-open",
	"game-hello",
	"game-getTime",
	"game-setCompression",
	"game-synchronizeState",
	"game-createScene",
	"game-createControls",
	"game-ready",
	"participant-discover",
	"participant-open",
	"game-participantJoin",
	"participant-self",
	"participant-synchronizeScenes",
	"button-press",
	"capture",
	"joystick-move",
	"update-control",
	"game-createMore",
	"button-keydown-keyup",
	"textbox-change-submit",
	"textbox-paid-submit",
	"screen-input",
	"button-cooldown",
	"error-capture-twice",
	"error-unknown-scene",
	"error-duplicate-control",
	"error-delete-default-scene",
	"error-delete-unknown-group",
	"error-delete-unknown-scene",
	"delete-control",
	"game-getAllParticipants",
	"game-getParticipantsByMixerId",
	"broadcastEvent",
	"game-createGroups",
	"game-getScenes-groups",
	"game-updateParticipants",
	"anonymous-paid-press",
	"not-enough-sparks",
	"close",
}

// interopDir is e2e/interop, where package.json and node_modules live.
func interopDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(moduleRoot, "e2e", "interop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@mixer", "interactive-node")); err != nil {
		skipOrFail(t, "interop: run `npm ci` in e2e/interop first (node_modules missing)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		skipOrFail(t, "interop: node not found")
	}
	return dir
}

// TestNodeSDKInteropFlow runs @mixer/interactive-node's GameClient and
// ParticipantClient against the real binary: discovery, scenes, controls,
// ready, a paid button press captured as a transaction, a joystick move,
// and a control update the participant sees.
func TestNodeSDKInteropFlow(t *testing.T) {
	dir := interopDir(t)
	interopFlow(t, dir, startServer(t))
}

// interopFlow prepares the users, sparks and version flow.js needs, runs
// it and checks every step and the balances it leaves.
func interopFlow(t *testing.T, dir string, srv *server) {
	t.Helper()
	gameToken := srv.cli(t, "token")
	viewerToken := srv.cli(t, "token", "--user", "viewer1")
	poorToken := srv.cli(t, "token", "--user", "viewer2")
	srv.cli(t, "sparks", "viewer1", "--add", "100")
	before := interopSparks(t, srv, "viewer1")
	versionID := srv.cli(t, "import", filepath.Join(moduleRoot, "e2e", "testdata", "interop-layout.json"))
	if _, err := strconv.ParseUint(versionID, 10, 64); err != nil {
		t.Fatalf("import printed %q, want a version ID", versionID)
	}

	interopRun(t, dir, "flow.js", map[string]string{
		"MIXSTUDIO_URL":               srv.URL,
		"MIXSTUDIO_TOKEN":             gameToken,
		"MIXSTUDIO_PARTICIPANT_TOKEN": viewerToken,
		"MIXSTUDIO_POOR_TOKEN":        poorToken,
		"MIXSTUDIO_VERSION_ID":        versionID,
	}, interopSteps)
	if t.Failed() {
		return
	}
	// The captured transactions cost the viewer the button's 5 sparks and
	// the paid textbox's 3, each once.
	if after := interopSparks(t, srv, "viewer1"); after != before-5-3 {
		t.Errorf("viewer1 has %d sparks after capturing a 5-spark press and a 3-spark submit, want %d", after, before-5-3)
	}
	// The refused purchase left viewer2 at zero, not negative.
	if poor := interopSparks(t, srv, "viewer2"); poor != 0 {
		t.Errorf("viewer2 has %d sparks after a refused purchase, want 0", poor)
	}
}

func interopNotPassed(want []string, passed map[string]bool) []string {
	var missing []string
	for _, name := range want {
		if !passed[name] {
			missing = append(missing, name)
		}
	}
	return missing
}

// interopRunNode runs `node SCRIPT` in dir with env, bounded to 40 s (the scripts
// stop themselves at 25 s), and parses the step lines it prints.
func interopRunNode(t testing.TB, dir, script string, env map[string]string) ([]interopStep, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()

	var steps []interopStep
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var s interopStep
		if jerr := json.Unmarshal([]byte(line), &s); jerr != nil || s.Step == "" {
			t.Errorf("%s printed a line that is not a step: %q", script, line)
			continue
		}
		s.Raw = line
		steps = append(steps, s)
	}
	return steps, stderr.String(), err
}

// interopRun runs `node SCRIPT` (see interopRunNode) and checks that no
// step failed and every step in want passed; it logs the steps, and the
// script's stderr (the SDK's frames) when something went wrong.
func interopRun(t testing.TB, dir, script string, env map[string]string, want []string) {
	t.Helper()
	steps, stderr, err := interopRunNode(t, dir, script, env)
	passed := map[string]bool{}
	var out strings.Builder
	for _, s := range steps {
		out.WriteString(s.Raw + "\n")
		if s.OK {
			passed[s.Step] = true
		} else {
			t.Errorf("step %s failed: %s", s.Step, s.Error)
		}
	}
	if missing := interopNotPassed(want, passed); len(missing) > 0 {
		t.Errorf("%d of %d steps did not pass: %s", len(missing), len(want), strings.Join(missing, ", "))
	}
	if err != nil {
		t.Errorf("%s: %v", script, err)
	}
	t.Logf("%s stdout:\n%s", script, out.String())
	if t.Failed() {
		t.Logf("%s stderr:\n%s", script, stderr)
	}
}

// TestNodeSDKSeesRefusalsAsCloseCodes checks the spec's connection
// refusals as the official SDK sees them: a close after the upgrade with
// 4019 (bad token), 4020 (unknown version) and 4021 (a second game client
// on the channel), each an 'error' event with that code and no reconnect;
// the first game client keeps working. Another user's SDK game client is
// refused (4020) without the version's share code and runs it on its own
// channel with it (the SDK's sharecode option).
func TestNodeSDKSeesRefusalsAsCloseCodes(t *testing.T) {
	dir := interopDir(t)
	srv := startServer(t)
	token := srv.cli(t, "token")
	versionID := srv.cli(t, "import", filepath.Join(moduleRoot, "e2e", "testdata", "interop-layout.json"))

	interopRun(t, dir, "rejects.js", map[string]string{
		"MIXSTUDIO_URL":         srv.URL,
		"MIXSTUDIO_TOKEN":       token,
		"MIXSTUDIO_VERSION_ID":  versionID,
		"MIXSTUDIO_GUEST_TOKEN": srv.cli(t, "token", "--user", "guest"),
		"MIXSTUDIO_SHARECODE":   srv.cli(t, "sharecode", versionID),
	}, []string{"bad-token", "unknown-version", "participant-key-as-game-token", "second-game-client", "first-client-unaffected",
		"guest-without-sharecode", "guest-with-wrong-sharecode", "guest-with-sharecode"})
}

// TestNodeSDKCrowdOfParticipants connects 150 anonymous SDK participants at
// once: every join, press and joystick move reaches the game client once,
// attributed to the right session; getAllParticipants pages through all of
// them (more than one page of 100); every participant sees a control
// update; every leave arrives.
func TestNodeSDKCrowdOfParticipants(t *testing.T) {
	dir := interopDir(t)
	// 150 viewers from one address: more than one address may hold by
	// default (docs/security.md).
	// 150 viewers from one address, joining at once.
	srv := startServer(t, "--sockets-per-address", "200", "--requests-per-address", "0")
	token := srv.cli(t, "token")
	versionID := srv.cli(t, "import", filepath.Join(moduleRoot, "e2e", "testdata", "interop-layout.json"))

	interopRun(t, dir, "crowd.js", map[string]string{
		"MIXSTUDIO_URL":        srv.URL,
		"MIXSTUDIO_TOKEN":      token,
		"MIXSTUDIO_VERSION_ID": versionID,
		"MIXSTUDIO_CROWD":      "150",
	}, []string{"game-ready", "crowd-join", "crowd-input", "crowd-getAllParticipants", "crowd-sees-update", "crowd-leave"})
}

// TestNodeSDKSurvivesMemoryWarningThenSees4017 grows an SDK game client's
// session past the mediator's memory limit: the issueMemoryWarning must
// not crash the SDK (it has no handler for it), and the 4017 close must
// reach it as a final OutOfMemory error, with no reconnect.
func TestNodeSDKSurvivesMemoryWarningThenSees4017(t *testing.T) {
	dir := interopDir(t)
	srv := startServer(t)
	token := srv.cli(t, "token")
	versionID := srv.cli(t, "import", filepath.Join(moduleRoot, "e2e", "testdata", "interop-layout.json"))

	interopRun(t, dir, "memory.js", map[string]string{
		"MIXSTUDIO_URL":        srv.URL,
		"MIXSTUDIO_TOKEN":      token,
		"MIXSTUDIO_VERSION_ID": versionID,
	}, []string{"game-open", "grow-until-warning", "closed-4017"})
}

// interopSparks reads a viewer's balance with `mixstudio sparks USER`.
func interopSparks(t testing.TB, srv *server, user string) int {
	t.Helper()
	out := srv.cli(t, "sparks", user)
	fields := strings.Fields(out)
	if len(fields) == 0 {
		t.Fatalf("sparks %s printed nothing", user)
	}
	n, err := strconv.Atoi(fields[len(fields)-1])
	if err != nil {
		t.Fatalf("sparks %s printed %q, want a number", user, out)
	}
	return n
}
