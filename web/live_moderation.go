package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/studio"
)

// handleLiveModerate applies one moderation action to a connected
// participant: action=mute (minutes), kick or ban.
func (s *Server) handleLiveModerate(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	session := strings.TrimSpace(c.FormValue("participant"))
	if session == "" {
		return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: "which participant?"})
	}
	var msg string
	switch c.FormValue("action") {
	case "mute":
		mins, err := strconv.Atoi(strings.TrimSpace(c.FormValue("minutes")))
		if err != nil || mins < 1 {
			return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: "mute for how many minutes? (a whole number, at least 1)"})
		}
		m, err := r.channel.Mute(ctx, session, time.Duration(mins)*time.Minute)
		if err != nil {
			return s.liveFail(c, err)
		}
		msg = m.Username + " is muted for " + strconv.Itoa(mins) + " min."
	case "kick":
		if err := r.channel.Kick(ctx, session); err != nil {
			return s.liveFail(c, err)
		}
		msg = "Removed from the session (they may come back)."
	case "ban":
		m, err := r.channel.Ban(ctx, session)
		if err != nil {
			return s.liveFail(c, err)
		}
		msg = m.Username + " is banned."
		if m.ID == 0 {
			msg = "Removed; this anonymous client sent no viewer id, so it cannot be kept out."
		}
	default:
		return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: "the action is mute, kick or ban"})
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: msg})
}

// handleLiveLift lifts a ban or a mute of the channel (field id).
func (s *Server) handleLiveLift(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("id")), 10, 64)
	if err != nil || id <= 0 {
		return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: "which ban or mute?"})
	}
	m, err := r.channel.Lift(c.Request().Context(), id)
	if err != nil {
		return s.liveFail(c, err)
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: "Lifted the " + m.Kind + " of " + m.Username + "."})
}

// handleLiveDiscard undoes a control's live-only changes (scene, control).
func (s *Server) handleLiveDiscard(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	if err := r.channel.DiscardChange(c.Request().Context(), c.FormValue("scene"), c.FormValue("control")); err != nil {
		return s.liveFail(c, err)
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: "Back to the saved version."})
}

// moderationView is the channel's bans and mutes as the page lists them.
func moderationView(list []studio.Moderation) []studio.Moderation {
	if list == nil {
		return []studio.Moderation{}
	}
	return list
}

// ensureViewerCookie gives an anonymous viewer's browser an id of its own
// (mediator.ViewerCookie), which the participant socket carries: a ban of
// an anonymous viewer is a ban of that browser.
func (s *Server) ensureViewerCookie(c echo.Context) {
	if ck, err := c.Cookie(mediator.ViewerCookie); err == nil && ck.Value != "" {
		return
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return
	}
	c.SetCookie(&http.Cookie{
		Name: mediator.ViewerCookie, Value: hex.EncodeToString(b), Path: "/",
		MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.cfg.PublicURL, "https://"),
	})
}
