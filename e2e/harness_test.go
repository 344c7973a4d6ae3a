// Package e2e runs the real mixstudio binary: the studio pages through
// Debian's chromium (chromedp) and the mediator through the official Node
// SDK. Everything here is test code; this file is the harness the other
// e2e tests build on.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// binary is the mixstudio executable TestMain builds once for every test
// ($MIXSTUDIO_BINARY instead, when set).
var binary string

// moduleRoot is the directory holding go.mod (the binary's source).
var moduleRoot string

func TestMain(m *testing.M) {
	code := buildAndRun(m)
	reportSkips()
	os.Exit(code)
}

func buildAndRun(m *testing.M) int {
	root, err := findModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	moduleRoot = root
	// A prebuilt binary may be given (for example one built from a clean
	// checkout while the work tree is mid-edit).
	if prebuilt := os.Getenv("MIXSTUDIO_BINARY"); prebuilt != "" {
		binary = prebuilt
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "mixstudio-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "mixstudio")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// findModuleRoot walks up from the package directory to go.mod.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the e2e package")
		}
		dir = parent
	}
}

// inCI reports whether missing tools (chromium, node_modules) must fail
// the run instead of skipping the tests that need them.
func inCI() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips a test whose tool is missing, except in CI where a
// silently skipped suite would hide a broken setup.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("%s (CI=true: required)", msg)
	}
	// Messages starting "interop" or "bundles" need node and npm packages;
	// the rest need chromium.
	kind := &skipped.browser
	if strings.HasPrefix(msg, "interop") || strings.HasPrefix(msg, "bundles") {
		kind = &skipped.sdk
	}
	skipped.Lock()
	*kind++
	skipped.Unlock()
	t.Skip(msg)
}

// skipped counts the tests skipped for a missing tool.
var skipped struct {
	sync.Mutex
	browser, sdk int
}

// reportSkips prints one line naming what was skipped and how to run it.
// `go test ./...` shows a passing package's output only with -v, so the
// line also goes to the terminal (/dev/tty) when there is one: a new user
// on a machine without chromium or npm should not read "ok" as "all ran".
func reportSkips() {
	skipped.Lock()
	defer skipped.Unlock()
	if skipped.browser+skipped.sdk == 0 {
		return
	}
	line := fmt.Sprintf("e2e: skipped %d browser tests (no chromium) and %d SDK and bundle tests (no node, or no `npm ci` in e2e/interop and e2e/bundle); `bash .ci/run` installs all and runs everything\n",
		skipped.browser, skipped.sdk)
	fmt.Print(line)
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		tty.WriteString(line)
		tty.Close()
	}
}

// server is one running `mixstudio serve` process.
type server struct {
	URL  string // http://127.0.0.1:PORT, no trailing slash
	Addr string // 127.0.0.1:PORT
	DB   string // the SQLite file it serves

	command string // serve or mediator
	args    []string
	stderr  *testkit.Buffer // every run's stderr, restarts included

	// The current process; replaced by restart once the last one exited.
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has ended
	err    error         // cmd.Wait's result, valid once exited is closed
	down   bool          // terminated on purpose (restart failed half-way)
}

// startServer runs `mixstudio serve --addr 127.0.0.1:PORT --db $T/x.db ARGS...`
// and waits until /healthz answers. At cleanup it sends SIGTERM and fails
// the test unless the process exits 0 within a few seconds; its stderr goes
// into the test log when the test failed.
func startServer(t testing.TB, args ...string) *server {
	t.Helper()
	return startServerDB(t, filepath.Join(t.TempDir(), "x.db"), args...)
}

// startServerDB is startServer on a given database file (for example one
// prepared with runCLI before the server starts).
func startServerDB(t testing.TB, db string, args ...string) *server {
	t.Helper()
	return startCommand(t, "serve", db, args)
}

// startMediator runs `mixstudio mediator` (the protocol endpoints alone, no
// studio pages) like startServer.
func startMediator(t testing.TB, args ...string) *server {
	t.Helper()
	return startCommand(t, "mediator", filepath.Join(t.TempDir(), "x.db"), args)
}

func startCommand(t testing.TB, command, db string, args []string) *server {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		addr, err := freeAddr()
		if err != nil {
			t.Fatalf("pick a port: %v", err)
		}
		s := &server{URL: "http://" + addr, Addr: addr, DB: db, command: command, args: args, stderr: &testkit.Buffer{}}
		err = s.launch()
		if err == nil {
			t.Cleanup(func() { s.stop(t) })
			return s
		}
		lastErr = err
		// Another process may have taken the port between our probe and
		// the server's listen: try another one.
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatalf("start server: %v", lastErr)
	return nil
}

