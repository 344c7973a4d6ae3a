package client

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// Errors a caller can match with errors.Is.
var (
	// ErrClosed: the client was closed (by Close, or it stopped for good).
	ErrClosed = errors.New("interactive client: closed")
	// ErrConnectionLost: the socket dropped before the reply arrived. The
	// call may or may not have taken effect on the server.
	ErrConnectionLost = errors.New("interactive client: connection lost before reply")
	// ErrNoHosts: discovery returned no address, or none was configured.
	ErrNoHosts = errors.New("interactive client: no hosts to connect to")
)

// HandshakeError is a refusal while connecting: either an HTTP status from
// the upgrade (400 for an unsupported protocol version, 401/403 for a bad
// token) or a close frame the server sent before hello (4019 auth, 4020
// version, 4021 already running, 4022 offline...).
type HandshakeError struct {
	Host       string
	HTTPStatus int    // non-zero when the upgrade itself was refused
	Code       int    // close code, when the server closed the socket
	Reason     string // close reason or HTTP body excerpt
}

func (e *HandshakeError) Error() string {
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("interactive handshake with %s refused: HTTP %d %s", e.Host, e.HTTPStatus, e.Reason)
	}
	return fmt.Sprintf("interactive handshake with %s refused: close %d %s", e.Host, e.Code, e.Reason)
}

// Fatal reports whether retrying (on this or another host) cannot help:
// bad credentials, unknown version, a session already running, or a
// protocol version the server does not speak.
func (e *HandshakeError) Fatal() bool {
	switch e.HTTPStatus {
	case 0:
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return true
	default: // 5xx, 429, a proxy's 502...: another host or a later try may do
		return false
	}
	return stopsForGood(e.Code)
}

// ReplyError is an error reply from the server to one of our methods.
type ReplyError struct {
	Method  string
	Code    int
	Message string
	Path    string
}

func (e *ReplyError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("interactive %s: error %d: %s (at %s)", e.Method, e.Code, e.Message, e.Path)
	}
	return fmt.Sprintf("interactive %s: error %d: %s", e.Method, e.Code, e.Message)
}

// CloseError is how the server ended a live connection.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("interactive connection closed by server: %d %s", e.Code, e.Reason)
}

// stopsForGood lists the close codes after which reconnecting cannot help
// or is forbidden: credentials, version, another session running, channel
// offline, no bundle, memory limit (we would hit it again after restoring),
// and 4027 ("purposefully terminated, should not try to reconnect").
// 1011/1012, 1001 and a lost network are retried; so is anything in
// 1000-3999 we do not know, except a normal closure (1000), which is the
// server ending the session on purpose.
func stopsForGood(code int) bool {
	switch code {
	case wire.CodeAuthFailed, wire.CodeVersionNotFound, wire.CodeAlreadyRunning,
		wire.CodeChannelOffline, wire.CodeNoBundle, wire.CodeMemoryLimit, wire.CodeTerminated,
		wire.CodeSessionEnded, wire.CodeAccessRevoked,
		websocket.CloseNormalClosure, websocket.ClosePolicyViolation:
		return true
	}
	return false
}
