package mediator

import (
	"net/http"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/mediator/internal/transport"
)

// conn is one socket as the protocol sees it: the transport's queue,
// writers and reader (internal/transport says why they are built as they
// are), what the socket's compression streams are charged and which
// client address it counts against.
type conn struct {
	transport.Conn
	streamCost int64 // the reader's goroutine only
	// addr is the client address holding one of its participant sockets
	// (Options.SocketsPerAddress) until removeConn; empty: none held.
	addr string
}

func newConn(ws *websocket.Conn, sock *transport.Socket, w *transport.Writers, o transport.Options) *conn {
	c := &conn{}
	c.Init(ws, sock, w, o)
	return c
}

// upgrade completes the WebSocket handshake over the transport's socket.
func (m *Mediator) upgrade(w http.ResponseWriter, r *http.Request) (*websocket.Conn, *transport.Socket, error) {
	return transport.Upgrade(&m.upgrader, w, r, m.opts.WriteTimeout)
}
