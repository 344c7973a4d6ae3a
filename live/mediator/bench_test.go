package mediator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/live/mediator/internal/transport"
	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// benchSession is a ready session built from the test layout, without a
// database (the benchmarks never charge).
func benchSession(b *testing.B) (*Mediator, *session) {
	m := New(nil, func() time.Time { return time.UnixMilli(1_700_000_000_000) }, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{InputRate: -1, SocketsPerAddress: -1}) // load, not people
	s, err := m.newSession(studio.User{ID: 1, ChannelID: 1}, testLayout(), "http://bench")
	if err != nil {
		b.Fatal(err)
	}
	s.isReady = true
	return m, s
}

// socketPair returns the server side of a real WebSocket on 127.0.0.1,
// wrapped as a conn; the client side reads and discards everything.
func socketPair(b *testing.B, m *Mediator, maxItems int, received *atomic.Int64) *conn {
	got := make(chan *conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, sock, err := m.upgrade(w, r)
		if err != nil {
			b.Error(err)
			return
		}
		c := newConn(ws, sock, m.writers, transport.Options{MaxItems: maxItems, MaxBytes: 1 << 30, Timeouts: m.timeouts()})
		got <- c
	}))
	b.Cleanup(srv.Close)
	client, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	go func() {
		for {
			_, r, err := client.NextReader()
			if err != nil {
				return
			}
			io.Copy(io.Discard, r)
			if received != nil {
				received.Add(1)
			}
		}
	}()
	return <-got
}

