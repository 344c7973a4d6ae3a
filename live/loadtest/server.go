package loadtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
)

// Server is a mediator started for a load test; Stop ends it.
type Server struct {
	Target Target
	stop   func() error
}

// Stop shuts the server down (sockets closed with 1012, database closed).
func (s *Server) Stop() error { return s.stop() }

// StartInProcess prepares the database at dbPath and serves the real
// mediator on it in this process, on 127.0.0.1:0.
func StartInProcess(ctx context.Context, dbPath string, logger *slog.Logger) (*Server, error) {
	t, err := PrepareDB(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	db, err := persistence.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// Thousands of participants from loopback, pressing faster than people:
	// the per-address and per-viewer limits would measure themselves.
	m := mediator.New(db, time.Now, logger, mediator.Options{InputRate: -1, SocketsPerAddress: -1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.BaseURL = "http://" + ln.Addr().String()
	t.PID = os.Getpid()
	t.InProcess = true
	return &Server{Target: t, stop: func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m.Shutdown(sctx)
		srv.Shutdown(sctx)
		return db.Close()
	}}, nil
}

// ReadyPrefix starts the line a child server prints on stdout once it
// listens: "mixstudio-loadtest-server http://ADDR debug=http://ADDR".
const ReadyPrefix = "mixstudio-loadtest-server "

// ReadyLine is what a child server prints when it serves.
func ReadyLine(baseURL, debugURL string) string {
	return ReadyPrefix + baseURL + " debug=" + debugURL
}

// StartChild prepares the database at dbPath and runs the mediator in a
// child process: exe with args (which must serve the mediator on dbPath
// and print ReadyLine). The child dies with this process (Pdeathsig) and
// when its stdin closes. Its stderr goes to logTo.
func StartChild(ctx context.Context, dbPath string, exe string, args []string, logTo io.Writer) (*Server, error) {
	t, err := PrepareDB(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	c, rest, err := startChild(ctx, "", exe, args, logTo, false, readyPrefixed(ReadyPrefix))
	if err != nil {
		return nil, err
	}
	f := strings.Fields(rest)
	if len(f) != 2 || !strings.HasPrefix(f[1], "debug=") {
		c.stop()
		return nil, fmt.Errorf("server said %q", ReadyPrefix+rest)
	}
	t.BaseURL, t.DebugURL = f[0], strings.TrimPrefix(f[1], "debug=")
	if err := CheckLoopback(t.BaseURL); err != nil {
		c.stop()
		return nil, err
	}
	t.PID = c.pid()
	return &Server{Target: t, stop: c.stop}, nil
}
