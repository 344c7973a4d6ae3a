package mediator

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/studio"
)

// ViewerCookie names an anonymous viewer's browser: the studio sets it on
// the play page's join request, and the participant socket (same host)
// carries it. A ban or mute of an anonymous viewer is about this id.
const ViewerCookie = "mixstudio_viewer"

// Close reasons of moderation; the play page tells them apart by the
// prefix before the colon.
const (
	BannedReason = "banned: The streamer banned you from this channel."
	KickedReason = "removed: The streamer removed you from the session."
)

// moderatedStore is implemented by stores that keep bans and mutes
// (*persistence.DB does); without it nobody is banned or muted.
type moderatedStore interface {
	ModerationStanding(ctx context.Context, channelID, userID int64, viewerID string, now time.Time) (studio.Standing, error)
}

// Viewer is who a participant is, as moderation needs it.
type Viewer struct {
	SessionID string
	UserID    int64
	Username  string
	// ViewerID is an anonymous participant's browser id (ViewerCookie);
	// empty for a signed-in one, or an anonymous client without cookies.
	ViewerID  string
	Anonymous bool
}

// matches reports whether p is the viewer v names (by user, else by
// browser, else by this one socket).
func (v Viewer) matches(p *participant) bool {
	switch {
	case v.UserID != 0:
		return !p.anonymous && p.userID == v.UserID
	case v.ViewerID != "":
		return p.anonymous && p.viewerID == v.ViewerID
	}
	return p.sessionID == v.SessionID
}

// viewerID reads an anonymous participant's browser id.
func viewerID(r *http.Request) string {
	c, err := r.Cookie(ViewerCookie)
	if err != nil || len(c.Value) > 64 {
		return ""
	}
	return c.Value
}

// standing asks the store whether the participant may join, and whether
// muted.
func (m *Mediator) standing(ctx context.Context, channelID int64, user User, viewer string) (studio.Standing, error) {
	ms, ok := m.store.(moderatedStore)
	if !ok {
		return studio.Standing{}, nil
	}
	return ms.ModerationStanding(ctx, channelID, user.ID, viewer, m.now())
}

// ParticipantOf returns who a connected participant of the channel is.
func (m *Mediator) ParticipantOf(channelID int64, sessionID string) (Viewer, bool) {
	s := m.sessionFor(channelID)
	if s == nil {
		return Viewer{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.parts[sessionID]
	if p == nil {
		return Viewer{}, false
	}
	return Viewer{SessionID: p.sessionID, UserID: p.userID, Username: p.username, ViewerID: p.viewerID, Anonymous: p.anonymous}, true
}

// Remove closes the sockets of the channel's participants that are v with
// 4025 and reason (KickedReason, BannedReason); it returns how many.
// Whether they may come back is the store's ban list.
func (m *Mediator) Remove(channelID int64, v Viewer, reason string) int {
	s := m.sessionFor(channelID)
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.parts {
		if v.matches(p) {
			s.removeLocked(p)
			p.peer().CloseWith(wire.CodeAccessRevoked, reason)
			n++
		}
	}
	return n
}

// Mute refuses the input of the channel's participants that are v until
// the given time (a zero time lifts it); it returns how many.
func (m *Mediator) Mute(channelID int64, v Viewer, until time.Time) int {
	s := m.sessionFor(channelID)
	if s == nil {
		return 0
	}
	ms := int64(0)
	if !until.IsZero() {
		ms = until.UnixMilli()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.parts {
		if v.matches(p) {
			p.mutedUntil = ms
			n++
		}
	}
	return n
}

// mutedMessage is what a muted participant's input is refused with.
func mutedMessage(until, now int64) string {
	mins := (until - now + 59_999) / 60_000
	if mins <= 1 {
		return "The streamer muted you for a minute."
	}
	return "The streamer muted you for " + strconv.FormatInt(mins, 10) + " more minutes."
}
