package loadtest

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Result is one run's figures.
type Result struct {
	Config Config
	// Server: "child", "inprocess" or "url".
	Server string
	Load   float64 // 1-minute load average when the traffic ended
	Join   time.Duration

	InputsSent, InputsReceived, InputsRefused int64
	Input                                     Summary // input → game client

	FanoutsSent       int64
	Deliveries        int64 // fan-outs received, summed over participants
	WantDeliveries    int64 // FanoutsSent × participants
	Fanout            Summary
	ParticipantErrors int64 // error replies to participants
	GameErrors        int64 // error replies to the game client
	FirstError        string

	// Memory per participant: growth from before the participants joined
	// to after, divided by their number; NaN where not measurable.
	RSSPerParticipant  float64
	HeapPerParticipant float64 // HeapInuse+StackInuse
	// RSSEndPerParticipant is the RSS growth at the end of the traffic
	// phase (after an idle run: once the join burst's garbage is returned).
	RSSEndPerParticipant float64
	// StackPerParticipant is the goroutine stacks' share of the heap figure.
	StackPerParticipant float64
	GoroutinesPer       float64
	ServerCPU           time.Duration // during the traffic phase (a cluster's: every node's)
	DriverCPU           time.Duration // this process, same phase (0 in process)

	// A cluster's figures (Target.Nodes), node by node, and its bus's.
	Nodes []NodeResult
	Edges int
	Bus   Bus
}

// Lost is how many inputs sent never reached the game client.
func (r Result) Lost() int64 { return r.InputsSent - r.InputsReceived - r.InputsRefused }

// Line is the run's figures on one line of key=value pairs.
func (r Result) Line() string {
	var b strings.Builder
	c := r.Config
	rate := "-"
	switch c.Mode {
	case ModeInput:
		rate = fmt.Sprintf("%g/s/participant", c.Rate)
	case ModeFanout:
		rate = fmt.Sprintf("%g/s(%s)", c.Rate, c.Fanout)
	case ModeMixed:
		rate = fmt.Sprintf("%g/s/participant+%g/s(%s)", c.Rate, c.FanoutRate, c.Fanout)
	}
	server := r.Server
	if len(r.Nodes) > 0 {
		server = fmt.Sprintf("%s edges=%d", r.Server, r.Edges)
	}
	fmt.Fprintf(&b, "loadtest mode=%s server=%s n=%d rate=%s dur=%s batch=%t load=%.1f join=%s",
		c.Mode, server, c.Participants, rate, c.Duration, c.Batch, r.Load, round(r.Join))
	fmt.Fprintf(&b, " inputs_sent=%d inputs_recv=%d refused=%d lost=%d in_p50=%s in_p99=%s in_max=%s",
		r.InputsSent, r.InputsReceived, r.InputsRefused, r.Lost(), dur(r.Input.P50, r.Input.Count), dur(r.Input.P99, r.Input.Count), dur(r.Input.Max, r.Input.Count))
	fmt.Fprintf(&b, " fanouts=%d delivered=%d/%d fan_p50=%s fan_p99=%s fan_max=%s",
		r.FanoutsSent, r.Deliveries, r.WantDeliveries, dur(r.Fanout.P50, r.Fanout.Count), dur(r.Fanout.P99, r.Fanout.Count), dur(r.Fanout.Max, r.Fanout.Count))
	fmt.Fprintf(&b, " rss/part=%s rss_end/part=%s heap/part=%s stack/part=%s goroutines/part=%s cpu_server=%.2fs cpu_driver=%.2fs errors=%d/%d",
		kib(r.RSSPerParticipant), kib(r.RSSEndPerParticipant), kib(r.HeapPerParticipant), kib(r.StackPerParticipant), per(r.GoroutinesPer), r.ServerCPU.Seconds(), r.DriverCPU.Seconds(), r.ParticipantErrors, r.GameErrors)
	switch {
	case r.ServerCPU <= 0:
	case c.Mode == ModeFanout:
		fmt.Fprintf(&b, " cpu_server/deliv=%s", perEach(r.ServerCPU, r.Deliveries))
	case c.Mode == ModeInput:
		fmt.Fprintf(&b, " cpu_server/input=%s", perEach(r.ServerCPU, r.InputsReceived))
	}
	r.nodesLine(&b)
	return b.String()
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

func dur(d time.Duration, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}

func kib(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2fKiB", v/1024)
}

func per(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}
