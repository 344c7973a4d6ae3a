package loadtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// The cluster's nodes are `mixstudio mediator` processes: the tests
// build the binary once.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func mixstudioBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs three mediator processes")
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "mixstudio-loadtest-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "mixstudio")
		var out []byte
		if out, binErr = exec.Command("go", "build", "-o", binPath, "github.com/mixstudio/mixstudio").CombinedOutput(); binErr != nil {
			binErr = errors.New(binErr.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("go build: %v", binErr)
	}
	return binPath
}

func startCluster(t *testing.T, edges int) *Cluster {
	t.Helper()
	exe := mixstudioBinary(t)
	logs := &testkit.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := StartCluster(ctx, t.TempDir(), exe, edges, logs)
	if err != nil {
		t.Fatalf("start cluster: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		// Stopped means gone: every node has exited and been reaped.
		for _, n := range c.Target.Nodes {
			if err := syscall.Kill(n.PID, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("node %s (pid %d) still there after Stop: %v", n.Name, n.PID, err)
			}
		}
		if t.Failed() {
			t.Logf("nodes' logs:\n%s", logs.String())
		}
	})
	return c
}

func nodeNamed(t *testing.T, res Result, name string) NodeResult {
	t.Helper()
	for _, n := range res.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %s in %s", name, res.Line())
	return NodeResult{}
}

// Through a home and two edges, with every participant on an edge: every
// update reaches every participant, the bus carries it once per edge (not
// once per participant), and every input reaches the game client exactly
// once. The same cluster serves every run, one game-client session after
// the other.
func TestClusterRun(t *testing.T) {
	const edges, n = 2, 50
	c := startCluster(t, edges)
	if len(c.Target.Nodes) != 1+edges || len(c.Target.ParticipantURLs) != edges || c.Target.BaseURL != c.Target.Nodes[0].URL {
		t.Fatalf("target: %+v", c.Target)
	}

	t.Run("fanout", func(t *testing.T) {
		res := run(t, c.Target, Config{Mode: ModeFanout, Participants: n, Rate: 20, Duration: 2 * time.Second})
		if res.FanoutsSent != 40 || res.WantDeliveries != 40*n || res.Deliveries != res.WantDeliveries {
			t.Errorf("sent %d fan-outs (want 40), delivered %d of %d", res.FanoutsSent, res.Deliveries, res.WantDeliveries)
		}
		if res.GameErrors != 0 || res.ParticipantErrors != 0 {
			t.Errorf("errors: game %d (%s), participants %d", res.GameErrors, res.FirstError, res.ParticipantErrors)
		}
		if home := nodeNamed(t, res, "home"); home.Participants != 0 || home.Deliveries != 0 {
			t.Errorf("home holds %d participants: they belong on the edges", home.Participants)
		}
		for _, name := range []string{"edge1", "edge2"} {
			e := nodeNamed(t, res, name)
			if e.Participants != n/edges || e.Deliveries != 40*n/edges || e.CPU <= 0 {
				t.Errorf("%s: %d participants, %d delivered, cpu %s; want %d, %d, some", name, e.Participants, e.Deliveries, e.CPU, n/edges, 40*n/edges)
			}
		}
		// One message out to each edge per update: 2 (50 if the home wrote
		// to the bus per participant). The bounds are wide because the
		// bus's own idle traffic (heartbeats, leases; 15 messages out a
		// second), subtracted at its rate before the run, slips on a busy
		// machine.
		in, out := res.Bus.PerEvent(res.FanoutsSent)
		if out > edges+3 || out < 1 {
			t.Errorf("bus: %.2f messages out per update, want about %d (one per edge): %s", out, edges, res.Line())
		}
		if in > 3 {
			t.Errorf("bus: %.2f messages in per update, want about 1 (the home publishes once): %s", in, res.Line())
		}
		line := res.Line()
		for _, want := range []string{"server=cluster edges=2 ", "home.parts=0 ", "home.cpu/update=", "edge1.parts=25 ", "edge2.delivered=1000 ", "edge2.cpu/deliv=", "bus_out/update="} {
			if !strings.Contains(line, want) {
				t.Errorf("line lacks %q: %s", want, line)
			}
		}
	})

	t.Run("input", func(t *testing.T) {
		res := run(t, c.Target, Config{Mode: ModeInput, Participants: n, Rate: 5, Duration: 2 * time.Second})
		if res.InputsSent != 5*2*n || res.InputsReceived != res.InputsSent || res.InputsRefused != 0 || res.Lost() != 0 {
			t.Errorf("inputs: sent %d (want %d), received %d, refused %d, lost %d", res.InputsSent, 5*2*n, res.InputsReceived, res.InputsRefused, res.Lost())
		}
		for _, name := range []string{"edge1", "edge2"} {
			if e := nodeNamed(t, res, name); e.InputsGiven != res.InputsSent/edges {
				t.Errorf("%s: its participants gave %d inputs, want %d", name, e.InputsGiven, res.InputsSent/edges)
			}
		}
		// Each input crosses once, edge to home, and its reply (the driver
		// asks for one) once, home to the subject every edge reads.
		if in, out := res.Bus.PerEvent(res.InputsSent); in > 2.5 || out > 1+edges+0.5 || in < 1.5 {
			t.Errorf("bus: %.2f messages in and %.2f out per input, want about 2 and %d: %s", in, out, 1+edges, res.Line())
		}
		if !strings.Contains(res.Line(), "edge1.cpu/input=") {
			t.Errorf("line: %s", res.Line())
		}
	})

	// Both at once: inputs cross the bus while updates do.
	t.Run("mixed", func(t *testing.T) {
		res := run(t, c.Target, Config{Mode: ModeMixed, Participants: n, Rate: 2, FanoutRate: 10, Duration: 2 * time.Second})
		if res.InputsSent != 2*2*n || res.InputsReceived != res.InputsSent || res.Lost() != 0 {
			t.Errorf("inputs: sent %d (want %d), received %d, lost %d", res.InputsSent, 2*2*n, res.InputsReceived, res.Lost())
		}
		if res.FanoutsSent != 20 || res.Deliveries != 20*n {
			t.Errorf("fan-outs: sent %d (want 20), delivered %d of %d", res.FanoutsSent, res.Deliveries, 20*n)
		}
		if line := res.Line(); !strings.Contains(line, "edge1.delivered=500 edge1.inputs=100 ") {
			t.Errorf("line: %s", line)
		}
	})
}

func TestStartClusterRefusesBadEdges(t *testing.T) {
	for _, e := range []int{0, -1, MaxEdges + 1} {
		if _, err := StartCluster(context.Background(), t.TempDir(), "/nonexistent", e, nil); err == nil {
			t.Errorf("edges %d accepted", e)
		}
	}
}

// A node that cannot start stops the others and the bus.
func TestStartClusterCleansUpAfterAFailedNode(t *testing.T) {
	_, err := StartCluster(context.Background(), t.TempDir(), "/bin/false", 2, nil)
	if err == nil || !strings.Contains(err.Error(), "exited before serving") {
		t.Fatalf("StartCluster with a node that exits: %v", err)
	}
}