// drain waits until c has written everything queued.
func drain(c *conn) {
	for {
		if c.Idle() {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

var giveInputFrame = []byte(`{"type":"method","id":4000000000,"method":"giveInput","params":{"controlID":"btn","event":"mousedown","button":0},"discard":false,"seq":12}`)

// BenchmarkGiveInputDecodeValidate: one participant frame from bytes to a
// validated input (no I/O).
func BenchmarkGiveInputDecodeValidate(b *testing.B) {
	m, s := benchSession(b)
	p := &participant{sessionID: "p", props: mustObject(`{"disabled":false,"groupID":"default"}`, stateTag0), group: defaultID}
	s.parts["p"] = p
	now := m.now()
	var packets []wire.Packet
	b.ReportAllocs()
	cpu := cpuTime()
	defer func() { reportCPU(b, cpu, 1, "") }()
	for b.Loop() {
		var ferr *Error
		packets, _, ferr = wire.AppendPackets(packets[:0], giveInputFrame)
		r, e := parseRequest(&packets[0])
		if ferr != nil || e != nil {
			b.Fatal(ferr, e)
		}
		in, e := parseInput(r.params)
		if e != nil {
			b.Fatal(e)
		}
		s.mu.Lock()
		_, _, e = s.checkInput(p, in, now)
		s.mu.Unlock()
		if e != nil {
			b.Fatal(e)
		}
	}
}

// BenchmarkGiveInputToGameClient: a decoded giveInput validated, encoded
// for the game client, queued and written to a real socket (throughput,
// the writes included), plus the reply queued to the participant.
func BenchmarkGiveInputToGameClient(b *testing.B) {
	m, s := benchSession(b)
	s.game = socketPair(b, m, 1<<20, nil)
	p := &participant{sessionID: "0b9e7a52-7f4e-4a53-9a31-9b2b51e2a0c1", props: mustObject(`{"disabled":false,"groupID":"default"}`, stateTag0), group: defaultID}
	p.conn = socketPair(b, m, 1<<20, nil)
	s.parts[p.sessionID] = p
	packets, _, _ := wire.DecodeFrame(giveInputFrame)
	r, _ := parseRequest(&packets[0])
	b.ReportAllocs()
	cpu := cpuTime()
	n := 0
	for b.Loop() {
		s.giveInput(p, r)
		if n++; n%1000 == 0 {
			drain(s.game)
			drain(p.conn)
		}
	}
	drain(s.game)
	reportCPU(b, cpu, 1, "")
	if s.game.IsClosing() {
		b.Fatal("the game client's queue overflowed")
	}
}

// BenchmarkFanOutToParticipants: one onControlUpdate encoded once and
// queued to 1,000 participants on the scene, until written to their
// sockets.
func BenchmarkFanOutToParticipants(b *testing.B) {
	m, s := benchSession(b)
	s.game = socketPair(b, m, 1<<20, nil)
	const viewers = 1000
	var received atomic.Int64
	for i := range viewers {
		p := &participant{sessionID: fmt.Sprint(i), props: mustObject(`{"disabled":false,"groupID":"default"}`, stateTag0), group: defaultID}
		p.conn = socketPair(b, m, 1<<16, &received)
		s.parts[p.sessionID] = p
	}
	params := []byte(`{"sceneID":"default","controls":[{"controlID":"btn","kind":"button","text":"Go!","progress":0.5,"cooldown":1700000005000}]}`)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		want := received.Load() + viewers
		s.mu.Lock()
		s.everywhere(s.onScene("default"), "onControlUpdate", params)
		s.mu.Unlock()
		for deadline := time.Now().Add(30 * time.Second); received.Load() < want; {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d delivered", received.Load(), want)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/viewers, "ns/recipient")
	reportCPU(b, cpu, viewers, "recipient")
}

// BenchmarkLoopbackWriteFloor is the floor under BenchmarkFanOutToParticipants:
// the same 1,000 loopback TCP sockets with a reader each, and per op one
// 200-byte write to every socket from GOMAXPROCS goroutines, with no
// protocol, queue or framing at all. What the fan-out costs beyond this
// is the mediator's; this much is the kernel's.
func BenchmarkLoopbackWriteFloor(b *testing.B) {
	const viewers = 1000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var received atomic.Int64
	conns := make([]net.Conn, viewers)
	for i := range conns {
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		if conns[i], err = ln.Accept(); err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		defer conns[i].Close()
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := client.Read(buf)
				received.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
	}
	frame := make([]byte, 2+200) // a 200-byte text frame: the kernel sees only its size
	workers := runtime.GOMAXPROCS(0)
	cpu := cpuTime()
	for b.Loop() {
		want := received.Load() + int64(viewers*len(frame))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < viewers; i += workers {
					conns[i].Write(frame)
				}
			})
		}
		wg.Wait()
		for received.Load() < want {
			time.Sleep(20 * time.Microsecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/viewers, "ns/recipient")
	reportCPU(b, cpu, viewers, "recipient")
}

// BenchmarkSession1000 runs the whole server with 1,000 participant
// sockets: per op, every participant gives one input (measured until the
// game client has read all 1,000) and the game client broadcasts one
// event (measured until every participant has read it).
func BenchmarkSession1000(b *testing.B) {
	const viewers = 1000
	srv, token, channel, version := benchServer(b)
	h := http.Header{"Authorization": {"Bearer " + token}, "X-Interactive-Version": {version}, "X-Protocol-Version": {"2.0"}}
	game, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+GameClientPath, h)
	if err != nil {
		b.Fatal(err)
	}
	defer game.Close()
	var inputs atomic.Int64
	joined := make(chan struct{}, viewers)
	go func() {
		for {
			_, data, err := game.ReadMessage()
			if err != nil {
				return
			}
			switch {
			case strings.Contains(string(data[:min(len(data), 60)]), `"method":"giveInput"`):
				inputs.Add(1)
			case strings.Contains(string(data[:min(len(data), 60)]), `"method":"onParticipantJoin"`):
				joined <- struct{}{}
			}
		}
	}()
	game.WriteMessage(websocket.TextMessage, []byte(`{"type":"method","id":1,"method":"ready","params":{"isReady":true}}`))
	// The spec's default global throttle (1.3 MB/s) would drop inputs
	// once its bucket is full and the wait below would never end.
	game.WriteMessage(websocket.TextMessage, []byte(`{"type":"method","id":2,"method":"setBandwidthThrottle","params":{"*":{"capacity":1e12,"drainRate":1e12}}}`))
	var events atomic.Int64
	var wg sync.WaitGroup
	parts := make([]*websocket.Conn, viewers)
	q := url.Values{"channel": {fmt.Sprint(channel)}}
	for i := range parts {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+ParticipantPath+"?"+q.Encode(), nil)
		if err != nil {
			b.Fatal(err)
		}
		parts[i] = ws
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if strings.Contains(string(data[:min(len(data), 60)]), `"method":"event"`) {
					events.Add(1)
				}
			}
		}()
	}
	for range viewers {
		<-joined
	}
	input := []byte(`{"type":"method","id":7,"method":"giveInput","params":{"controlID":"btn","event":"mousedown","button":0},"discard":true}`)
	broadcast := []byte(`{"type":"method","id":8,"method":"broadcastEvent","params":{"scope":["everyone"],"data":{"round":1}},"discard":true}`)
	var inputTime, fanTime time.Duration
	cpu := cpuTime()
	for b.Loop() {
		start := time.Now()
		want := inputs.Load() + viewers
		for _, ws := range parts {
			ws.WriteMessage(websocket.TextMessage, input)
		}
		for deadline := time.Now().Add(30 * time.Second); inputs.Load() < want; {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d inputs arrived", inputs.Load(), want)
			}
			time.Sleep(20 * time.Microsecond)
		}
		inputTime += time.Since(start)
		start = time.Now()
		wantEvents := events.Load() + viewers
		game.WriteMessage(websocket.TextMessage, broadcast)
		for deadline := time.Now().Add(30 * time.Second); events.Load() < wantEvents; {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d events arrived", events.Load(), wantEvents)
			}
			time.Sleep(20 * time.Microsecond)
		}
		fanTime += time.Since(start)
	}
	b.ReportMetric(float64(inputTime.Microseconds())/float64(b.N), "µs/1000-inputs")
	b.ReportMetric(float64(fanTime.Microseconds())/float64(b.N), "µs/fan-out-1000")
	reportCPU(b, cpu, 2*viewers, "packet")
	for _, ws := range parts {
		ws.Close()
	}
	wg.Wait()
}

