package web

import (
	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/static"
)

// routes lists every route in one place, to be read top to bottom.
// Long-lived routes (WebSocket, SSE) must not sit behind a timeout.
func (s *Server) routes(e *echo.Echo) {
	e.GET("/healthz", s.handleHealth)
	e.StaticFS("/static", static.FS)
	// Identity: /api/v1/users/current, /api/v1/interactive/:channelID, the
	// OAuth shortcode endpoints, /go, sign-in/up/out and /account pages.
	s.identityRoutes(e)
	// Studio: the projects list and a version's editor (studio_routes.go).
	s.studioRoutes(e)
}
