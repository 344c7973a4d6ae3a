package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleHealth answers 200 "ok" while the database answers.
func (s *Server) handleHealth(c echo.Context) error {
	if err := s.db.SQL().PingContext(c.Request().Context()); err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "database unavailable")
	}
	return c.String(http.StatusOK, "ok\n")
}
