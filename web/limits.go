package web

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/templates"
)

// The middleware that applies internal/limits to every request. Which
// route gets which figure is decided in routes.go (bodyCap, longLived).

// NewHTTPServer is the http.Server `mixstudio serve` runs h in: a whole
// request must be read within limits.ReadTimeout and an idle keep-alive
// connection is closed after limits.IdleTimeout, so that slow clients
// cannot hold descriptors. There is no WriteTimeout: it would cut the
// long-lived routes, which clear their read deadline and keep their own
// liveness (WebSockets: pings; SSE: heartbeats).
func NewHTTPServer(h http.Handler, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		ReadTimeout:       limits.ReadTimeout,
		IdleTimeout:       limits.IdleTimeout,
		ErrorLog:          errorLog,
	}
}

// gateRequests lets one address have at most Config.RequestsPerAddress
// plain requests in progress (reading a body counts); the next is refused
// with 429. Long-lived routes have caps of their own.
func (s *Server) gateRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.requests == nil || longLived(c.Path()) {
			return next(c)
		}
		addr := s.clientAddr(c)
		if !s.requests.Enter(addr) {
			refuseEarly(c)
			c.Response().Header().Set("Retry-After", "1")
			return echo.NewHTTPError(http.StatusTooManyRequests,
				fmt.Sprintf("Too many requests from your address at once: at most %d.", s.cfg.RequestsPerAddress))
		}
		defer s.requests.Leave(addr)
		return next(c)
	}
}

// refuseEarly makes a refusal go out at once, the body unread: without
// "Connection: close" net/http first reads what is left of the body (up to
// 256 KiB) to keep the connection, which a slow client never sends.
func refuseEarly(c echo.Context) {
	c.Response().Header().Set("Connection", "close")
}

// capBody bounds the request body to the route's bodyCap before anything
// parses it (a form, a multipart upload, the CSRF token in a form).
func (s *Server) capBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		max := bodyCap(c.Path())
		r := c.Request()
		if max > 0 && r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength > max {
				refuseEarly(c)
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
					fmt.Sprintf("The request is %d bytes; at most %d are accepted here.", r.ContentLength, max))
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, max)
		}
		return next(c)
	}
}

// spoolUpload reads a signed-in user's multipart upload before anything
// else does (the CSRF check would parse it with 32 MB in memory): at most
// limits.UploadInMemory in memory, files to disk, within
// limits.ImportReadTimeout rather than ReadTimeout.
func (s *Server) spoolUpload(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now().Add(limits.ImportReadTimeout))
		if err := r.ParseMultipartForm(limits.UploadInMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
					fmt.Sprintf("The request is over %d bytes; at most %d are accepted here.", tooBig.Limit, tooBig.Limit))
			}
			return echo.NewHTTPError(http.StatusBadRequest, "The upload could not be read: "+err.Error())
		}
		return next(c)
	}
}

// importSlot lets limits.ConcurrentImports imports be decoded at once:
// each holds its file and its decoding in memory. Past that the import is
// refused on the projects page rather than queued.
func (s *Server) importSlot(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		select {
		case s.imports <- struct{}{}:
			defer func() { <-s.imports }()
			return next(c)
		default:
		}
		u, err := s.studioUser(c)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Retry-After", "5")
		return s.renderProjects(c, http.StatusTooManyRequests, u, func(v *templates.ProjectsView) {
			v.ImportErrors = []string{"Other imports are being read right now; try again in a moment."}
		})
	}
}
