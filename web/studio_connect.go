package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// The "Connect a game" page of a version: what a game client needs (the
// version ID the editor's "v1" hides, the host, a token), snippets for
// each SDK filled with them, and the project's share code.

// connectVersion loads the request's version and its project, which must
// be the user's (another user's is "not found", as everywhere in the studio).
func (s *Server) connectVersion(c echo.Context) (studio.User, studio.Version, studio.Project, error) {
	u, ok := s.currentUser(c)
	if !ok {
		return u, studio.Version{}, studio.Project{}, echo.NewHTTPError(http.StatusUnauthorized, "Sign in first.")
	}
	id, err := strconv.ParseInt(c.Param("version"), 10, 64)
	if err != nil || id <= 0 {
		return u, studio.Version{}, studio.Project{}, echo.NewHTTPError(http.StatusNotFound, "No such version.")
	}
	ctx := c.Request().Context()
	v, err := s.db.FindUserVersionOutline(ctx, u.ID, id)
	if err != nil {
		return u, v, studio.Project{}, studioHTTPError(err)
	}
	p, err := s.db.FindUserProject(ctx, u.ID, v.ProjectID)
	if err != nil {
		return u, v, p, studioHTTPError(err)
	}
	return u, v, p, nil
}

// httpBase is http(s)://HOST as game clients reach this server.
func (s *Server) httpBase(c echo.Context) string {
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Host != "" {
		return strings.ToLower(u.Scheme) + "://" + u.Host
	}
	if c.Request().TLS != nil {
		return "https://" + c.Request().Host
	}
	return "http://" + c.Request().Host
}

func (s *Server) renderConnect(c echo.Context, status int, v studio.Version, p studio.Project, token, flash string) error {
	t := connectTarget{
		Base:      s.httpBase(c),
		Socket:    s.socketBase(c) + mediator.GameClientPath,
		VersionID: v.ID,
		Token:     token,
	}
	if t.Token == "" {
		t.Token = tokenPlaceholder
	}
	view := templates.ConnectView{
		CSRF:          s.page(c, "").CSRF,
		VersionID:     v.ID,
		VersionNumber: v.Number,
		ProjectName:   v.ProjectName,
		EditorURL:     templates.EditorURL(v.ID),
		Base:          t.Base,
		HostsURL:      t.Base + mediator.HostsPath,
		Socket:        t.Socket,
		Token:         token,
		Sharecode:     p.Sharecode,
		Snippets:      connectSnippets(t),
		Flash:         flash,
	}
	c.Response().Header().Set("Cache-Control", "no-store") // a token may be on it
	return s.render(c, status, "Connect a game", templates.Connect(view))
}

func (s *Server) handleConnect(c echo.Context) error {
	_, v, p, err := s.connectVersion(c)
	if err != nil {
		return err
	}
	return s.renderConnect(c, http.StatusOK, v, p, "", "")
}

// handleConnectToken mints a game-client token (as the Tokens page does)
// and shows the page with it filled into every snippet, once.
func (s *Server) handleConnectToken(c echo.Context) error {
	u, v, p, err := s.connectVersion(c)
	if err != nil {
		return err
	}
	label := fmt.Sprintf("game: %s v%d", v.ProjectName, v.Number)
	if r := []rune(label); len(r) > 60 {
		label = string(r[:60])
	}
	secret, _, err := s.db.CreateAccessToken(c.Request().Context(), persistence.NewToken{
		UserID: u.ID, Scope: studio.ScopeRobotSelf, Label: label, TTL: persistence.CLITokenTTL,
	})
	if err != nil {
		return err
	}
	return s.renderConnect(c, http.StatusOK, v, p, secret, "A token was made for this game: copy it now, it is not shown again.")
}

// handleSharecode creates, rotates or revokes the project's share code.
func (s *Server) handleSharecode(c echo.Context) error {
	_, v, p, err := s.connectVersion(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var flash string
	switch c.FormValue("action") {
	case "create":
		if p.Sharecode, _, err = s.db.EnsureSharecode(ctx, p.ID); err == nil {
			flash = "Share code created."
		}
	case "rotate":
		if p.Sharecode, err = s.db.SetSharecode(ctx, p.ID); err == nil {
			flash = "Share code rotated: the old one no longer works."
		}
	case "revoke":
		if err = s.db.RevokeSharecode(ctx, p.ID); err == nil {
			p.Sharecode, flash = "", "Share code revoked: only your own game clients may run this version."
		}
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "action must be create, rotate or revoke")
	}
	if err != nil {
		return studioHTTPError(err)
	}
	return s.renderConnect(c, http.StatusOK, v, p, "", flash)
}
