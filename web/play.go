package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// playScript is the participant page's entry module (static/js/play/).
const playScript = "/static/js/play/main.js"

// playGrids is studio.Grids as the play script reads them.
var playGrids = func() string {
	b, err := json.Marshal(studio.Grids)
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// playChannel resolves the path's channel to its owner; an unknown or
// malformed channel is 404.
func (s *Server) playChannel(c echo.Context) (int64, studio.User, error) {
	id, err := strconv.ParseInt(c.Param("channelID"), 10, 64)
	if err != nil || id <= 0 {
		return 0, studio.User{}, echo.NewHTTPError(http.StatusNotFound, "no such channel")
	}
	owner, err := s.db.UserByChannel(c.Request().Context(), id)
	if errors.Is(err, studio.ErrNotFound) {
		return 0, studio.User{}, echo.NewHTTPError(http.StatusNotFound, "no such channel")
	}
	if err != nil {
		return 0, studio.User{}, err
	}
	return id, owner, nil
}

// handlePlay serves GET /play/{channelID}. The viewer is the session
// cookie's user (as for /api/v1/interactive/{channelID}, which the script
// asks for its participant key), or anonymous.
func (s *Server) handlePlay(c echo.Context) error {
	id, owner, err := s.playChannel(c)
	if err != nil {
		return err
	}
	v := templates.PlayView{
		ChannelID: id,
		Streamer:  owner.Username,
		SignInURL: "/signin?next=" + url.QueryEscape(c.Request().URL.Path),
		Grids:     playGrids,
		UnitPx:    studio.UnitPx,
	}
	if viewer, ok := s.sessionUser(c); ok {
		v.Viewer = viewer.Username
		c.Set(userNameContextKey, viewer.Username) // the layout names the viewer
		if v.Sparks, err = s.db.SparksBalance(c.Request().Context(), viewer.ID); err != nil {
			return err
		}
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", s.playCSP(c))
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	return s.renderView(c, http.StatusOK, view{Title: owner.Username + " · play", Page: templates.PlayPage(v), Scripts: []string{playScript}})
}

// playCSP allows scripts from this server only: control text is data from
// the game client and must never run. Sockets may go to the public URL's
// host, which can differ from the page's (a separate mediator host), and
// in a cluster to any of its nodes.
func (s *Server) playCSP(c echo.Context) string {
	connect := "'self' " + s.socketBase(c)
	if s.cfg.Mediator != nil {
		for _, u := range s.cfg.Mediator.NodeSockets() {
			connect += " " + u
		}
	}
	return "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; " +
		"connect-src " + connect + "; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'"
}

// playSparksJSON is the viewer's balance as the page shows it.
type playSparksJSON struct {
	SignedIn bool  `json:"signedIn"`
	Sparks   int64 `json:"sparks"`
}

// handlePlaySparks answers GET /play/{channelID}/sparks: the page refreshes
// the balance after a paid press and after reconnecting.
func (s *Server) handlePlaySparks(c echo.Context) error {
	if _, _, err := s.playChannel(c); err != nil {
		return err
	}
	var out playSparksJSON
	if viewer, ok := s.sessionUser(c); ok {
		b, err := s.db.SparksBalance(c.Request().Context(), viewer.ID)
		if err != nil {
			return err
		}
		out = playSparksJSON{SignedIn: true, Sparks: b}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