// freeAddr finds a free loopback port by listening on :0 and closing.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// launch starts the process and waits for /healthz.
func (s *server) launch() error {
	argv := append([]string{s.command, "--addr", s.Addr, "--db", s.DB}, s.args...)
	cmd := exec.Command(binary, argv...)
	cmd.Stdout = s.stderr // serve writes nothing to stdout; keep it anyway
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", binary, err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	go func() {
		err := cmd.Wait()
		s.err = err // read only after exited is closed
		close(exited)
	}()

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("server exited before answering (%v): %s", s.err, s.stderr.String())
		default:
		}
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	return fmt.Errorf("server did not answer /healthz within 15s: %s", s.stderr.String())
}

// restart stops the server with SIGTERM (failing the test unless it exits
// 0) and starts it again on the same address and database, as a deploy
// does. Clients see their sockets closed with 1012 and may reconnect.
func (s *server) restart(t testing.TB) {
	t.Helper()
	if !s.terminate(t) {
		t.FailNow()
	}
	s.relaunch(t)
}

// relaunch starts a stopped or killed server again on its address and
// database, with the same flags (a supervisor restarting a process); the
// old socket may linger in the kernel a moment.
func (s *server) relaunch(t testing.TB) {
	t.Helper()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = s.launch(); err == nil {
			s.down = false
			return
		}
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("relaunch server: %v", err)
}

// terminate sends SIGTERM and reports whether the process exited 0 within
// 8 s; a server that hangs or fails on shutdown is a bug (sockets must
// close with 1012, the db must flush).
func (s *server) terminate(t testing.TB) bool {
	t.Helper()
	if s.down {
		return false
	}
	select {
	case <-s.exited:
		t.Errorf("server exited before it was stopped (%v)", s.err)
		return false
	default:
	}
	s.down = true
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
		if s.err != nil {
			t.Errorf("server exited with %v after SIGTERM", s.err)
			return false
		}
		return true
	case <-time.After(8 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("server did not exit within 8s of SIGTERM")
		return false
	}
}

// stop is the cleanup: terminate, then the server's log if the test failed.
func (s *server) stop(t testing.TB) {
	t.Helper()
	s.terminate(t)
	if t.Failed() {
		t.Logf("server stderr:\n%s", s.stderr.String())
	}
}

// Stderr is what the server has logged so far.
func (s *server) Stderr() string { return s.stderr.String() }

// cli runs a one-shot command against the server's database and returns
// its stdout with surrounding space trimmed; a non-zero exit fails the test.
// Example: srv.cli(t, "token", "--user", "viewer1").
func (s *server) cli(t testing.TB, args ...string) string {
	t.Helper()
	return runCLI(t, s.DB, args...)
}

// runCLI runs `mixstudio ARGS... --db DB` and returns its trimmed stdout,
// failing the test on a non-zero exit. --db goes last: every command
// parses flags after its positional arguments.
func runCLI(t testing.TB, db string, args ...string) string {
	t.Helper()
	stdout, stderr, err := runCLIResult(db, args...)
	if err != nil {
		t.Fatalf("mixstudio %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(stdout)
}

// runCLIResult runs a command and returns everything, for tests that
// expect a failure.
func runCLIResult(db string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	argv := append(append([]string{}, args...), "--db", db)
	cmd := exec.CommandContext(ctx, binary, argv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// dialViewer joins the owner's channel the way a viewer's page does: the
// channel from users/current, the key from interactive/{channel}.
func dialViewer(t testing.TB, srv *server, ownerToken, viewerToken string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(viewerURL(t, srv, ownerToken, viewerToken), nil)
	if err != nil {
		t.Fatalf("dial participant: %v", err)
	}
	return conn
}

// joinViewer is dialViewer with the kit's participant (it reads all the
// time and keeps every packet).
func joinViewer(t testing.TB, srv *server, ownerToken, viewerToken string) *testkit.Participant {
	t.Helper()
	return testkit.MustDial(t, viewerURL(t, srv, ownerToken, viewerToken), nil)
}

// viewerURL is the participant socket's URL a viewer's page would use.
func viewerURL(t testing.TB, srv *server, ownerToken, viewerToken string) string {
	t.Helper()
	var me struct {
		Channel struct {
			ID int64 `json:"id"`
		} `json:"channel"`
	}
	getJSON(t, srv.URL+"/api/v1/users/current", ownerToken, &me)
	var join struct {
		SocketAddress string `json:"socketAddress"`
		Key           string `json:"key"`
	}
	getJSON(t, fmt.Sprintf("%s/api/v1/interactive/%d", srv.URL, me.Channel.ID), viewerToken, &join)
	u, err := url.Parse(join.SocketAddress)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("key", join.Key)
	q.Set("x-protocol-version", "2.0")
	u.RawQuery = q.Encode()
	return u.String()
}

func getJSON(t testing.TB, u, token string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}
