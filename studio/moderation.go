package studio

import (
	"strings"
	"time"
)

// Moderation kinds: a ban keeps a viewer out of the channel; a mute keeps
// the viewer's input disabled until it ends.
const (
	ModerationBan  = "ban"
	ModerationMute = "mute"
)

// MaxMute is the longest mute a streamer can set in one go.
const MaxMute = 7 * 24 * time.Hour

// Moderation is a ban or a mute on a channel. Its subject is a signed-in
// user (UserID) or an anonymous viewer's browser (ViewerID, the play
// page's viewer cookie): exactly one is set.
type Moderation struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channelID"`
	Kind      string `json:"kind"`
	UserID    int64  `json:"userID,omitempty"`
	ViewerID  string `json:"viewerID,omitempty"`
	Username  string `json:"username"`
	// Until is when it ends (unix ms); 0 means until it is lifted.
	Until     int64 `json:"until,omitempty"`
	CreatedAt int64 `json:"createdAt"`
}

// Validate checks the rules every stored entry keeps.
func (m Moderation) Validate() error {
	switch m.Kind {
	case ModerationBan, ModerationMute:
	default:
		return Errorf(EINVALID, "moderation is a ban or a mute, not %q", m.Kind)
	}
	if (m.UserID == 0) == (strings.TrimSpace(m.ViewerID) == "") {
		return Errorf(EINVALID, "a ban or mute is about one viewer: a signed-in user or an anonymous viewer's browser")
	}
	if m.Kind == ModerationMute && m.Until == 0 {
		return Errorf(EINVALID, "a mute needs an end")
	}
	return nil
}

// Active reports whether the entry is in force at now.
func (m Moderation) Active(now time.Time) bool {
	return m.Until == 0 || m.Until > now.UnixMilli()
}

// Standing is what a channel's moderation says about one viewer now.
type Standing struct {
	Banned bool
	// MutedUntil is when the viewer's mute ends (zero: not muted).
	MutedUntil time.Time
}
