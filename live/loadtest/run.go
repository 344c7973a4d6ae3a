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
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "loadtest: "+format+"\n", args...)
		}
	}
	res := Result{Config: cfg, Server: serverKind(t), RSSPerParticipant: math.NaN(), RSSEndPerParticipant: math.NaN(),
		HeapPerParticipant: math.NaN(), StackPerParticipant: math.NaN(), GoroutinesPer: math.NaN()}
	base := time.Now()

	game, err := dialGame(ctx, t, base)
	if err != nil {
		return res, err
	}
	defer game.close()
	if err := game.call("ready", `{"isReady":true}`); err != nil {
		return res, err
	}
	if !cfg.KeepThrottle {
		if err := game.call("setBandwidthThrottle", `{"*":null}`); err != nil {
			return res, err
		}
	}
	time.Sleep(200 * time.Millisecond) // hello, ready and throttle replies
	before := measureMemory(ctx, t)

	start := time.Now()
	parts, err := connectAll(ctx, t, cfg, base)
	closed := false
	defer func() {
		if !closed {
			closeAll(game, parts)
		}
	}()
	if err != nil {
		return res, err
	}
	if err := waitFor(ctx, 2*time.Minute, func() bool { return game.joined.Load() >= int64(len(parts)) }); err != nil {
		return res, fmt.Errorf("joins: the game client heard of %d of %d participants: %w", game.joined.Load(), len(parts), err)
	}
	res.Join = time.Since(start)
	logf("%d participants joined in %s", len(parts), res.Join.Round(time.Millisecond))
	time.Sleep(time.Second) // let the arrival packets drain and writers exit
	after := measureMemory(ctx, t)
	res.RSSPerParticipant, res.HeapPerParticipant, res.GoroutinesPer = after.perParticipant(before, len(parts))
	res.StackPerParticipant = float64(after.stack-before.stack) / float64(max(1, len(parts)))
	if after.stack < 0 || before.stack < 0 {
		res.StackPerParticipant = math.NaN()
	}
	if o.HeapProfile != nil {
		if err := heapProfile(ctx, t, o.HeapProfile); err != nil {
			logf("heap profile: %v", err)
		}
	}

	serverCPU0, _ := ProcessCPU(t.PID)
	driverCPU0, _ := ProcessCPU(os.Getpid())
	stopProfile := startProfile(ctx, t, cfg.Duration, o.CPUProfile)
	var sendErr error
	switch cfg.Mode {
	case ModeInput:
		res.InputsSent, sendErr = driveInput(ctx, parts, cfg)
		waitFor(ctx, 10*time.Second, func() bool {
			return game.inputs.Load()+participantErrors(parts) >= res.InputsSent
		})
	case ModeFanout:
		res.FanoutsSent, sendErr = driveFanout(ctx, game, cfg, base)
		want := res.FanoutsSent * int64(len(parts))
		waitFor(ctx, 10*time.Second, func() bool { return deliveries(parts) >= want })
	case ModeMixed:
		var wg sync.WaitGroup
		var fanErr error
		wg.Go(func() {
			fan := cfg
			fan.Rate = cfg.FanoutRate
			res.FanoutsSent, fanErr = driveFanout(ctx, game, fan, base)
		})
		res.InputsSent, sendErr = driveInput(ctx, parts, cfg)
		wg.Wait()
		sendErr = errors.Join(sendErr, fanErr)
		want := res.FanoutsSent * int64(len(parts))
		waitFor(ctx, 10*time.Second, func() bool {
			return game.inputs.Load()+participantErrors(parts) >= res.InputsSent && deliveries(parts) >= want
		})
	case ModeIdle:
		select {
		case <-time.After(cfg.Duration):
		case <-ctx.Done():
		}
	}
	stopProfile()
	if t.PID > 0 && len(parts) > 0 && before.rss >= 0 {
		if rss, err := RSS(t.PID); err == nil {
			res.RSSEndPerParticipant = float64(rss-before.rss) / float64(len(parts))
		}
	}
	if t.PID > 0 {
		cpu, _ := ProcessCPU(t.PID)
		res.ServerCPU = cpu - serverCPU0
	}
	if !t.InProcess {
		cpu, _ := ProcessCPU(os.Getpid())
		res.DriverCPU = cpu - driverCPU0
	}
	res.Load = LoadAverage()
	game.latMu.Lock()
	res.InputsReceived = game.inputs.Load()
	res.Input = summarize([]latencies{game.lat})
	game.latMu.Unlock()
	res.GameErrors = game.errors.Load()
	if e := game.firstError.Load(); e != nil {
		res.FirstError = *e
	}
	res.ParticipantErrors = participantErrors(parts)
	if cfg.Mode == ModeInput || cfg.Mode == ModeMixed {
		res.InputsRefused = res.ParticipantErrors
	}
	res.Deliveries = deliveries(parts)
	res.WantDeliveries = res.FanoutsSent * int64(len(parts))
	// The readers still run: copy each one's samples under no lock is a
	// race, so stop reading first (closeAll) and summarise after.
	closeAll(game, parts)
	closed = true
	lats := make([]latencies, len(parts))
	for i, p := range parts {
		lats[i] = p.lat
	}
	res.Fanout = summarize(lats)
	return res, sendErr
}

func serverKind(t Target) string {
	switch {
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
				p, err := dialParticipant(ctx, t, base, cfg.Batch)
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
// 4016), then the participants; it waits for their readers, briefly.
func closeAll(game *gameClient, parts []*participant) {
	game.close()
	deadline := time.After(5 * time.Second)
	for _, p := range parts {
		select {
		case <-p.done:
		case <-deadline:
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
