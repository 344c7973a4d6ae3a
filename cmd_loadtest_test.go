package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "mixstudio")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
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
