package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Options are what a run needs beyond its Config.
type Options struct {
	// CPUProfile, when set, receives the server's CPU profile over the
	// traffic phase (in process: this process's, clients included).
	CPUProfile io.Writer
	// HeapProfile, when set, receives the server's heap profile taken
	// once the participants have joined (in process: clients included).
	HeapProfile io.Writer
	// Log receives progress lines (nil: none).
	Log io.Writer
}

func asClose(err error, ce **websocket.CloseError) bool { return errors.As(err, ce) }

// Run connects the game client and cfg.Participants participants to t,
// drives them for cfg.Duration and measures. It stops by itself.
func Run(ctx context.Context, t Target, cfg Config, o Options) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	if err := CheckLoopback(t.BaseURL); err != nil {
		return Result{}, err
	}
	r := &loadRun{t: t, cfg: cfg, o: o, probe: nodeProbe{t}, base: time.Now(), res: Result{Config: cfg, Server: serverKind(t),
		RSSPerParticipant: math.NaN(), RSSEndPerParticipant: math.NaN(),
		HeapPerParticipant: math.NaN(), StackPerParticipant: math.NaN(), GoroutinesPer: math.NaN()}}
	var err error
	if r.game, err = r.startGame(ctx); err != nil {
		return r.res, err
	}
	defer r.game.close()
	time.Sleep(200 * time.Millisecond) // hello, ready and throttle replies
	before := measureMemory(ctx, t)
	quietIn := r.busInRate(ctx)
	r.nodesBefore = r.probe.read()
	joinStart := time.Now()
	r.parts, err = connectAll(ctx, t, cfg, r.base)
	closed := false
	defer func() {
		if !closed {
			closeAll(r.game, r.parts)
		}
	}()
	if err != nil {
		return r.res, err
	}
	if err := r.join(ctx, joinStart, before, quietIn); err != nil {
		return r.res, err
	}

	serverCPU0, _ := ProcessCPU(t.PID)
	driverCPU0, _ := ProcessCPU(os.Getpid())
	nodes0 := r.probe.read()
	stopProfile := startProfile(ctx, t, cfg.Duration, o.CPUProfile)
	sendErr := modes[cfg.Mode](r, ctx)
	stopProfile()
	r.measureEnd(before, serverCPU0, driverCPU0)
	r.measureNodes(nodes0, r.probe.read())
	// The readers still run: copy each one's samples under no lock is a
	// race, so stop reading first (closeAll) and summarise after.
	closeAll(r.game, r.parts)
	closed = true
	lats := make([]latencies, len(r.parts))
	for i, p := range r.parts {
		lats[i] = p.lat
	}
	r.res.Fanout = summarize(lats)
	return r.res, sendErr
}

// loadRun is one load test under way.
type loadRun struct {
	t     Target
	cfg   Config
	o     Options
	base  time.Time
	game  *gameClient
	parts []*participant
	res   Result
	// A cluster's nodes (Target.Nodes): read before the joins (memory)
	// and over the pause after them (the bus's idle traffic).
	probe                           nodeProbe
	nodesBefore, idleStart, idleEnd nodeReading
}

func (r *loadRun) logf(format string, args ...any) {
	if r.o.Log != nil {
		fmt.Fprintf(r.o.Log, "loadtest: "+format+"\n", args...)
	}
}

// startGame connects the game client, readies it and (unless asked to
// keep it) lifts its bandwidth throttle.
func (r *loadRun) startGame(ctx context.Context) (*gameClient, error) {
	game, err := dialGame(ctx, r.t, r.base)
	if err != nil {
		return nil, err
	}
	err = game.call("ready", `{"isReady":true}`)
	if err == nil && !r.cfg.KeepThrottle {
		err = game.call("setBandwidthThrottle", `{"*":null}`)
	}
	if err != nil {
		game.close()
		return nil, err
	}
	return game, nil
}

