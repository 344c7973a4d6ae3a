package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// handleGoPage is GET /go: the form for the code a device shows.
func (s *Server) handleGoPage(c echo.Context) error {
	return s.render(c, http.StatusOK, "Connect a device", templates.GoPage(templates.GoView{
		CSRF: csrfToken(c), Code: studio.NormalizeShortcode(c.QueryParam("code")),
	}))
}

// handleGo is POST /go: with a code only, it shows the asking application
// and its scopes; with decision=approve|deny it answers. Wrong codes count
// against the user and the address: the 6th in a minute gets 429.
func (s *Server) handleGo(c echo.Context) error {
	ctx := c.Request().Context()
	u, _ := s.currentUser(c)
	code := studio.NormalizeShortcode(c.FormValue("code"))
	keys := []string{"user:" + strconv.FormatInt(u.ID, 10), "ip:" + s.clientAddr(c)}
	view := templates.GoView{CSRF: csrfToken(c), Code: code}
	if s.auth.goFailures.Spent(keys...) {
		view.Error = "Too many wrong codes. Wait a minute and try again."
		return s.render(c, http.StatusTooManyRequests, "Connect a device", templates.GoPage(view))
	}
	sc, err := s.db.ShortcodeByCode(ctx, code)
	if errors.Is(err, studio.ErrNotFound) {
		s.auth.goFailures.Take(keys...)
		view.Error = "That code is wrong or has expired. Check your device and try again."
		return s.render(c, http.StatusNotFound, "Connect a device", templates.GoPage(view))
	}
	if err != nil {
		return err
	}
	switch c.FormValue("decision") {
	case "approve", "deny":
		approve := c.FormValue("decision") == "approve"
		if err := s.db.AnswerShortcode(ctx, code, u.ID, approve); err != nil {
			if errors.Is(err, studio.ErrNotFound) { // expired between the two steps
				view.Error = studio.ErrorMessage(err)
				return s.render(c, http.StatusNotFound, "Connect a device", templates.GoPage(view))
			}
			return err
		}
		view.Code, view.Done = "", "denied"
		if approve {
			view.Done = "approved"
		}
		s.log.Info("device authorization answered", "user", u.Username, "client", sc.ClientName, "approved", approve)
		return s.render(c, http.StatusOK, "Connect a device", templates.GoPage(view))
	}
	view.Pending = &templates.GoPending{Code: sc.Code, ClientName: sc.ClientName, Scopes: sc.Scopes}
	return s.render(c, http.StatusOK, "Connect a device", templates.GoPage(view))
}

// remoteIP is the peer's address. Forwarded headers are ignored on
// purpose: a client could set them to dodge the per-address limit.
func (s *Server) clientAddr(c echo.Context) string {
	return s.cfg.Addresses.Of(c.Request())
}
