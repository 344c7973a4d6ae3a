package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// csrfCookie holds the CSRF token the pages echo back.
const csrfCookie = "_csrf"

// csrf protects page routes (forms and HTMX): an unsafe request needs the
// token from the cookie back in X-CSRF-Token (static/js/csrf.js) or the
// _csrf form field, unless the browser says it is same-origin
// (Sec-Fetch-Site). Not for the JSON API, the WebSockets or the OAuth
// device endpoints: those carry bearer tokens or client ids, no cookie.
// Use it per route: e.GET("/x", h, s.csrf, s.requireStudioUser).
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "header:X-CSRF-Token,form:_csrf",
		ContextKey:     csrfContextKey,
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieSameSite: http.SameSiteLaxMode,
		CookieHTTPOnly: true,
		CookieSecure:   s.secureCookies(),
	})(next)
}
