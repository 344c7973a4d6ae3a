package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The command's in-process run: one line on stdout with every input
// received and nothing lost.
func TestLoadtestCommandInProcess(t *testing.T) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := run(ctx, []string{"loadtest", "--server", "inprocess", "--n", "30", "--rate", "4", "--duration", "1s"}, &out, &errOut)
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, errOut.String())
	}
	line := strings.TrimSpace(out.String())
	if strings.Count(line, "\n") != 0 || !strings.HasPrefix(line, "loadtest mode=input server=inprocess n=30 ") {
		t.Fatalf("want one line of figures, got %q", line)
	}
	for _, want := range []string{"inputs_sent=120 ", "inputs_recv=120 ", "lost=0 ", "errors=0/0"} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q: %s", want, line)
		}
	}
}

func TestLoadtestCommandRefusesBadTargets(t *testing.T) {
	for _, args := range [][]string{
		{"loadtest", "--url", "http://10.0.0.1:8080", "--token", "x", "--version", "1"},
		{"loadtest", "--url", "http://127.0.0.1:1"},
		{"loadtest", "--n", "20000"},
		{"loadtest", "--duration", "10m"},
		{"loadtest", "--server", "elsewhere", "--n", "1", "--duration", "1s"},
		{"loadtest", "--edges", "9", "--n", "1", "--duration", "1s"},
		{"loadtest", "--edges", "-1", "--n", "1", "--duration", "1s"},
		{"loadtest", "--edges", "2", "--server", "inprocess", "--n", "1", "--duration", "1s"},
		{"loadtest", "--edges", "2", "--url", "http://127.0.0.1:1", "--token", "x", "--version", "1"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

// The default run: the real binary serves the mediator in a child
// process, whose memory the line reports.
func TestLoadtestCommandChildServer(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "loadtest", "--mode", "fanout", "--n", "40", "--rate", "10", "--duration", "1s")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, errOut.String())
	}
	line := string(out)
	if !strings.Contains(line, "server=child") || !strings.Contains(line, "delivered=400/400 ") {
		t.Fatalf("line: %s", line)
	}
	// The child's memory comes from its /proc and its debug endpoint.
	if !regexp.MustCompile(`rss/part=-?[0-9.]+KiB rss_end/part=-?[0-9.]+KiB heap/part=-?[0-9.]+KiB stack/part=-?[0-9.]+KiB goroutines/part=[0-9.]+ `).MatchString(line) {
		t.Errorf("no server memory figures: %s", line)
	}
}

// buildBinary builds this command once per test that needs it as a
// child process.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "mixstudio")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

// --edges: a NATS server, a home node and two edge nodes; every update
// reaches every participant (all on the edges) and crosses the bus once
// per edge, not once per participant.
func TestLoadtestCommandCluster(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "loadtest", "--edges", "2", "--mode", "fanout", "--n", "50", "--rate", "20", "--duration", "2s")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, errOut.String())
	}
	line := string(out)
	for _, want := range []string{"server=cluster edges=2 ", "fanouts=40 ", "delivered=2000/2000 ", "home.parts=0 ", "edge1.delivered=1000 ", "edge2.delivered=1000 "} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q: %s", want, line)
		}
	}
	m := regexp.MustCompile(`bus_out/update=(-?[0-9.]+) `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no bus_out/update: %s", line)
	}
	// Wide bounds: see TestClusterRun (live/loadtest).
	if v, _ := strconv.ParseFloat(m[1], 64); v > 5 || v < 1 {
		t.Errorf("bus_out/update=%s, want about 2 (one per edge; 50 if the home published per participant): %s", m[1], line)
	}
}

// Ctrl-C during a cluster run stops every node it started.
func TestLoadtestCommandClusterInterruptedStopsItsNodes(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "loadtest", "--edges", "2", "--mode", "idle", "--n", "10", "--duration", "60s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int
	var logs strings.Builder
	sc := bufio.NewScanner(stderr)
	nodeLine := regexp.MustCompile(`^loadtest: node (\S+) pid (\d+) at `)
	for sc.Scan() {
		logs.WriteString(sc.Text() + "\n")
		if m := nodeLine.FindStringSubmatch(sc.Text()); m != nil {
			pid, _ := strconv.Atoi(m[2])
			pids = append(pids, pid)
		}
		if strings.Contains(sc.Text(), "participants joined") {
			break
		}
	}
	if len(pids) != 3 {
		cmd.Process.Kill()
		t.Fatalf("want 3 nodes before the joins, saw %v:\n%s", pids, logs.String())
	}
	cmd.Process.Signal(os.Interrupt)
	io.Copy(io.Discard, stderr) // to the end: the command has exited
	err = cmd.Wait()
	if ee := (*exec.ExitError)(nil); err != nil && !errors.As(err, &ee) {
		t.Fatalf("wait: %v", err)
	}
	// The command waited for its nodes: each has exited and been reaped.
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("node pid %d still there after the command ended: %v", pid, err)
		}
	}
}
