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
}
