package client

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// fakeServer is a real WebSocket server on 127.0.0.1 that plays the
// server side of one scenario. Each accepted socket runs script.
type fakeServer struct {
	t      testing.TB
	srv    *httptest.Server
	script func(s *session)

	mu       sync.Mutex
	sessions []*session
	headers  []http.Header
	urls     []string
	wg       sync.WaitGroup
}

func newFakeServer(t testing.TB, script func(s *session)) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, script: script}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.headers = append(f.headers, r.Header.Clone())
		f.urls = append(f.urls, r.URL.String())
		f.mu.Unlock()
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		s := &session{ws: ws, enc: wire.NewEncoder(wire.None), dec: wire.NewDecoder(wire.None), req: r, got: make(chan wire.Packet, 1024)}
		f.mu.Lock()
		f.sessions = append(f.sessions, s)
		f.mu.Unlock()
		f.wg.Add(1)
		defer f.wg.Done()
		defer ws.Close()
		f.script(s)
	}))
	t.Cleanup(f.close)
	return f
}

// addr is the game-client address of this server.
func (f *fakeServer) addr() string {
	return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/gameClient"
}

func (f *fakeServer) close() {
	f.mu.Lock()
	for _, s := range f.sessions {
		s.ws.Close()
	}
	f.mu.Unlock()
	f.srv.Close()
	f.wg.Wait()
}

func (f *fakeServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.headers)
}

func (f *fakeServer) session(i int) *session {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessions[i]
}

// session is one server-side socket with its compression state.
type session struct {
	ws       *websocket.Conn
	req      *http.Request
	wmu      sync.Mutex
	enc      *wire.Encoder
	dec      *wire.Decoder
	seq      int32
	nextID   uint32
	got      chan wire.Packet // every packet the client sent, in order
	frameLog []int            // message types of frames received
}

// send writes one packet in the session's outbound scheme with the next seq.
func (s *session) send(p wire.Packet) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.seq++
	p.Seq = s.seq
	return s.writeLocked(p.AppendJSON(nil), true)
}

func (s *session) writeLocked(msg []byte, compress bool) error {
	if !compress || !s.enc.Binary() {
		return s.ws.WriteMessage(websocket.TextMessage, msg)
	}
	data, err := s.enc.Encode(nil, msg)
	if err != nil {
		return err
	}
	return s.ws.WriteMessage(websocket.BinaryMessage, data)
}

// method sends a server method.
func (s *session) method(name string, params any, discard bool) error {
	raw, _ := json.Marshal(params)
	if params == nil {
		raw = nil
	}
	s.wmu.Lock()
	s.nextID++
	id := s.nextID
	s.wmu.Unlock()
	return s.send(wire.Method(id, name, raw, discard))
}

func (s *session) hello() error { return s.method("hello", nil, true) }

// recv reads the next frame and returns its packets.
func (s *session) recv() ([]wire.Packet, int, error) {
	mt, data, err := s.ws.ReadMessage()
	if err != nil {
		return nil, 0, err
	}
	s.frameLog = append(s.frameLog, mt)
	msg, werr := s.dec.Decode(data, mt == websocket.BinaryMessage)
	if werr != nil {
		return nil, mt, werr
	}
	ps, _, ferr := wire.DecodeFrame(msg)
	if ferr != nil {
		return nil, mt, ferr
	}
	for i := range ps {
		ps[i].Params = append(json.RawMessage(nil), ps[i].Params...)
		ps[i].Result = append(json.RawMessage(nil), ps[i].Result...)
		select {
		case s.got <- ps[i]:
		default:
		}
	}
	return ps, mt, nil
}

// handler answers one method: a result (marshalled) or an error; skip
// true sends nothing.
type handler func(s *session, p wire.Packet) (result any, err *wire.Error, skip bool)

// serve answers methods until the socket ends: setCompression switches
// schemes as the spec says (reply in text, then both directions), getTime
// answers with the real clock, the rest go to handlers (unknown: null).
func (s *session) serve(handlers map[string]handler) {
	for {
		ps, _, err := s.recv()
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.Type != wire.TypeMethod {
				continue
			}
			if p.Method == "setCompression" && handlers["setCompression"] == nil {
				chosen := wire.NegotiateParams(p.Params, nil)
				res, _ := json.Marshal(map[string]string{"scheme": string(chosen)})
				s.wmu.Lock()
				s.seq++
				r := wire.Reply(p.ID, res)
				r.Seq = s.seq
				s.writeLocked(r.AppendJSON(nil), false) // always plain text
				s.enc = wire.NewEncoder(chosen)
				s.wmu.Unlock()
				s.dec = wire.NewDecoder(chosen)
				continue
			}
			var result any
			var perr *wire.Error
			skip := false
			if h := handlers[p.Method]; h != nil {
				result, perr, skip = h(s, p)
			} else if p.Method == "getTime" {
				result = map[string]int64{"time": time.Now().UnixMilli()}
			}
			if skip || p.Discard && perr == nil {
				continue
			}
			if perr != nil {
				s.send(wire.ErrorReply(p.ID, perr))
				continue
			}
			var raw json.RawMessage
			if result != nil {
				raw, _ = json.Marshal(result)
			}
			s.send(wire.Reply(p.ID, raw))
		}
	}
}

// closeWith sends a close frame with code and reason.
func (s *session) closeWith(code int, reason string) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
}
