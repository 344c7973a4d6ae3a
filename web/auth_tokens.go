package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// tokensView lists the user's live tokens, without their secrets.
func (s *Server) tokensView(c echo.Context, u studio.User) (templates.TokensView, error) {
	list, err := s.db.ListTokens(c.Request().Context(), u.ID)
	if err != nil {
		return templates.TokensView{}, err
	}
	v := templates.TokensView{CSRF: csrfToken(c)}
	for _, t := range list {
		v.Tokens = append(v.Tokens, templates.TokenRow{ID: t.ID, Kind: t.Kind, Scope: t.Scope, Label: t.Label,
			Client: t.ClientID, Created: formatTime(t.CreatedAt), Expires: formatTime(t.ExpiresAt)})
	}
	return v, nil
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func (s *Server) handleTokens(c echo.Context) error {
	u, _ := s.currentUser(c)
	v, err := s.tokensView(c, u)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "Tokens", templates.Tokens(v))
}

// handleCreateToken mints a robot token and shows it this once.
func (s *Server) handleCreateToken(c echo.Context) error {
	u, _ := s.currentUser(c)
	label := strings.TrimSpace(c.FormValue("label"))
	if len(label) > 60 {
		label = label[:60]
	}
	secret, _, err := s.db.CreateAccessToken(c.Request().Context(), persistence.NewToken{
		UserID: u.ID, Scope: studio.ScopeRobotSelf, Label: label, TTL: persistence.CLITokenTTL,
	})
	if err != nil {
		return err
	}
	v, err := s.tokensView(c, u)
	if err != nil {
		return err
	}
	v.NewToken, v.NewLabel = secret, label
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusOK, "Tokens", templates.Tokens(v))
}

func (s *Server) handleRevokeToken(c echo.Context) error {
	u, _ := s.currentUser(c)
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	err := s.db.RevokeToken(c.Request().Context(), u.ID, id)
	if err != nil && !errors.Is(err, studio.ErrNotFound) {
		return err
	}
	v, verr := s.tokensView(c, u)
	if verr != nil {
		return verr
	}
	status := http.StatusOK
	if err != nil {
		status, v.Error = http.StatusNotFound, "No such token (already revoked?)."
	} else {
		v.Flash = "Token revoked."
	}
	return s.render(c, status, "Tokens", templates.Tokens(v))
}
