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

// view is one answer of a page handler. Partial is what an HTMX swap
// replaces; Page is the page's content inside the layout (Partial when
// nil). A view without a Partial is never swapped: every request gets
// the whole page.
type view struct {
	Title   string
	Partial templ.Component
	Page    templ.Component
	Scripts []string // module scripts the whole page loads
}

// renderView writes a view: the one place that decides between an HTMX
// partial and the whole page (pagoda's way). Handlers never have to think
// about which.
func (s *Server) renderView(c echo.Context, status int, v view) error {
	if v.Partial != nil && isHTMX(c) {
		return writeComponent(c, status, v.Partial)
	}
	content := v.Page
	if content == nil {
		content = v.Partial
	}
	p := s.page(c, v.Title)
	p.Scripts = v.Scripts
	return writeComponent(c, status, layoutAround(p, content))
}

// render writes a page whose HTMX partial is its whole content.
func (s *Server) render(c echo.Context, status int, title string, partial templ.Component) error {
	return s.renderView(c, status, view{Title: title, Partial: partial})
}

// isHTMX reports whether the request is an HTMX swap rather than a page
// load. A boosted link and a history restore (htmx asks for the whole page
// when its history cache misses) are page loads.
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") != "true" && h.Get("HX-History-Restore-Request") != "true"
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
