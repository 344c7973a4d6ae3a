package loadtest

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// A cluster run (Target.Nodes) measures each node on its own, and the
// bus between them: what the cluster is for is that a fan-out crosses
// the bus once per edge, not once per viewer, and that each edge's CPU
// per delivered message stays what one process spends.

// NodeResult is one node's share of a cluster run.
type NodeResult struct {
	Name         string
	Participants int
	CPU          time.Duration // during the traffic phase
	Deliveries   int64         // fan-outs its participants received
	InputsGiven  int64         // inputs its participants sent
	// RSSEndPerParticipant: its RSS growth from before the joins to the
	// end of the traffic, per participant it holds (NaN for a node without
	// participants). Like Result.RSSEndPerParticipant, read without a
	// forced GC (a mediator node has no debug endpoint): it includes the
	// joins' and the traffic's garbage not yet returned.
	RSSEndPerParticipant float64
}

// Bus is the bus's traffic during a run's traffic phase.
type Bus struct {
	In, Out uint64 // messages published to it, delivered by it
	// IdleIn, IdleOut: messages a second while nothing was sent
	// (heartbeats, lease renewals, the edges' watch of the lease),
	// measured over 3 s between the joins and the traffic.
	IdleIn, IdleOut float64
	Traffic         time.Duration // how long the traffic phase lasted
}

// nodeProbe reads every node's CPU, RSS and the bus's counters.
type nodeProbe struct {
	t Target
}

type nodeReading struct {
	at      time.Time
	cpu     []time.Duration
	rss     []int64 // -1: not readable
	in, out uint64
}

func (p nodeProbe) read() nodeReading {
	r := nodeReading{at: time.Now(), cpu: make([]time.Duration, len(p.t.Nodes)), rss: make([]int64, len(p.t.Nodes))}
	for i, n := range p.t.Nodes {
		r.cpu[i], _ = ProcessCPU(n.PID)
		var err error
		if r.rss[i], err = RSS(n.PID); err != nil {
			r.rss[i] = -1
		}
	}
	if p.t.BusMessages != nil {
		r.in, r.out = p.t.BusMessages()
	}
	return r
}

// nodeResults puts the readings together: beforeJoin and end for memory,
// start and end (around the traffic) for CPU.
func nodeResults(t Target, parts []*participant, beforeJoin, start, end nodeReading) []NodeResult {
	out := make([]NodeResult, len(t.Nodes))
	for i, n := range t.Nodes {
		nr := NodeResult{Name: n.Name, CPU: end.cpu[i] - start.cpu[i], RSSEndPerParticipant: math.NaN()}
		for _, p := range parts {
			if p.url == n.URL {
				nr.Participants++
				nr.Deliveries += p.fanouts.Load()
				nr.InputsGiven += p.given.Load()
			}
		}
		if nr.Participants > 0 && beforeJoin.rss[i] >= 0 && end.rss[i] >= 0 {
			nr.RSSEndPerParticipant = float64(end.rss[i]-beforeJoin.rss[i]) / float64(nr.Participants)
		}
		out[i] = nr
	}
	return out
}

// PerEvent is the bus's messages in and out per update (or input) sent,
// less its idle traffic over the same time: what the updates themselves
// cost the bus.
func (b Bus) PerEvent(events int64) (in, out float64) {
	if events == 0 {
		return math.NaN(), math.NaN()
	}
	s := b.Traffic.Seconds()
	return (float64(b.In) - b.IdleIn*s) / float64(events), (float64(b.Out) - b.IdleOut*s) / float64(events)
}

func busResult(idleStart, idleEnd, start, end nodeReading) Bus {
	b := Bus{In: end.in - start.in, Out: end.out - start.out, Traffic: end.at.Sub(start.at)}
	if idle := idleEnd.at.Sub(idleStart.at).Seconds(); idle > 0 {
		b.IdleIn = float64(idleEnd.in-idleStart.in) / idle
		b.IdleOut = float64(idleEnd.out-idleStart.out) / idle
	}
	return b
}

// nodesLine is the cluster's part of Result.Line: the bus's messages
// (totals, idle rate, and per update or input net of the idle rate), then
// each node's figures as NAME.key=value.
func (r Result) nodesLine(b *strings.Builder) {
	if len(r.Nodes) == 0 {
		return
	}
	fmt.Fprintf(b, " bus_in=%d bus_out=%d bus_idle=%.1f/%.1f/s", r.Bus.In, r.Bus.Out, r.Bus.IdleIn, r.Bus.IdleOut)
	switch r.Config.Mode {
	case ModeFanout:
		in, out := r.Bus.PerEvent(r.FanoutsSent)
		fmt.Fprintf(b, " bus_in/update=%s bus_out/update=%s", per(in), per(out))
	case ModeInput:
		in, out := r.Bus.PerEvent(r.InputsSent)
		fmt.Fprintf(b, " bus_in/input=%s bus_out/input=%s", per(in), per(out))
	}
	for _, n := range r.Nodes {
		fmt.Fprintf(b, " %s.parts=%d %s.cpu=%.2fs", n.Name, n.Participants, n.Name, n.CPU.Seconds())
		switch {
		case r.Config.Mode == ModeFanout && n.Participants > 0:
			fmt.Fprintf(b, " %s.delivered=%d %s.cpu/deliv=%s", n.Name, n.Deliveries, n.Name, perEach(n.CPU, n.Deliveries))
		case r.Config.Mode == ModeFanout:
			fmt.Fprintf(b, " %s.cpu/update=%s", n.Name, perEach(n.CPU, r.FanoutsSent))
		case r.Config.Mode == ModeInput && n.Participants > 0:
			fmt.Fprintf(b, " %s.inputs=%d %s.cpu/input=%s", n.Name, n.InputsGiven, n.Name, perEach(n.CPU, n.InputsGiven))
		case r.Config.Mode == ModeInput:
			fmt.Fprintf(b, " %s.cpu/input=%s", n.Name, perEach(n.CPU, r.InputsReceived))
		case r.Config.Mode == ModeMixed && n.Participants > 0: // CPU shared by both: no ratio
			fmt.Fprintf(b, " %s.delivered=%d %s.inputs=%d", n.Name, n.Deliveries, n.Name, n.InputsGiven)
		}
		if n.Participants > 0 {
			fmt.Fprintf(b, " %s.rss_end/part=%s", n.Name, kib(n.RSSEndPerParticipant))
		}
	}
}

// perEach is CPU time per event, in microseconds.
func perEach(cpu time.Duration, n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fus", float64(cpu.Nanoseconds())/float64(n)/1000)
}
