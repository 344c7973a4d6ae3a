package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/static"
)

// handleFavicon answers /favicon.ico, which browsers ask for on pages that
// name no icon (a JSON answer, an image): the layout's SVG icon, so that
// the log is not full of refused favicon requests.
func (s *Server) handleFavicon(c echo.Context) error {
	b, err := static.FS.ReadFile("img/favicon.svg")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/svg+xml", b)
}