// join waits until the game client heard of every participant, dialled
// from start on, and measures the memory they cost (and a heap profile,
// when asked).
func (r *loadRun) join(ctx context.Context, start time.Time, before memory, quietIn float64) error {
	if err := waitFor(ctx, 2*time.Minute, func() bool { return r.game.joined.Load() >= int64(len(r.parts)) }); err != nil {
		return fmt.Errorf("joins: the game client heard of %d of %d participants: %w", r.game.joined.Load(), len(r.parts), err)
	}
	r.res.Join = time.Since(start)
	r.logf("%d participants joined in %s", len(r.parts), r.res.Join.Round(time.Millisecond))
	r.waitBusQuiet(ctx, quietIn)
	r.idleStart = r.probe.read()
	time.Sleep(r.settle()) // let the arrival packets drain and writers exit
	r.idleEnd = r.probe.read()
	after := measureMemory(ctx, r.t)
	r.res.RSSPerParticipant, r.res.HeapPerParticipant, r.res.GoroutinesPer = after.perParticipant(before, len(r.parts))
	r.res.StackPerParticipant = float64(after.stack-before.stack) / float64(max(1, len(r.parts)))
	if after.stack < 0 || before.stack < 0 {
		r.res.StackPerParticipant = math.NaN()
	}
	if r.o.HeapProfile != nil {
		if err := heapProfile(ctx, r.t, r.o.HeapProfile); err != nil {
			r.logf("heap profile: %v", err)
		}
	}
	return nil
}

// settle is the pause between the joins and the traffic: a second, and
// three in a cluster, where it also measures the bus's idle traffic
// (heartbeats, lease renewals and their watchers: a few messages a
// second) to leave it out of the figures per update and per input.
func (r *loadRun) settle() time.Duration {
	if len(r.t.Nodes) > 0 {
		return 3 * time.Second
	}
	return time.Second
}

// busInRate is a cluster's bus's messages in a second over 2 s while no
// participant is connected: what waitBusQuiet waits to get back to.
func (r *loadRun) busInRate(ctx context.Context) float64 {
	if len(r.t.Nodes) == 0 || r.t.BusMessages == nil {
		return 0
	}
	const d = 2 * time.Second
	in0, _ := r.t.BusMessages()
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	in1, _ := r.t.BusMessages()
	return float64(in1-in0) / d.Seconds()
}

// waitBusQuiet waits (15 s at most) until a cluster's bus is back to
// quietIn messages a second after the joins: the game client hears of a
// participant before the home's welcome frames for it have crossed the
// bus, and neither the idle reading nor the traffic may count them.
func (r *loadRun) waitBusQuiet(ctx context.Context, quietIn float64) {
	if len(r.t.Nodes) == 0 || r.t.BusMessages == nil {
		return
	}
	const window = 500 * time.Millisecond
	allowed := uint64(quietIn*window.Seconds()) + 3
	deadline := time.Now().Add(15 * time.Second)
	in0, _ := r.t.BusMessages()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(window)
		in1, _ := r.t.BusMessages()
		if in1-in0 <= allowed {
			return
		}
		in0 = in1
	}
	r.logf("the bus was still busy 15 s after the joins; its idle figure includes that traffic")
}

// measureNodes fills in a cluster's figures, node by node, from readings
// at the start and end of the traffic phase.
func (r *loadRun) measureNodes(start, end nodeReading) {
	if len(r.t.Nodes) == 0 {
		return
	}
	r.res.Nodes = nodeResults(r.t, r.parts, r.nodesBefore, start, end)
	r.res.Bus = busResult(r.idleStart, r.idleEnd, start, end)
	r.res.Edges = len(r.t.ParticipantURLs)
	r.res.ServerCPU = 0
	for _, n := range r.res.Nodes {
		r.res.ServerCPU += n.CPU
	}
}

