package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// sessionCookie holds a browser's session id (stored hashed in SQLite).
const sessionCookie = "mixstudio_session"

// userContextKey caches the request's user once resolved.
const userContextKey = "identity.user"

// authState is the identity part's long-lived state.
type authState struct {
	mu    sync.Mutex
	owner *studio.User // cached: the owner never changes
	// The rate limits of internal/limits, each keyed by address and more.
	goFailures     *limits.Keyed // wrong /go codes, per user and per address
	signInFailures *limits.Keyed // wrong passwords, per address and per (name, address)
	shortcodes     *limits.Keyed // shortcodes asked for, per address
	signUps        *limits.Keyed // accounts created, per address
	// participantKeys are the keys handed to viewers' pages, by user, so
	// that a page asking again gets the same live key (participant_keys.go).
	participantKeys participantKeys
}

func newAuthState(now func() time.Time) *authState {
	return &authState{
		goFailures:     limits.NewKeyed(limits.GoFailures, now),
		signInFailures: limits.NewKeyed(limits.SignInFailures, now),
		shortcodes:     limits.NewKeyed(limits.Shortcodes, now),
		signUps:        limits.NewKeyed(limits.SignUps, now),
	}
}

// now is the server's clock (Config.Now, or the wall clock).
func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// owner returns the studio's owner, creating the account on first use.
func (s *Server) owner(ctx context.Context) (studio.User, error) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	if s.auth.owner != nil {
		return *s.auth.owner, nil
	}
	u, err := s.db.EnsureOwner(ctx)
	if err != nil {
		return studio.User{}, err
	}
	s.auth.owner = &u
	return u, nil
}

// isOwner reports whether u is the studio's owner.
func (s *Server) isOwner(ctx context.Context, u studio.User) bool {
	o, err := s.owner(ctx)
	return err == nil && o.ID == u.ID
}

// currentUser is the signed-in user of this request: the session's user,
// or, when sign-in is not required (loopback, no public URL), the studio's
// owner. false means nobody is signed in.
func (s *Server) currentUser(c echo.Context) (studio.User, bool) {
	if u, ok := c.Get(userContextKey).(studio.User); ok {
		return u, true
	}
	u, ok := s.sessionUser(c)
	if !ok && !s.cfg.RequireSignIn && (!s.cfg.OwnerOnLoopbackHostOnly || isLoopbackHost(c.Request().Host)) {
		o, err := s.owner(c.Request().Context())
		if err != nil {
			s.log.Error("load the studio's owner", "err", err)
			return studio.User{}, false
		}
		u, ok = o, true
	}
	if ok {
		c.Set(userContextKey, u)
		c.Set(userNameContextKey, u.Username)
	}
	return u, ok
}

// isLoopbackHost reports whether a Host header names this machine.
func isLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sessionUser is the user of the request's session cookie, if live.
func (s *Server) sessionUser(c echo.Context) (studio.User, bool) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return studio.User{}, false
	}
	u, err := s.db.UserBySession(c.Request().Context(), ck.Value)
	if err != nil {
		if !errors.Is(err, studio.ErrUnauthorized) {
			s.log.Error("look up session", "err", err)
		}
		return studio.User{}, false
	}
	return u, true
}

// requireStudioUser lets only signed-in users through to studio pages.
// Others are sent to the sign-in page (an HTMX request gets HX-Redirect,
// since a 303 would be swapped into the page).
func (s *Server) requireStudioUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := s.currentUser(c); !ok {
			return s.redirectToSignIn(c)
		}
		return next(c)
	}
}

// requireOwner lets only the studio's owner through (OAuth clients,
// gifting sparks).
func (s *Server) requireOwner(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, ok := s.currentUser(c)
		if !ok {
			return s.redirectToSignIn(c)
		}
		if !s.isOwner(c.Request().Context(), u) {
			return echo.NewHTTPError(http.StatusForbidden, "Only the studio's owner may do this.")
		}
		return next(c)
	}
}

// loadUser resolves the user (if any) for pages open to everyone, so the
// layout shows who is signed in.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.currentUser(c)
		return next(c)
	}
}

func (s *Server) redirectToSignIn(c echo.Context) error {
	target := "/signin?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// startSession signs the browser in as userID.
func (s *Server) startSession(c echo.Context, userID int64) error {
	id, err := s.db.CreateSession(c.Request().Context(), userID)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode,
		MaxAge: int(persistence.SessionTTL.Seconds()),
	})
	c.Set(userContextKey, nil)
	return nil
}

// endSession signs the browser out.
func (s *Server) endSession(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.db.DeleteSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	return nil
}

// secureCookies is true when browsers reach us over https.
func (s *Server) secureCookies() bool {
	return strings.HasPrefix(strings.ToLower(s.cfg.PublicURL), "https://")
}

// bearerToken reads "Authorization: Bearer TOKEN" (or a bare token, as some
// C++/Unity callers send).
func bearerToken(c echo.Context) string {
	h := strings.TrimSpace(c.Request().Header.Get(echo.HeaderAuthorization))
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return h
}

// safeNext keeps a post-sign-in redirect on this site ("/x", never "//x"
// or "https://elsewhere"). It first does what browsers do to a URL (WHATWG
// URL parsing: drop tabs and newlines anywhere, leading and trailing
// control characters and spaces, read \ as /), so that "/\t/evil.example"
// cannot become "//evil.example" in the browser after passing here.
func safeNext(next string) string {
	next = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, next)
	next = strings.TrimFunc(next, func(r rune) bool { return r <= ' ' })
	path := strings.ReplaceAll(next, "\\", "/")
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return "/"
	}
	if u, err := url.Parse(path); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// authError maps a domain error to an HTTP error with a readable message;
// anything else stays an internal error (logged, not shown).
func authError(err error) error {
	status := map[string]int{
		studio.EINVALID:      http.StatusUnprocessableEntity,
		studio.ENOTFOUND:     http.StatusNotFound,
		studio.ECONFLICT:     http.StatusConflict,
		studio.EUNAUTHORIZED: http.StatusUnauthorized,
		studio.EFORBIDDEN:    http.StatusForbidden,
	}[studio.ErrorCode(err)]
	if status == 0 {
		return err
	}
	return echo.NewHTTPError(status, studio.ErrorMessage(err)).SetInternal(err)
}
