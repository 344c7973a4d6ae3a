// Package web holds the Echo handlers, routes and middleware. Handlers are
// thin: parse, call studio/persistence/live, render. Every route is listed
// in routes.go.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/live/console"
	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
)

// Config is what the command line decides about the web server.
type Config struct {
	Logger *slog.Logger
	// PublicURL is where viewers reach this server; when set, studio pages
	// need a sign-in.
	PublicURL string
	// MediatorOnly serves only the protocol endpoints (mixstudio mediator).
	MediatorOnly bool
	// RequireSignIn makes studio pages need a signed-in user; without it
	// (loopback, no public URL) the studio's owner is signed in by default.
	RequireSignIn bool
	// OwnerOnLoopbackHostOnly limits that default sign-in to requests
	// whose Host is a loopback name (localhost, 127.x, ::1), so a web page
	// that rebinds its own DNS name to 127.0.0.1 is not the owner.
	OwnerOnLoopbackHostOnly bool
	// Addresses says which client a request comes from (the per-address
	// limits); set Trusted behind a reverse proxy (docs/security.md).
	Addresses limits.Addresses
	// RequestsPerAddress is how many plain requests one address may have
	// in progress: 0 means limits.RequestsPerAddress, below 0 no cap.
	RequestsPerAddress int
	// Now is the clock (token and code expiry, rate limits); nil: time.Now.
	Now func() time.Time
	// Mediator serves the live protocol endpoints; nil: none are mounted.
	// Shutdown closes its sockets with 1012.
	Mediator *mediator.Mediator
	// Console is the live console (live/console); nil: no console routes.
	// Shutdown stops its channels before the mediator closes.
	Console *console.Manager
}

// Server holds the handlers' dependencies.
type Server struct {
	cfg    Config
	log    *slog.Logger
	db     *persistence.DB
	echo   *echo.Echo
	onStop []func(context.Context)
	auth   *authState
	// requests counts each address's requests in progress (gateRequests;
	// nil: no cap);
	// imports holds a token per import being read (importSlot).
	requests *limits.Gate
	imports  chan struct{}
}

// New builds the server and its routes.
func New(cfg Config, db *persistence.DB) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RequestsPerAddress == 0 {
		cfg.RequestsPerAddress = limits.RequestsPerAddress
	}
	s := &Server{cfg: cfg, log: cfg.Logger, db: db, imports: make(chan struct{}, limits.ConcurrentImports)}
	if cfg.RequestsPerAddress > 0 {
		s.requests = limits.NewGate(cfg.RequestsPerAddress)
	}
	// The console's channels are marked as restarting first (they stay
	// recorded as live and resume on the next start), then the mediator
	// closes every socket with 1012 (viewers reconnect, instead of hearing
	// 4016 "session ended" from a console that left first), then the
	// console's clients and event streams end.
	if cfg.Console != nil {
		s.onStop = append(s.onStop, func(context.Context) { cfg.Console.BeginShutdown() })
	}
	if cfg.Mediator != nil {
		s.onStop = append(s.onStop, cfg.Mediator.Shutdown)
	}
	if cfg.Console != nil {
		s.onStop = append(s.onStop, cfg.Console.Shutdown)
	}
	s.auth = newAuthState(s.now)
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Use(middleware.Recover(), s.gateRequests, s.capBody)
	e.HTTPErrorHandler = s.handleError
	s.echo = e
	s.routes(e)
	return s
}

// Handler is the root http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Shutdown runs the registered stop hooks (the mediator closes its sockets
// with 1012 here) before the HTTP server itself stops.
func (s *Server) Shutdown(ctx context.Context) {
	for _, f := range s.onStop {
		f(ctx)
	}
}

// handleError is the one place errors become responses: 5xx are logged as
// errors, 4xx as warnings.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	msg := http.StatusText(code)
	if he, ok := err.(*echo.HTTPError); ok {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(code)
		}
	}
	// The request's path: c.Path() is the route's pattern, empty when no
	// route matched (a 404 must still say what was asked for).
	attrs := []any{"method", c.Request().Method, "path", c.Request().URL.Path, "status", code, "err", err}
	if code >= 500 {
		s.log.Error("request failed", attrs...)
	} else {
		s.log.Warn("request refused", attrs...)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	_ = c.JSON(code, map[string]string{"error": msg})
}
