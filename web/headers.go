package web

import "github.com/labstack/echo/v4"

// studioCSP is the policy of every studio, account and sign-in page: only
// our own scripts run (no inline ones: static/js/page.js handles the
// small behaviours), and no other site may frame the page, so that a
// click on it cannot be stolen (clickjacking).
const studioCSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
	"frame-ancestors 'none'; connect-src 'self'; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'"

// pageHeaders sets the security headers of studio, account and sign-in
// pages. The play page has its own policy (playCSP): it may be framed by
// this site.
func (s *Server) pageHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", studioCSP)
		h.Set("X-Frame-Options", "DENY") // browsers that predate frame-ancestors
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}
