package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
)

// currentUserJSON is Mixer's /users/current, reduced to what clients read.
type currentUserJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Level    int    `json:"level"`
	Channel  struct {
		ID int64 `json:"id"`
	} `json:"channel"`
}

// handleCurrentUser answers GET /api/v1/users/current for a bearer token.
func (s *Server) handleCurrentUser(c echo.Context) error {
	tok := bearerToken(c)
	if tok == "" {
		return echo.NewHTTPError(http.StatusUnauthorized, "an Authorization: Bearer token is required")
	}
	u, err := s.db.UserByToken(c.Request().Context(), tok)
	if err != nil {
		return authError(err)
	}
	var out currentUserJSON
	out.ID, out.Username, out.Level, out.Channel.ID = u.ID, u.Username, u.Level, u.ChannelID
	return c.JSON(http.StatusOK, out)
}

// participantJoinJSON is what Mixer's GET /interactive/{channelID} gave
// participants: where to connect and the key to connect with.
type participantJoinJSON struct {
	SocketAddress string `json:"socketAddress"`
	Key           string `json:"key,omitempty"`
	User          int64  `json:"user,omitempty"`
	// ContentAddress is the control bundle of the running version, as
	// Mixer's API gave it to its hosts (cdk-std's Participant.connect).
	ContentAddress string `json:"contentAddress,omitempty"`
}

// handleParticipantJoin answers GET /api/v1/interactive/{channelID}. With a
// bearer token (or a signed-in session) the answer carries a fresh
// participant key for that user; with neither, an anonymous viewer gets
// only the address. An unknown channel is 404.
func (s *Server) handleParticipantJoin(c echo.Context) error {
	ctx := c.Request().Context()
	channelID, err := strconv.ParseInt(c.Param("channelID"), 10, 64)
	if err != nil || channelID <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "no such channel")
	}
	if _, err := s.db.UserByChannel(ctx, channelID); err != nil {
		if errors.Is(err, studio.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "no such channel")
		}
		return err
	}
	out := participantJoinJSON{SocketAddress: s.viewerSocketBase(c) + "/participant?channel=" + strconv.FormatInt(channelID, 10)}
	if out.ContentAddress, err = s.channelBundle(ctx, channelID); err != nil {
		return err
	}
	var viewer studio.User
	var known bool
	if tok := bearerToken(c); tok != "" {
		if viewer, err = s.db.UserByToken(ctx, tok); err != nil {
			return authError(err) // a bad token is an error, not anonymity
		}
		known = true
	} else {
		viewer, known = s.sessionUser(c)
	}
	if known {
		key, err := s.participantKey(ctx, viewer)
		if err != nil {
			return err
		}
		out.Key, out.User = key, viewer.ID
	} else {
		s.ensureViewerCookie(c)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// viewerSocketBase is where a viewer's socket goes: in a cluster the
// least-loaded node (docs/scaling.md), else socketBase.
func (s *Server) viewerSocketBase(c echo.Context) string {
	if s.cfg.Mediator != nil {
		if u := s.cfg.Mediator.ViewerSocket(); u != "" {
			return u
		}
	}
	return s.socketBase(c)
}

// socketBase is ws://HOST (wss behind TLS or an https public URL).
func (s *Server) socketBase(c echo.Context) string {
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Host != "" {
		scheme := "ws"
		if strings.EqualFold(u.Scheme, "https") {
			scheme = "wss"
		}
		return scheme + "://" + u.Host
	}
	scheme := "ws"
	if c.Request().TLS != nil {
		scheme = "wss"
	}
	return scheme + "://" + c.Request().Host
}
