package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// The stream overlay: GET /overlay/{channelID}?key=KEY is a transparent
// page for an OBS browser source, fed by GET /overlay/{channelID}/events
// (server-sent events with Last-Event-ID resumption) and showing files of
// the live version from /overlay/{channelID}/files/{versionID}/{name}.
// Every one of them needs the channel's current overlay key: an OBS source
// cannot sign in, so the URL is the credential, and rotating it cuts off
// the old one.

// overlayScript is the overlay page's own script.
const overlayScript = "/static/js/overlay/overlay.js"

// overlayChannel checks the path's channel and the query's key; 404 for an
// unknown channel, 403 without the current key.
func (s *Server) overlayChannel(c echo.Context) (int64, error) {
	id, _, err := s.playChannel(c)
	if err != nil {
		return 0, err
	}
	ok, err := s.db.OverlayKeyMatches(c.Request().Context(), id, c.QueryParam("key"))
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, echo.NewHTTPError(http.StatusForbidden, "This overlay URL has no key or an old one: copy the current overlay URL from the live console (or `mixstudio overlay`).")
	}
	return id, nil
}

var cssColorRE = regexp.MustCompile(`^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]+\)|hsla?\([0-9., %deg]+\))$`)

// overlayPositions are the places an overlay's box may sit.
var overlayPositions = []string{"top-left", "top", "top-right", "center", "bottom-left", "bottom", "bottom-right"}

// overlayOptions reads the look from the query: position, size (font px),
// color, background, accent. Anything unreadable keeps the default, so a
// typo in OBS never blanks the overlay.
func overlayOptions(q url.Values) templates.OverlayOptions {
	o := templates.OverlayOptions{Position: "top-right", FontSize: 28, Color: "#ffffff", Background: "rgba(0,0,0,0.6)", Accent: "#4f8cff"}
	for _, p := range overlayPositions {
		if q.Get("position") == p {
			o.Position = p
		}
	}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && n >= 8 && n <= 200 {
		o.FontSize = n
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"color", &o.Color}, {"background", &o.Background}, {"accent", &o.Accent}} {
		if v := strings.TrimSpace(q.Get(f.name)); v != "" && len(v) <= 64 && cssColorRE.MatchString(v) {
			*f.dst = v
		}
	}
	return o
}

// handleOverlay serves the overlay page.
func (s *Server) handleOverlay(c echo.Context) error {
	id, err := s.overlayChannel(c)
	if err != nil {
		return err
	}
	key := url.QueryEscape(c.QueryParam("key"))
	base := "/overlay/" + strconv.FormatInt(id, 10)
	v := templates.OverlayView{
		Script:    overlayScript,
		EventsURL: base + "/events?key=" + key,
		FilesURL:  base + "/files/",
		Key:       c.QueryParam("key"),
		Options:   overlayOptions(c.QueryParams()),
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the key is in the URL
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "+
		"connect-src 'self'; img-src 'self'; media-src 'self'; style-src 'self' 'unsafe-inline'")
	return writeComponent(c, http.StatusOK, templates.OverlayPage(v))
}

// handleOverlayEvents streams the overlay's events.
func (s *Server) handleOverlayEvents(c echo.Context) error {
	id, err := s.overlayChannel(c)
	if err != nil {
		return err
	}
	ch := s.cfg.Console.Channel(id)
	lastID, hasLast := lastEventID(c.Request())
	sub, resume := ch.SubscribeOverlay(lastID, hasLast)
	defer sub.Cancel()
	return s.streamFeed(c, sub, resume, hasLast, func() []byte {
		snap := ch.OverlaySnapshot()
		snap.Head = resume.Head
		b, _ := json.Marshal(snap)
		return b
	})
}

// handleOverlayFile serves an alert's image or sound: a file of a version
// of the channel owner's.
func (s *Server) handleOverlayFile(c echo.Context) error {
	id, err := s.overlayChannel(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	versionID, err := strconv.ParseInt(c.Param("version"), 10, 64)
	if err != nil || versionID <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "no such file")
	}
	if err := s.versionOfChannel(ctx, versionID, id); err != nil {
		return err
	}
	f, err := s.db.FindVersionFile(ctx, versionID, c.Param("name"))
	if errors.Is(err, studio.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "no such file")
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Blob(http.StatusOK, f.ContentType, f.Data)
}

// versionOfChannel answers 404 unless the version belongs to the channel's owner.
func (s *Server) versionOfChannel(ctx context.Context, versionID, channelID int64) error {
	owner, err := s.db.UserByChannel(ctx, channelID)
	if err != nil {
		return err
	}
	// The one access check (persistence/studio_access.go): another user's
	// version answers as a missing one.
	_, err = s.db.FindUserVersionOutline(ctx, owner.ID, versionID)
	if errors.Is(err, studio.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "no such file")
	}
	return err
}

// overlayURL is the channel's overlay URL with its key, on the public URL
// when there is one, else on the host the request came to.
func (s *Server) overlayURL(c echo.Context, channelID int64) (string, error) {
	key, err := s.db.OverlayKey(c.Request().Context(), channelID)
	if err != nil {
		return "", err
	}
	return OverlayURL(s.publicBase(c), channelID, key), nil
}

// OverlayURL builds an overlay URL (also for `mixstudio overlay`).
func OverlayURL(base string, channelID int64, key string) string {
	return strings.TrimRight(base, "/") + "/overlay/" + strconv.FormatInt(channelID, 10) + "?key=" + url.QueryEscape(key)
}

// publicBase is the base URL viewers and OBS reach this server at.
func (s *Server) publicBase(c echo.Context) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

// handleOverlayRotate gives the channel a new overlay key (the console's
// button): the old URL stops working at once.
func (s *Server) handleOverlayRotate(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	key, err := s.db.RotateOverlayKey(c.Request().Context(), r.user.ChannelID)
	if err != nil {
		return err
	}
	u := OverlayURL(s.publicBase(c), r.user.ChannelID, key)
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "message": "New overlay URL (paste it into OBS; the old one no longer works): " + u, "url": u})
}