var stateTag0 = changeTag(0, 0)

// cpuTime is the process's CPU time (user+system): the machine is shared,
// so wall-clock ns/op varies with load; CPU per op does much less. In the
// socket benchmarks it includes the in-process clients' share.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports CPU time per op (and per unit, if units > 1).
func reportCPU(b *testing.B, start time.Duration, units int, unit string) {
	per := float64(cpuTime()-start) / float64(b.N)
	b.ReportMetric(per, "cpu-ns/op")
	if units > 1 {
		b.ReportMetric(per/float64(units), "cpu-ns/"+unit)
	}
}

// benchServer serves a mediator over a real database with the streamer's
// version 1 and returns the streamer's token and channel.
func benchServer(b *testing.B) (srv *httptest.Server, token string, channel int64, version string) {
	ctx := context.Background()
	db := testkit.MustOpenDB(b)
	u, err := db.CreateUser(ctx, "streamer")
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := db.CreateAccessToken(ctx, persistence.NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	v, err := db.ImportLayout(ctx, u.ID, testLayout())
	if err != nil {
		b.Fatal(err)
	}
	m := New(db, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{InputRate: -1, SocketsPerAddress: -1}) // load, not people
	srv = httptest.NewServer(m.Handler())
	b.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m.Shutdown(sctx)
		srv.Close()
	})
	return srv, tok, u.ChannelID, fmt.Sprint(v)
}

var _ = json.Valid

// BenchmarkIdleParticipants connects 1,000 participants to a running
// session and reports what each costs while idle: heap and stack bytes
// (server and in-process client together) and goroutines (the server's
// reader plus the client's; no writer goroutine while nothing is queued).
func BenchmarkIdleParticipants(b *testing.B) {
	const viewers = 1000
	srv, token, channel, version := benchServer(b)
	h := http.Header{"Authorization": {"Bearer " + token}, "X-Interactive-Version": {version}, "X-Protocol-Version": {"2.0"}}
	game, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+GameClientPath, h)
	if err != nil {
		b.Fatal(err)
	}
	defer game.Close()
	go func() {
		for {
			if _, _, err := game.NextReader(); err != nil {
				return
			}
		}
	}()
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + ParticipantPath + "?channel=" + fmt.Sprint(channel)
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		conns := make([]*websocket.Conn, viewers)
		for i := range conns {
			ws, _, err := websocket.DefaultDialer.Dial(u, nil)
			if err != nil {
				b.Fatal(err)
			}
			conns[i] = ws
			go func() {
				for {
					if _, _, err := ws.NextReader(); err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(200 * time.Millisecond) // let the arrival packets drain
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		g1 := runtime.NumGoroutine()
		if path := os.Getenv("MEDIATOR_HEAP_PROFILE"); path != "" {
			f, err := os.Create(path)
			if err == nil {
				pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
		b.ReportMetric(float64(int64(after.HeapInuse+after.StackInuse)-int64(before.HeapInuse+before.StackInuse))/viewers, "bytes/participant")
		b.ReportMetric(float64(g1-g0)/viewers, "goroutines/participant")
		b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/viewers, "stack-bytes/participant")
		for _, ws := range conns {
			ws.Close()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// BenchmarkJoin: a participant joining a session of the test layout (its
// packets queued, not written): the work a burst of arrivals costs.
func BenchmarkJoin(b *testing.B) {
	_, s := benchSession(b)
	s.game = sinkConn()
	b.ReportAllocs()
	cpu := cpuTime()
	defer func() { reportCPU(b, cpu, 1, "") }()
	i := 0
	for b.Loop() {
		i++
		p := &participant{sessionID: fmt.Sprint(i), anonymous: true, conn: sinkConn()}
		s.join(p)
		if i%1000 == 0 { // keep the game client's sink from growing forever
			s.game = sinkConn()
		}
	}
}

// BenchmarkUpdateWorldLarge: updateWorld adding one property to a world
// that already holds 1 MiB of custom data, with its reply, onWorldUpdate
// and the memory check (queued, not written).
func BenchmarkUpdateWorldLarge(b *testing.B) {
	m, s := benchSession(b)
	m.opts.MemoryLimit = 1 << 40
	s.memoryLimit = 1 << 40
	s.game = sinkConn()
	big, _ := json.Marshal(map[string]any{"world": map[string]string{"blob": strings.Repeat("x", 1<<20)}})
	s.mu.Lock()
	if _, e := s.updateWorld(&request{params: big}); e != nil {
		b.Fatal(e)
	}
	s.mu.Unlock()
	b.ReportAllocs()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		i++
		params := []byte(fmt.Sprintf(`{"world":{"k%d":%d}}`, i%100, i))
		s.mu.Lock()
		_, e := s.updateWorld(&request{method: "updateWorld", params: params})
		if e == nil && grows("updateWorld") {
			s.checkMemory()
		}
		s.mu.Unlock()
		if e != nil {
			b.Fatal(e)
		}
		if i%100 == 0 {
			s.game = sinkConn()
		}
	}
	reportCPU(b, cpu, 1, "")
}
