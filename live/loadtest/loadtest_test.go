package loadtest

import (
	"context"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startServer runs the real mediator, with its SQLite store in a temp
// directory, in this process.
func startServer(t *testing.T) Target {
	t.Helper()
	srv, err := StartInProcess(context.Background(), filepath.Join(t.TempDir(), "load.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	})
	return srv.Target
}

func run(t *testing.T, tg Target, cfg Config) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, tg, cfg, Options{})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, res.Line())
	}
	t.Log(res.Line())
	return res
}

// A functional test of the tool, not a timing test: every input sent
// reaches the game client, every fan-out reaches every participant, and
// the line reports it.
func TestRunInput(t *testing.T) {
	tg := startServer(t)
	res := run(t, tg, Config{Mode: ModeInput, Participants: 50, Rate: 5, Duration: 2 * time.Second})
	if res.InputsSent != 500 {
		t.Errorf("sent %d inputs, want 50 × 5/s × 2 s = 500", res.InputsSent)
	}
	if res.InputsReceived != res.InputsSent || res.Lost() != 0 || res.InputsRefused != 0 {
		t.Errorf("sent %d, received %d, refused %d, lost %d", res.InputsSent, res.InputsReceived, res.InputsRefused, res.Lost())
	}
	if res.Input.Count != int(res.InputsReceived) || res.Input.P50 <= 0 || res.Input.P99 < res.Input.P50 || res.Input.Max < res.Input.P99 {
		t.Errorf("input latencies: %+v", res.Input)
	}
	if res.GameErrors != 0 {
		t.Errorf("game client errors: %d (%s)", res.GameErrors, res.FirstError)
	}
	line := res.Line()
	for _, want := range []string{"mode=input", "server=inprocess", "n=50", "inputs_sent=500", "inputs_recv=500", "lost=0"} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q: %s", want, line)
		}
	}
	if !regexp.MustCompile(`in_p99=[0-9.]+ms`).MatchString(line) {
		t.Errorf("line has no input p99: %s", line)
	}
}

func TestRunFanout(t *testing.T) {
	tg := startServer(t)
	for _, kind := range []string{"controls", "scene"} {
		t.Run(kind, func(t *testing.T) {
			res := run(t, tg, Config{Mode: ModeFanout, Fanout: kind, Participants: 50, Rate: 10, Duration: 2 * time.Second})
			if res.FanoutsSent != 20 {
				t.Errorf("sent %d fan-outs, want 10/s × 2 s = 20", res.FanoutsSent)
			}
			if res.WantDeliveries != 20*50 || res.Deliveries != res.WantDeliveries {
				t.Errorf("delivered %d of %d", res.Deliveries, res.WantDeliveries)
			}
			if res.Fanout.Count != int(res.Deliveries) || res.Fanout.P99 < res.Fanout.P50 {
				t.Errorf("fan-out latencies: %+v", res.Fanout)
			}
			if res.GameErrors != 0 || res.ParticipantErrors != 0 {
				t.Errorf("errors: game %d (%s), participants %d", res.GameErrors, res.FirstError, res.ParticipantErrors)
			}
		})
	}
}

// Batched participants read JSON arrays: the driver's scanner must count
// each packet in them.
func TestRunFanoutBatched(t *testing.T) {
	tg := startServer(t)
	res := run(t, tg, Config{Mode: ModeFanout, Participants: 20, Rate: 50, Duration: time.Second, Batch: true})
	if res.Deliveries != res.WantDeliveries || res.WantDeliveries != 50*20 {
		t.Errorf("delivered %d of %d", res.Deliveries, res.WantDeliveries)
	}
}

func TestRunIdleMeasuresMemory(t *testing.T) {
	tg := startServer(t)
	res := run(t, tg, Config{Mode: ModeIdle, Participants: 50, Duration: time.Second})
	if res.InputsSent != 0 || res.FanoutsSent != 0 {
		t.Errorf("idle sent something: %s", res.Line())
	}
	// In process the heap includes both ends of each socket (and, with 50
	// participants, GC noise): measured, and far less than a megabyte.
	if math.IsNaN(res.HeapPerParticipant) || math.Abs(res.HeapPerParticipant) > 1<<20 {
		t.Errorf("heap per participant %.0f bytes", res.HeapPerParticipant)
	}
	if res.GoroutinesPer < 1 {
		t.Errorf("goroutines per participant %.2f: the server reads each socket on one, the driver on another", res.GoroutinesPer)
	}
	if math.IsNaN(res.RSSPerParticipant) {
		t.Error("no RSS reading for this process")
	}
}

