package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/live/console"
	"github.com/mixstudio/mixstudio/studio"
)

// handleLivePageEvents is the console page's stream (cookie auth).
func (s *Server) handleLivePageEvents(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	return s.streamLive(c, r.channel)
}

// handleLiveAPIEvents serves GET /api/live/{channelID}/events to other
// tools (an overlay, a script) with the channel owner's bearer token.
func (s *Server) handleLiveAPIEvents(c echo.Context) error {
	channelID, err := strconv.ParseInt(c.Param("channelID"), 10, 64)
	if err != nil || channelID <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "no such channel")
	}
	tok := bearerToken(c)
	if tok == "" {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="mixstudio"`)
		return echo.NewHTTPError(http.StatusUnauthorized, "a bearer token is required")
	}
	u, err := s.db.UserByTokenScope(c.Request().Context(), tok, studio.ScopeRobotSelf)
	if err != nil {
		if errors.Is(err, studio.ErrUnauthorized) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="mixstudio", error="invalid_token"`)
		}
		return authError(err)
	}
	if u.ChannelID != channelID {
		return echo.NewHTTPError(http.StatusForbidden, "this token's user does not own that channel")
	}
	return s.streamLive(c, s.cfg.Console.Channel(channelID))
}

// snapshot is what a subscriber gets first (and after a reset): the
// connection state, counters and participants, so it can draw the page.
type liveSnapshot struct {
	Status       console.Status            `json:"status"`
	Stats        console.Stats             `json:"stats"`
	Participants []console.ParticipantInfo `json:"participants"`
	AutoCapture  map[string]bool           `json:"autoCapture"`
	// LiveChanges are the controls changed live and not saved or
	// discarded; Moderation the channel's bans and mutes.
	LiveChanges []console.LiveChange `json:"liveChanges"`
	Moderation  []studio.Moderation  `json:"moderation"`
	// Head is the newest event's id; events after it follow.
	Head uint64 `json:"head"`
}

// maxListedParticipants bounds the participants a snapshot lists (the
// count is always exact).
const maxListedParticipants = 500

// streamLive writes the channel's events as server-sent events until the
// client goes away, the subscription is dropped (too slow), or the server
// shuts down. Each event is one JSON object on one data: line with its
// id; Last-Event-ID resumes after that id while it is in the buffer,
// otherwise an "event: reset" with a snapshot starts over.
func (s *Server) streamLive(c echo.Context, ch *console.Channel) error {
	lastID, hasLast := lastEventID(c.Request())
	sub, resume := ch.Subscribe(lastID, hasLast)
	defer sub.Cancel()
	return s.streamFeed(c, sub, resume, hasLast, func() []byte {
		mod, err := ch.Moderation(c.Request().Context())
		if err != nil {
			s.log.Warn("live snapshot: moderation", "err", err)
		}
		b, _ := json.Marshal(liveSnapshot{Status: ch.Status(), Stats: ch.Stats(), Participants: ch.Participants(maxListedParticipants),
			AutoCapture: ch.AutoCapture(), LiveChanges: ch.LiveChanges(), Moderation: moderationView(mod), Head: resume.Head})
		return b
	})
}

// maxEventsPerFlush bounds how many queued events one flush carries.
const maxEventsPerFlush = 256

// lastEventID reads the Last-Event-ID header: an unreadable one counts as
// too far back to resume.
func lastEventID(req *http.Request) (uint64, bool) {
	v := strings.TrimSpace(req.Header.Get("Last-Event-ID"))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return ^uint64(0), true
	}
	return n, true
}

// streamFeed writes a console feed subscription as server-sent events:
// the snapshot (or a reset with one), the backlog, then each event as it
// comes, with heartbeats, until the client leaves or the subscription ends.
func (s *Server) streamFeed(c echo.Context, sub *console.Subscription, resume console.Resume, hasLast bool, snap func() []byte) error {
	req, w := c.Request(), c.Response()
	// Long-lived: no write deadline, whatever the server's default. The
	// server's ReadTimeout does not reach here: net/http clears the read
	// deadline once the request is read (TestLongLivedRoutesOutliveTheReadTimeout).
	_ = http.NewResponseController(w.Writer).SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)

	var err error
	switch {
	case resume.Reset:
		// The id moves to the head so the next resumption starts there.
		_, err = fmt.Fprintf(w, "id: %d\nevent: reset\ndata: %s\n\n", resume.Head, snap())
	case !hasLast:
		_, err = fmt.Fprintf(w, "retry: 1000\nevent: snapshot\ndata: %s\n\n", snap())
	}
	if err != nil {
		return nil
	}
	for _, ev := range resume.Backlog {
		if err := writeLiveEvent(w, ev); err != nil {
			return nil
		}
	}
	w.Flush()

	beat := time.NewTicker(s.cfg.Console.Heartbeat())
	defer beat.Stop()
	for {
		select {
		case <-req.Context().Done():
			return nil
		case ev, ok := <-sub.C():
			if !ok {
				// Dropped for falling behind, or shutting down: the client
				// reconnects with its Last-Event-ID.
				return nil
			}
			if err := writeLiveEvent(w, ev); err != nil {
				return nil
			}
			// What is already queued goes out in the same flush: at
			// thousands of events a second, a flush each would cost more
			// than the events.
			for n := 0; n < maxEventsPerFlush && len(sub.C()) > 0; n++ {
				ev, ok := <-sub.C()
				if !ok {
					w.Flush()
					return nil
				}
				if err := writeLiveEvent(w, ev); err != nil {
					return nil
				}
			}
			w.Flush()
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}

func writeLiveEvent(w *echo.Response, ev console.Event) error {
	_, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", ev.ID, ev.Data)
	return err
}
