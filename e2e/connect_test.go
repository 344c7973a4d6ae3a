package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/client"
)

// connectLayout is a one-button game for the connect page's snippets.
const connectLayout = `{"scenes":[{"sceneID":"default","controls":[{"controlID":"fire","kind":"button","text":"Fire",
 "position":[{"size":"large","x":0,"y":0,"width":10,"height":5},{"size":"medium","x":0,"y":0,"width":10,"height":5},{"size":"small","x":0,"y":0,"width":10,"height":5}]}]}]}`

// The "Connect a game" page, used as a game developer would: open it from
// the editor, make a token, copy the node and Go snippets and run them
// exactly as shown (node with the npm SDK, Go with `go run` in this
// module) against the real server; a viewer's press reaches each.
func TestConnectPageSnippetsRun(t *testing.T) {
	dir := interopDir(t)
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "game.json")
	if err := os.WriteFile(file, []byte(connectLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	version := srv.cli(t, "import", file)
	tab := newBrowser(t)
	studioDo(t, tab, chromedp.Navigate(srv.URL+"/studio/versions/"+version), chromedp.Click(chromedp.CSS(`[data-testid=open-connect]`)))
	studioWaitNavigation(t, tab, `!!document.querySelector("[data-testid=connect-page]")`)
	if got := studioEval[string](t, tab, `document.querySelector("[data-testid=connect-version-id]").textContent`); got != version {
		t.Fatalf("the page shows version ID %q, want %q", got, version)
	}
	if got := studioEval[string](t, tab, `document.querySelector("[data-testid=connect-hosts-url]").textContent`); got != srv.URL+"/api/v1/interactive/hosts" {
		t.Fatalf("the page shows host %q", got)
	}
	studioDo(t, tab, chromedp.Click(chromedp.CSS(`[data-testid=connect-mint-token]`)))
	studioWaitNavigation(t, tab, `!!document.querySelector("[data-testid=connect-token]")`)
	token := studioEval[string](t, tab, `document.querySelector("[data-testid=connect-token]").textContent`)
	snippet := func(id string) string {
		code := studioEval[string](t, tab, fmt.Sprintf(`document.querySelector("[data-testid=snippet-%s] [data-testid=snippet-code]").textContent`, id))
		if strings.Contains(code, "PASTE_A_TOKEN_HERE") || !strings.Contains(code, token) || !strings.Contains(code, version) {
			t.Fatalf("the %s snippet is not filled with the token and version:\n%s", id, code)
		}
		return code
	}
	for _, id := range []string{"python", "java", "cpp", "unity"} {
		if code := studioEval[string](t, tab, fmt.Sprintf(`document.querySelector("[data-testid=snippet-%s] [data-testid=snippet-code]").textContent`, id)); !strings.Contains(code, version) {
			t.Errorf("the %s snippet lacks the version ID:\n%s", id, code)
		}
	}
	nodeCode, goCode := snippet("node"), snippet("go")
	studioShot(t, tab, "connect-page")
	viewerToken := srv.cli(t, "token", "--user", "viewer")

	// Node, with the SDK from npm: the file sits in e2e/interop so that
	// require finds node_modules.
	nodeFile := filepath.Join(dir, fmt.Sprintf(".connect-snippet-%d.js", os.Getpid()))
	if err := os.WriteFile(nodeFile, []byte(nodeCode), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(nodeFile) })
	node := startSnippet(t, dir, "node", nodeFile)
	node.waitLine(t, "ready:")
	viewer := dialViewer(t, srv, token, viewerToken)
	pressFire(t, viewer)
	node.waitLine(t, "input: viewer fire mousedown")
	node.stop(t)
	// The session ends with its game client: the viewer is told 4016, so
	// the next game client will not meet 4021.
	if code := closeCodeOf(t, viewer); code != 4016 {
		t.Fatalf("viewer closed with %d after the node game left, want 4016", code)
	}

	// Go, with this module's live/client: a main package in a directory of
	// the module, run with `go run`.
	goDir, err := os.MkdirTemp(moduleRoot, "connect-snippet-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(goDir) })
	if err := os.WriteFile(filepath.Join(goDir, "main.go"), []byte(goCode), 0o644); err != nil {
		t.Fatal(err)
	}
	gorun := startSnippet(t, moduleRoot, "go", "run", "./"+filepath.Base(goDir))
	gorun.waitLine(t, "ready:")
	viewer = dialViewer(t, srv, token, viewerToken)
	pressFire(t, viewer)
	gorun.waitLine(t, " fire mousedown")
	gorun.stop(t)
}

// Share codes in the studio: create, show, rotate, revoke. Another user's
// game client runs the version on its own channel with the code.
func TestShareCodeLetsAnotherUsersGameRunTheVersion(t *testing.T) {
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "game.json")
	if err := os.WriteFile(file, []byte(connectLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	version := srv.cli(t, "import", file)
	ownerToken := srv.cli(t, "token")
	guestToken := srv.cli(t, "token", "--user", "guest")
	tab := newBrowser(t)
	studioDo(t, tab, chromedp.Navigate(srv.URL+"/studio/versions/"+version+"/connect"))
	studioWaitNavigation(t, tab, `!!document.querySelector("[data-testid=sharecode-none]")`)

	dial := func(token, sharecode string) (*client.Client, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return client.Dial(ctx, client.Config{DiscoveryURL: srv.URL, Token: token, VersionID: version, Sharecode: sharecode, Compression: []string{}})
	}
	refused := func(what string, c *client.Client, err error) {
		t.Helper()
		var he *client.HandshakeError
		if err == nil {
			c.Close()
			t.Fatalf("%s: the guest's game client got in", what)
		}
		if !errors.As(err, &he) || he.Code != 4020 {
			t.Fatalf("%s: %v, want a 4020 refusal", what, err)
		}
	}
	c, err := dial(guestToken, "")
	refused("without a code", c, err)

	studioDo(t, tab, chromedp.Click(chromedp.CSS(`[data-testid=sharecode-create]`)))
	studioWaitNavigation(t, tab, `!!document.querySelector("[data-testid=sharecode-value]")`)
	code := studioEval[string](t, tab, `document.querySelector("[data-testid=sharecode-value]").textContent`)
	studioShot(t, tab, "sharecode")
	if cli := srv.cli(t, "sharecode", version); cli != code {
		t.Fatalf("the CLI shows %q, the studio %q", cli, code)
	}

	// The guest's game runs the version on the guest's channel, while the
	// owner's runs it on the owner's.
	guest, err := dial(guestToken, code)
	if err != nil {
		t.Fatalf("the guest's game client with the code: %v", err)
	}
	defer guest.Close()
	owner, err := dial(ownerToken, "")
	if err != nil {
		t.Fatalf("the owner's game client beside the guest's: %v", err)
	}
	defer owner.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := guest.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	fan := dialViewer(t, srv, guestToken, srv.cli(t, "token", "--user", "fan"))
	pressFire(t, fan)
	waitPress(t, guest, "fire")
	fan.Close()
	guest.Close()

	studioDo(t, tab, chromedp.Click(chromedp.CSS(`[data-testid=sharecode-rotate]`)))
	studioWaitNavigation(t, tab, fmt.Sprintf(`(document.querySelector("[data-testid=sharecode-value]")?.textContent || %q) !== %q`, code, code))
	rotated := studioEval[string](t, tab, `document.querySelector("[data-testid=sharecode-value]").textContent`)
	c, err = dial(guestToken, code)
	refused("with the rotated-out code", c, err)

	studioDo(t, tab, chromedp.Click(chromedp.CSS(`[data-testid=sharecode-revoke]`)))
	studioWaitNavigation(t, tab, `!!document.querySelector("[data-testid=sharecode-none]")`)
	c, err = dial(guestToken, rotated)
	refused("with a revoked code", c, err)
}

// waitPress waits for a giveInput on controlID.
func waitPress(t *testing.T, c *client.Client, controlID string) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatal("the game client stopped before the press")
			}
			if in, err := ev.Input(); ev.Method == "giveInput" && err == nil && in.Input.ControlID == controlID {
				return
			}
		case <-timeout:
			t.Fatalf("no press of %s reached the game client", controlID)
		}
	}
}

