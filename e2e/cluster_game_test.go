package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// clusterGame is e2e/interop/cluster.js running: the official SDK's game
// client on a cluster, reporting what it receives (see the script's
// header) while the test sends it commands.
type clusterGame struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *testkit.Buffer

	mu      sync.Mutex
	lines   []gameLine
	arrived chan struct{} // closed and replaced on every line
	exited  bool
	waitErr error
}

// gameLine is one line the script printed.
type gameLine struct {
	Step          string          `json:"step"`
	OK            bool            `json:"ok"`
	Error         json.RawMessage `json:"error,omitempty"`
	URL           string          `json:"url"`
	N             int             `json:"n"`
	Code          int             `json:"code"`
	Hosts         []string        `json:"hosts"`
	SessionID     string          `json:"sessionID"`
	Username      string          `json:"username"`
	ParticipantID string          `json:"participantID"`
	ControlID     string          `json:"controlID"`
	Event         string          `json:"event"`
	Value         string          `json:"value"`
	IsReady       *bool           `json:"isReady"`
	Raw           string          `json:"-"`
}

// startClusterGame runs cluster.js against node's hosts list.
func startClusterGame(t *testing.T, dir string, node *server, token, versionID string) *clusterGame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := exec.CommandContext(ctx, "node", "cluster.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"MIXSTUDIO_URL="+node.URL,
		"MIXSTUDIO_TOKEN="+token,
		"MIXSTUDIO_VERSION_ID="+versionID,
		"MIXSTUDIO_TIMEOUT_MS=150000",
	)
	g := &clusterGame{t: t, cmd: cmd, stderr: &testkit.Buffer{}, arrived: make(chan struct{})}
	cmd.Stderr = g.stderr
	var err error
	if g.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("node cluster.js: %v", err)
	}
	done := make(chan struct{})
	go g.read(stdout, done)
	t.Cleanup(func() {
		g.stdin.Close()
		cmd.Process.Kill()
		<-done
		cancel()
		if t.Failed() {
			var out strings.Builder
			for _, l := range g.all() {
				out.WriteString(l.Raw + "\n")
			}
			t.Logf("cluster.js stdout:\n%s", out.String())
			t.Logf("cluster.js stderr (the SDK's frames):\n%s", g.stderr.String())
		}
	})
	return g
}

func (g *clusterGame) read(stdout io.Reader, done chan struct{}) {
	defer close(done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		l := gameLine{Raw: sc.Text()}
		if err := json.Unmarshal([]byte(l.Raw), &l); err != nil || l.Step == "" {
			l = gameLine{Step: "unparsable", Raw: l.Raw}
		}
		g.mu.Lock()
		g.lines = append(g.lines, l)
		g.signal()
		g.mu.Unlock()
	}
	err := g.cmd.Wait()
	g.mu.Lock()
	g.exited, g.waitErr = true, err
	g.signal()
	g.mu.Unlock()
}

// signal wakes the waiters; g.mu is held.
func (g *clusterGame) signal() {
	close(g.arrived)
	g.arrived = make(chan struct{})
}

// all is every line so far.
func (g *clusterGame) all() []gameLine {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gameLine(nil), g.lines...)
}

// mark is the number of lines so far: wait(…, mark, …) looks only at
// what came after it.
func (g *clusterGame) mark() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.lines)
}

// linesSince is the lines from index from on whose step is step.
func (g *clusterGame) linesSince(from int, step string) []gameLine {
	var out []gameLine
	for _, l := range g.all()[from:] {
		if l.Step == step {
			out = append(out, l)
		}
	}
	return out
}

// wait returns the index and the first line from index from on that f
// accepts, waiting for it up to the kit's Timeout. A failed step, a line
// that is not a step, or the script's end fails the test.
func (g *clusterGame) wait(what string, from int, f func(gameLine) bool) (int, gameLine) {
	g.t.Helper()
	timeout := time.NewTimer(testkit.Timeout)
	defer timeout.Stop()
	for {
		g.mu.Lock()
		for i := from; i < len(g.lines); i++ {
			l := g.lines[i]
			if !l.OK {
				g.mu.Unlock()
				g.t.Fatalf("waiting for %s, the game client printed %s (a failed step, or not a step line)", what, l.Raw)
			}
			if f(l) {
				g.mu.Unlock()
				return i, l
			}
		}
		from = len(g.lines)
		arrived, exited, err := g.arrived, g.exited, g.waitErr
		g.mu.Unlock()
		if exited {
			g.t.Fatalf("waiting for %s, the game client exited (%v)", what, err)
		}
		select {
		case <-arrived:
		case <-timeout.C:
			g.t.Fatalf("the game client printed no %s within %v", what, testkit.Timeout)
		}
	}
}

// send writes one command line.
func (g *clusterGame) send(cmd any) {
	g.t.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		g.t.Fatal(err)
	}
	if _, err := g.stdin.Write(append(b, '\n')); err != nil {
		g.t.Fatalf("command to the game client: %v", err)
	}
}

// update has the game client set label "status" to uFROM … uFROM+COUNT-1,
// one updateControls at a time; it returns at once (await updated).
func (g *clusterGame) update(from, count int) {
	g.t.Helper()
	g.send(map[string]any{"cmd": "update", "from": from, "count": count})
}

// sdkViewer has the script open the SDK's ParticipantClient on node s as
// v (whose Key it uses) and returns v's session. v.P stays nil: v's
// inputs go through sdkGive.
func (g *clusterGame) sdkViewer(v *clusterViewer, s *server, channel int64) {
	g.t.Helper()
	u := testkit.WSURL(s.URL, "/participant", url.Values{"channel": {strconv.FormatInt(channel, 10)}})
	from := g.mark()
	g.send(map[string]any{"cmd": "viewer", "url": u, "key": v.Key})
	_, l := g.wait("the SDK participant ready", from, func(l gameLine) bool { return l.Step == "viewer-ready" })
	v.Session = l.SessionID
}

// sdkGive has the SDK's participant give v's next input and await its
// answer (the script fails if it is an error).
func (g *clusterGame) sdkGive(v *clusterViewer) {
	g.t.Helper()
	v.given++
	value := fmt.Sprintf("%s#%d", v.Name, v.given)
	from := g.mark()
	g.send(map[string]any{"cmd": "viewer-give", "value": value})
	g.wait("the SDK participant's input "+value+" acknowledged", from, func(l gameLine) bool { return l.Step == "viewer-acked" && l.Value == value })
	v.Acked = append(v.Acked, value)
}

// exit closes the game client and waits for the script to end with 0.
func (g *clusterGame) exit() []gameLine {
	g.t.Helper()
	g.send(map[string]any{"cmd": "exit"})
	g.wait("exit", 0, func(l gameLine) bool { return l.Step == "exit" })
	timeout := time.After(testkit.Timeout)
	for {
		g.mu.Lock()
		arrived, exited, err := g.arrived, g.exited, g.waitErr
		g.mu.Unlock()
		if exited {
			if err != nil {
				g.t.Errorf("cluster.js: %v", err)
			}
			return g.all()
		}
		select {
		case <-arrived:
		case <-timeout:
			g.t.Fatalf("cluster.js did not exit within %v of its exit command", testkit.Timeout)
		}
	}
}
