package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// csrfToken is the token the CSRF middleware left for this request's forms.
func csrfToken(c echo.Context) string {
	tok, _ := c.Get(csrfContextKey).(string)
	return tok
}

func (s *Server) handleSignInPage(c echo.Context) error {
	return s.render(c, http.StatusOK, "Sign in", templates.SignIn(templates.SignInView{
		CSRF: csrfToken(c), Next: safeNext(c.QueryParam("next")), SignUpOpen: true,
	}))
}

func (s *Server) handleSignIn(c echo.Context) error {
	name, next := strings.TrimSpace(c.FormValue("username")), safeNext(c.FormValue("next"))
	// Per address, and per (name, address): never per name alone, which
	// would let anyone lock the owner out by guessing from elsewhere.
	addr := s.clientAddr(c)
	keys := []string{"ip:" + addr, "name-ip:" + strings.ToLower(name) + "|" + addr}
	refuse := func(status int, msg string) error {
		return s.render(c, status, "Sign in", templates.SignIn(templates.SignInView{
			CSRF: csrfToken(c), Next: next, Username: name, Error: msg, SignUpOpen: true,
		}))
	}
	if s.auth.signInFailures.Spent(keys...) {
		return refuse(http.StatusTooManyRequests, "Too many wrong passwords. Wait a minute and try again.")
	}
	u, err := s.db.Authenticate(c.Request().Context(), name, c.FormValue("password"))
	if err != nil {
		if !errors.Is(err, studio.ErrUnauthorized) {
			return err
		}
		s.auth.signInFailures.Take(keys...)
		return refuse(http.StatusUnauthorized, studio.ErrorMessage(err))
	}
	if err := s.startSession(c, u.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) handleSignUpPage(c echo.Context) error {
	return s.render(c, http.StatusOK, "Create an account", templates.SignUp(templates.SignUpView{
		CSRF: csrfToken(c), Next: safeNext(c.QueryParam("next")),
	}))
}

// handleSignUp creates a viewer account with a password and signs it in.
func (s *Server) handleSignUp(c echo.Context) error {
	ctx := c.Request().Context()
	name, pw, next := strings.TrimSpace(c.FormValue("username")), c.FormValue("password"), safeNext(c.FormValue("next"))
	refuse := func(err error) error {
		code := studio.ErrorCode(err)
		if code != studio.EINVALID && code != studio.ECONFLICT {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "Create an account", templates.SignUp(templates.SignUpView{
			CSRF: csrfToken(c), Next: next, Username: name, Error: studio.ErrorMessage(err),
		}))
	}
	addr := s.clientAddr(c)
	if s.auth.signUps.Spent(addr) {
		return s.render(c, http.StatusTooManyRequests, "Create an account", templates.SignUp(templates.SignUpView{
			CSRF: csrfToken(c), Next: next, Username: name, Error: "Too many accounts were created from your address. Try again later.",
		}))
	}
	if err := studio.ValidatePassword(pw); err != nil {
		return refuse(err)
	}
	u, err := s.db.CreateUser(ctx, name)
	if err != nil {
		return refuse(err)
	}
	s.auth.signUps.Take(addr) // only accounts made count: typos cost nothing
	if err := s.db.SetPassword(ctx, u.ID, pw); err != nil {
		return err
	}
	if err := s.startSession(c, u.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) handleSignOut(c echo.Context) error {
	if err := s.endSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// handleSignInLink consumes the one-time link logged at start (the owner's
// way in before a password is set) and opens the account page.
func (s *Server) handleSignInLink(c echo.Context) error {
	u, err := s.db.UseSignInLink(c.Request().Context(), c.QueryParam("token"))
	if err != nil {
		if errors.Is(err, studio.ErrUnauthorized) {
			return s.render(c, http.StatusUnauthorized, "Sign in", templates.SignIn(templates.SignInView{
				CSRF: csrfToken(c), Next: "/account", Error: studio.ErrorMessage(err),
			}))
		}
		return err
	}
	if err := s.startSession(c, u.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account")
}

func (s *Server) accountView(c echo.Context, u studio.User) (templates.AccountView, error) {
	ctx := c.Request().Context()
	has, err := s.db.HasPassword(ctx, u.ID)
	if err != nil {
		return templates.AccountView{}, err
	}
	bal, err := s.db.SparksBalance(ctx, u.ID)
	if err != nil {
		return templates.AccountView{}, err
	}
	return templates.AccountView{CSRF: csrfToken(c), Username: u.Username, ChannelID: u.ChannelID,
		IsOwner: s.isOwner(ctx, u), HasPassword: has, Sparks: bal}, nil
}

func (s *Server) handleAccount(c echo.Context) error {
	u, _ := s.currentUser(c)
	v, err := s.accountView(c, u)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "Account", templates.Account(v))
}

// handleSetPassword sets or changes the signed-in user's password; a change
// needs the current one.
func (s *Server) handleSetPassword(c echo.Context) error {
	ctx := c.Request().Context()
	u, _ := s.currentUser(c)
	v, err := s.accountView(c, u)
	if err != nil {
		return err
	}
	if v.HasPassword {
		if _, err := s.db.Authenticate(ctx, u.Username, c.FormValue("current")); err != nil {
			if !errors.Is(err, studio.ErrUnauthorized) {
				return err
			}
			v.Error = "The current password is wrong."
			return s.render(c, http.StatusUnprocessableEntity, "Account", templates.Account(v))
		}
	}
	if err := s.db.SetPassword(ctx, u.ID, c.FormValue("password")); err != nil {
		if studio.ErrorCode(err) != studio.EINVALID {
			return err
		}
		v.Error = studio.ErrorMessage(err)
		return s.render(c, http.StatusUnprocessableEntity, "Account", templates.Account(v))
	}
	// Whoever knew the old password may hold a session: end the others.
	var keep string
	if ck, err := c.Cookie(sessionCookie); err == nil {
		keep = ck.Value
	}
	if _, err := s.db.EndOtherSessions(ctx, u.ID, keep); err != nil {
		return err
	}
	v.HasPassword, v.Flash = true, "Password saved. Other browsers signed in as you were signed out."
	return s.render(c, http.StatusOK, "Account", templates.Account(v))
}
