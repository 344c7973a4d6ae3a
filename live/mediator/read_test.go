package mediator

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// clientFrame is a masked client frame (zero mask: the payload reads as is).
func clientFrame(fin bool, opcode byte, payload string) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	return append([]byte{b0, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...)
}

func getTime(id int) string {
	return fmt.Sprintf(`{"type":"method","id":%d,"method":"getTime","params":null,"discard":false}`, id)
}

// Frames that arrive in one TCP segment sit in gorilla's buffer after the
// first is read: the reader must not wait on the socket for them. A
// fragmented message (which the reader cannot account for exactly) and
// what follows are read too.
func TestFramesInOneSegmentAreAllRead(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	var seg []byte
	for id := 101; id <= 103; id++ {
		seg = append(seg, clientFrame(true, websocket.TextMessage, getTime(id))...)
	}
	if _, err := g.ws.UnderlyingConn().Write(seg); err != nil {
		t.Fatal(err)
	}
	for id := uint32(101); id <= 103; id++ {
		g.reply(id)
	}
	m := getTime(104)
	seg = append(clientFrame(false, websocket.TextMessage, m[:20]), clientFrame(true, 0, m[20:])...)
	seg = append(seg, clientFrame(true, 9, "hi")...) // a ping between messages
	seg = append(seg, clientFrame(true, websocket.TextMessage, getTime(105))...)
	if _, err := g.ws.UnderlyingConn().Write(seg); err != nil {
		t.Fatal(err)
	}
	g.reply(104)
	g.reply(105)
	g.call("getTime", nil) // and afterwards, one at a time
}

// An idle viewer's reader waits parked shallow, so the GC halves its
// stack: 2 KiB a participant, not the 4 KiB of a wait deep in gorilla. The
// count is taken in a process of its own: other tests' goroutines would
// blur the runtime's stack figure.
func TestIdleReaderParksOnASmallStack(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's frames are larger")
	}
	if os.Getenv("MEDIATOR_STACK_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleReaderParksOnASmallStack$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "MEDIATOR_STACK_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Logf("%s", out)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	e := newEnv(t, Options{SocketsPerAddress: -1}) // 300 viewers, all on loopback
	e.game()
	stack := func() uint64 {
		for range 4 { // each GC halves a stack at most once
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.StackInuse
	}
	before := stack()
	const n = 300
	ps := make([]*tclient, n)
	for i := range ps {
		ps[i] = e.participant("") // reads synchronously: no client goroutine
	}
	// A ping round: every viewer answers a ping (and pings back); the
	// readers must stay shallow through it.
	for _, p := range ps {
		p.ws.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
		p.ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second))
	}
	// Every ping answered, payload and all, means every reader has taken
	// both frames (the pong came first) and gone back to waiting.
	errPong := errors.New("pong")
	for i, p := range ps {
		got := ""
		p.ws.SetPongHandler(func(s string) error { got = s; return errPong })
		p.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for got == "" {
			if _, _, err := p.ws.NextReader(); err != nil && err != errPong {
				t.Fatalf("viewer %d: no pong: %v", i, err)
			}
		}
		if got != "are you there" {
			t.Fatalf("viewer %d: pong %q", i, got)
		}
	}
	// A reader that sent its pong still has to get back to its parked
	// wait, and on a busy core some are not there yet when the pongs are
	// in: nothing announces it, so the figure is read again (GC each time)
	// until it settles or 10 s pass.
	per := float64(int64(stack())-int64(before)) / n
	for deadline := time.Now().Add(10 * time.Second); per > 3<<10 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		per = float64(int64(stack())-int64(before)) / n
	}
	t.Logf("stack per idle participant: %.0f bytes", per)
	if per > 3<<10 {
		t.Errorf("stack per idle participant %.0f bytes, want about 2048", per)
	}
}

// FuzzParticipantStream sends arbitrary bytes after a participant's
// handshake: the reader's own frame accounting and control-frame handling
// (awaitData) sit in front of gorilla's parser and must neither crash nor
// wedge on what a hostile peer sends. Each socket must be gone once the
// peer has closed it.
func FuzzParticipantStream(f *testing.F) {
	e := newEnv(f, Options{})
	// The game client hears every viewer join and leave: read it, or its
	// full queue ends the session and every later viewer waits for one.
	g := e.game()
	g.ws.SetReadDeadline(time.Time{}) // expect("hello") left one
	go func() {
		for {
			if _, _, err := g.ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	var game *conn
	e.m.mu.Lock()
	for c := range e.m.conns {
		game = c
	}
	e.m.mu.Unlock()
	u := e.wsURL(ParticipantPath, url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}})
	ping := clientFrame(true, websocket.PingMessage, "x")
	f.Add(ping)
	f.Add(clientFrame(true, websocket.PongMessage, ""))
	f.Add(append(clientFrame(false, websocket.TextMessage, `{"type":"me`), clientFrame(true, 0, `thod"}`)...))
	f.Add(append(ping, clientFrame(true, websocket.TextMessage, getTime(1))...))
	f.Add([]byte{0x89, 0xfe, 0, 200, 0, 0, 0, 0}) // a ping with a 16-bit length
	f.Add([]byte{0x8a, 0xfd})                     // a pong cut short
	f.Add(append(clientFrame(true, 8, "\x03\xe8"), ping...))
	f.Fuzz(func(t *testing.T, data []byte) {
		ws, _, err := websocket.DefaultDialer.Dial(u, nil)
		if err != nil {
			t.Fatal(err)
		}
		nc := ws.UnderlyingConn().(*net.TCPConn)
		nc.Write(data)
		// Half-close: the server reads data, then end of stream, and must
		// close the socket. Waiting for that (not for a fixed moment) is
		// what makes an exec cheap; a peer that never gets closed is a
		// finding, reported after testkit.Timeout.
		nc.CloseWrite()
		nc.SetReadDeadline(time.Now().Add(testkit.Timeout))
		// A reset is a close too (the server dropped unread bytes).
		var ne net.Error
		_, err = io.Copy(io.Discard, nc)
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server kept the socket open after the peer's end of stream: %v", err)
		}
		nc.SetLinger(0) // no TIME_WAIT: thousands of execs would use up the ports
		nc.Close()
		// Its reader forgets it last: wait for every viewer's conn to end.
		e.m.mu.Lock()
		var left []*conn
		for c := range e.m.conns {
			if c != game {
				left = append(left, c)
			}
		}
		e.m.mu.Unlock()
		for _, c := range left {
			select {
			case <-c.Done():
			case <-time.After(testkit.Timeout):
				t.Fatal("a socket is still open after the peer closed")
			}
		}
	})
}