// modes drive the traffic phase, one function per mode; each waits (10 s
// at most) for what it sent to arrive.
var modes = map[Mode]func(r *loadRun, ctx context.Context) error{
	ModeInput:  (*loadRun).driveInput,
	ModeFanout: (*loadRun).driveFanout,
	ModeMixed:  (*loadRun).driveMixed,
	ModeIdle:   (*loadRun).idle,
}

func (r *loadRun) driveInput(ctx context.Context) error {
	var err error
	r.res.InputsSent, err = driveInput(ctx, r.parts, r.cfg)
	waitFor(ctx, 10*time.Second, r.inputsArrived)
	return err
}

func (r *loadRun) driveFanout(ctx context.Context) error {
	var err error
	r.res.FanoutsSent, err = driveFanout(ctx, r.game, r.cfg, r.base)
	waitFor(ctx, 10*time.Second, r.fanoutsArrived)
	return err
}

// driveMixed sends inputs and fan-outs at once.
func (r *loadRun) driveMixed(ctx context.Context) error {
	var wg sync.WaitGroup
	var fanErr error
	wg.Go(func() {
		fan := r.cfg
		fan.Rate = r.cfg.FanoutRate
		r.res.FanoutsSent, fanErr = driveFanout(ctx, r.game, fan, r.base)
	})
	var err error
	r.res.InputsSent, err = driveInput(ctx, r.parts, r.cfg)
	wg.Wait()
	waitFor(ctx, 10*time.Second, func() bool { return r.inputsArrived() && r.fanoutsArrived() })
	return errors.Join(err, fanErr)
}

func (r *loadRun) idle(ctx context.Context) error {
	select {
	case <-time.After(r.cfg.Duration):
	case <-ctx.Done():
	}
	return nil
}

func (r *loadRun) inputsArrived() bool {
	return r.game.inputs.Load()+participantErrors(r.parts) >= r.res.InputsSent
}

func (r *loadRun) fanoutsArrived() bool {
	return deliveries(r.parts) >= r.res.FanoutsSent*int64(len(r.parts))
}

// measureEnd fills in what the traffic phase cost and what arrived.
func (r *loadRun) measureEnd(before memory, serverCPU0, driverCPU0 time.Duration) {
	res := &r.res
	if r.t.PID > 0 && len(r.parts) > 0 && before.rss >= 0 {
		if rss, err := RSS(r.t.PID); err == nil {
			res.RSSEndPerParticipant = float64(rss-before.rss) / float64(len(r.parts))
		}
	}
	if r.t.PID > 0 {
		cpu, _ := ProcessCPU(r.t.PID)
		res.ServerCPU = cpu - serverCPU0
	}
	if !r.t.InProcess {
		cpu, _ := ProcessCPU(os.Getpid())
		res.DriverCPU = cpu - driverCPU0
	}
	res.Load = LoadAverage()
	r.game.latMu.Lock()
	res.InputsReceived = r.game.inputs.Load()
	res.Input = summarize([]latencies{r.game.lat})
	r.game.latMu.Unlock()
	res.GameErrors = r.game.errors.Load()
	if e := r.game.firstError.Load(); e != nil {
		res.FirstError = *e
	}
	res.ParticipantErrors = participantErrors(r.parts)
	if r.cfg.Mode == ModeInput || r.cfg.Mode == ModeMixed {
		res.InputsRefused = res.ParticipantErrors
	}
	res.Deliveries = deliveries(r.parts)
	res.WantDeliveries = res.FanoutsSent * int64(len(r.parts))
}

func serverKind(t Target) string {
	switch {
	case len(t.Nodes) > 0:
		return "cluster"
	case t.InProcess:
		return "inprocess"
	case t.DebugURL != "":
		return "child"
	}
	return "url"
}

