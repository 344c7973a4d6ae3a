package web

import (
	"bytes"
	"context"
	"io"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/templates"
)

const (
	// csrfContextKey is where the CSRF middleware leaves the token.
	csrfContextKey = "csrf"
	// userNameContextKey is where the auth middleware leaves the user's name.
	userNameContextKey = "username"
)

// render writes a page. An HTMX request (not boosted) gets only the partial
// that it swaps; anything else gets the partial wrapped in the layout.
// Handlers never have to think about which.
func (s *Server) render(c echo.Context, status int, title string, partial templ.Component) error {
	if isHTMX(c) {
		return writeComponent(c, status, partial)
	}
	return writeComponent(c, status, layoutAround(s.page(c, title), partial))
}

// isHTMX reports whether the request is an HTMX swap rather than a page load.
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") != "true"
}

// page is what the layout needs from this request: title, CSRF token, user.
func (s *Server) page(c echo.Context, title string) templates.Page {
	p := templates.Page{Title: title}
	if tok, ok := c.Get(csrfContextKey).(string); ok {
		p.CSRF = tok
	}
	if name, ok := c.Get(userNameContextKey).(string); ok {
		p.User = name
	}
	return p
}

func layoutAround(p templates.Page, content templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return templates.Layout(p).Render(templ.WithChildren(ctx, content), w)
	})
}

// writeComponent renders into a buffer first so that a failing component
// yields a clean 500 instead of half a page.
func writeComponent(c echo.Context, status int, component templ.Component) error {
	var buf bytes.Buffer
	if err := component.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}