// pressFire sends a press of "fire" as a viewer's page would.
func pressFire(t *testing.T, ws *websocket.Conn) {
	t.Helper()
	// Wait for onReady {isReady: true}: input before it is refused.
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("viewer: waiting for ready: %v", err)
		}
		var m struct {
			Method string `json:"method"`
			Params struct {
				IsReady bool `json:"isReady"`
			} `json:"params"`
		}
		if json.Unmarshal(data, &m) == nil && m.Method == "onReady" && m.Params.IsReady {
			break
		}
	}
	ws.SetReadDeadline(time.Time{})
	msg := `{"type":"method","id":1,"method":"giveInput","discard":true,"params":{"controlID":"fire","event":"mousedown","button":0}}`
	if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// closeCodeOf reads until the server closes ws and returns the code.
func closeCodeOf(t *testing.T, ws *websocket.Conn) int {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			t.Fatalf("viewer: %v", err)
		}
	}
}

// snippetProcess is a snippet running as its user would run it; its
// stdout lines are kept for waitLine.
type snippetProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  []string
	more chan struct{}
	done chan struct{}
	errb *testkit.Buffer
}

func startSnippet(t *testing.T, dir, name string, args ...string) *snippetProcess {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // go run's child goes too
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &snippetProcess{cmd: cmd, more: make(chan struct{}, 1), done: make(chan struct{}), errb: &testkit.Buffer{}}
	cmd.Stderr = p.errb
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out = append(p.out, sc.Text())
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// waitLine waits for a stdout line containing want (a `go run` compiles
// first: up to two minutes on a loaded machine).
func (p *snippetProcess) waitLine(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		p.mu.Lock()
		for _, l := range p.out {
			if strings.Contains(l, want) {
				p.mu.Unlock()
				return
			}
		}
		out := strings.Join(p.out, "\n")
		p.mu.Unlock()
		select {
		case <-p.more:
		case <-p.done:
			t.Fatalf("%s exited before printing %q:\nstdout:\n%s\nstderr:\n%s", p.cmd.Path, want, out, p.errb.String())
		case <-timeout:
			t.Fatalf("%s did not print %q:\nstdout:\n%s\nstderr:\n%s", p.cmd.Path, want, out, p.errb.String())
		}
	}
}

func (p *snippetProcess) stop(t *testing.T) {
	if p.cmd.Process == nil || p.cmd.ProcessState != nil {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	p.cmd.Wait()
}