// connectAll opens the participant sockets, DialConcurrency at a time.
func connectAll(ctx context.Context, t Target, cfg Config, base time.Time) ([]*participant, error) {
	parts := make([]*participant, cfg.Participants)
	idx := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range cfg.DialConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				p, err := dialParticipant(ctx, t.participantURL(i), t.ChannelID, base, cfg.Batch)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("participant %d: %w", i, err)
					}
					mu.Unlock()
					continue
				}
				parts[i] = p
			}
		}()
	}
	for i := range parts {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		idx <- i
	}
	close(idx)
	wg.Wait()
	out := parts[:0]
	for _, p := range parts {
		if p != nil {
			out = append(out, p)
		}
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return out, firstErr
}

// closeAll ends the game client (the session ends: participants get
// 4016), then the participants; it waits for their readers, 5 s at most
// in all, then closes whichever sockets are still open.
func closeAll(game *gameClient, parts []*participant) {
	game.close()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
wait:
	for _, p := range parts {
		select {
		case <-p.done:
		case <-deadline.C:
			break wait
		}
	}
	for _, p := range parts {
		p.ws.Close()
		<-p.done
	}
}

func participantErrors(parts []*participant) int64 {
	var n int64
	for _, p := range parts {
		n += p.errors.Load()
	}
	return n
}

func deliveries(parts []*participant) int64 {
	var n int64
	for _, p := range parts {
		n += p.fanouts.Load()
	}
	return n
}

func waitFor(ctx context.Context, d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// memory is one reading of the server's memory (-1: not measurable).
type memory struct {
	rss   int64
	heap  int64 // HeapInuse+StackInuse
	stack int64
	gor   int
}

func measureMemory(ctx context.Context, t Target) memory {
	m := memory{rss: -1, heap: -1, stack: -1, gor: -1}
	ms, err := MemStats{}, errors.New("no debug endpoint")
	switch {
	case t.InProcess:
		ms, err = ReadMemStats(), nil
	case t.DebugURL != "":
		ms, err = fetchMemStats(ctx, t.DebugURL)
	}
	if err == nil {
		m.heap, m.stack, m.gor = int64(ms.HeapInuse+ms.StackInuse), int64(ms.StackInuse), ms.Goroutines
	}
	if t.PID > 0 {
		if rss, err := RSS(t.PID); err == nil {
			m.rss = rss
		}
	}
	return m
}

func (after memory) perParticipant(before memory, n int) (rss, heap, gor float64) {
	rss, heap, gor = math.NaN(), math.NaN(), math.NaN()
	if n == 0 {
		return
	}
	if after.rss >= 0 && before.rss >= 0 {
		rss = float64(after.rss-before.rss) / float64(n)
	}
	if after.heap >= 0 && before.heap >= 0 {
		heap = float64(after.heap-before.heap) / float64(n)
	}
	if after.gor >= 0 && before.gor >= 0 {
		gor = float64(after.gor-before.gor) / float64(n)
	}
	return
}

func fetchMemStats(ctx context.Context, debugURL string) (MemStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, debugURL+"/debug/memstats", nil)
	if err != nil {
		return MemStats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return MemStats{}, err
	}
	defer resp.Body.Close()
	var ms MemStats
	return ms, json.NewDecoder(resp.Body).Decode(&ms)
}

// heapProfile writes the server's heap profile (after a GC) to w.
func heapProfile(ctx context.Context, t Target, w io.Writer) error {
	if t.InProcess {
		runtime.GC()
		return pprof.Lookup("heap").WriteTo(w, 0)
	}
	if t.DebugURL == "" {
		return errors.New("the server has no debug endpoint")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.DebugURL+"/debug/pprof/heap", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

// startProfile profiles the server for about d; the returned func waits
// until the profile is written.
func startProfile(ctx context.Context, t Target, d time.Duration, w io.Writer) func() {
	if w == nil {
		return func() {}
	}
	if t.InProcess {
		if err := pprof.StartCPUProfile(w); err != nil {
			return func() {}
		}
		return pprof.StopCPUProfile
	}
	if t.DebugURL == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		secs := max(1, int(d.Round(time.Second)/time.Second))
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", t.DebugURL, secs), nil)
		if err != nil {
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}()
	return func() { <-done }
}