// A load test sends nothing off this machine and stays within its bounds.
func TestRunRefusesOffLoopbackAndBadBounds(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8080", "http://192.168.1.2", "http://example.com", "https://127.0.0.1", "ftp://127.0.0.1"} {
		if err := CheckLoopback(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://127.3.2.1:1", "http://[::1]:80", "http://localhost:9"} {
		if err := CheckLoopback(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	_, err := Run(context.Background(), Target{BaseURL: "http://10.1.2.3:80"}, Config{Mode: ModeIdle, Participants: 1, Duration: time.Second}, Options{})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Run against 10.1.2.3: %v", err)
	}
	bad := []Config{
		{Mode: ModeIdle, Participants: 0, Duration: time.Second},
		{Mode: ModeIdle, Participants: MaxParticipants + 1, Duration: time.Second},
		{Mode: ModeIdle, Participants: 1, Duration: MaxDuration + time.Second},
		{Mode: ModeInput, Participants: 10, Rate: 0, Duration: time.Second},
		{Mode: ModeInput, Participants: 10000, Rate: 11, Duration: time.Second},
		{Mode: ModeFanout, Participants: 10, Rate: 1000, Duration: time.Second},
		{Mode: "storm", Participants: 10, Duration: time.Second},
		{Mode: ModeFanout, Fanout: "world", Participants: 10, Rate: 1, Duration: time.Second},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// Mixed: inputs and fan-outs at once, each counted and timed on its own.
func TestRunMixed(t *testing.T) {
	tg := startServer(t)
	res := run(t, tg, Config{Mode: ModeMixed, Participants: 30, Rate: 5, FanoutRate: 10, Duration: 2 * time.Second})
	if res.InputsSent != 300 || res.InputsReceived != res.InputsSent || res.Lost() != 0 {
		t.Errorf("inputs: sent %d (want 300), received %d, lost %d", res.InputsSent, res.InputsReceived, res.Lost())
	}
	if res.FanoutsSent != 20 || res.Deliveries != 20*30 {
		t.Errorf("fan-outs: sent %d (want 20), delivered %d of %d", res.FanoutsSent, res.Deliveries, 20*30)
	}
	if res.Input.Count != 300 || res.Fanout.Count != 600 {
		t.Errorf("latency samples: input %d, fan-out %d", res.Input.Count, res.Fanout.Count)
	}
	if line := res.Line(); !strings.Contains(line, "mode=mixed") || !strings.Contains(line, "rate=5/s/participant+10/s(controls)") {
		t.Errorf("line: %s", line)
	}
	bad := Config{Mode: ModeMixed, Participants: 10, Rate: 1, Duration: time.Second}
	if err := bad.Validate(); err == nil {
		t.Error("mixed without a fan-out rate accepted")
	}
}

// A cluster's line: the bus per update and each node's figures.
func TestLineReportsEachNode(t *testing.T) {
	res := Result{
		Config: Config{Mode: ModeFanout, Participants: 4, Rate: 2, Duration: time.Second, Fanout: "controls"},
		Server: "cluster", Edges: 2, FanoutsSent: 2, Deliveries: 8, WantDeliveries: 8, ServerCPU: 3 * time.Millisecond,
		Bus: Bus{In: 3, Out: 5, IdleIn: 0.5, IdleOut: 1.5, Traffic: time.Second},
		Nodes: []NodeResult{
			{Name: "home", CPU: time.Millisecond, RSSEndPerParticipant: math.NaN()},
			{Name: "edge1", Participants: 2, Deliveries: 4, CPU: time.Millisecond, RSSEndPerParticipant: 9 * 1024},
			{Name: "edge2", Participants: 2, Deliveries: 4, CPU: time.Millisecond, RSSEndPerParticipant: 8 * 1024},
		},
	}
	line := res.Line()
	for _, want := range []string{
		"server=cluster edges=2 n=4 ", "cpu_server/deliv=375.00us",
		"bus_in=3 bus_out=5 bus_idle=0.5/1.5/s bus_in/update=1.25 bus_out/update=1.75",
		"home.parts=0 home.cpu=0.00s home.cpu/update=500.00us edge1.parts=2 ",
		"edge1.delivered=4 edge1.cpu/deliv=250.00us edge1.rss_end/part=9.00KiB",
		"edge2.rss_end/part=8.00KiB",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q:\n%s", want, line)
		}
	}
	if strings.Contains(line, "home.rss_end/part") {
		t.Errorf("the home holds no participants: %s", line)
	}
}
