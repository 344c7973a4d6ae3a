package console

import (
	"context"
	"time"

	"github.com/mixstudio/mixstudio/live/client"
	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/studio"
)

// Moderation from the console. The protocol has no method to close a
// participant's socket or to keep someone out, so:
//   - on the embedded mediator (Config.Mediator) the console asks it
//     directly: a ban or kick closes the viewer's sockets with 4025, the
//     mediator refuses a banned viewer's next connections itself (it reads
//     the channel's bans from the database on every join) and refuses a
//     muted viewer's input until the mute ends, whichever game client runs
//     the session;
//   - on a remote mediator only the protocol is left: a mute or a ban
//     disables the participant (updateParticipants), re-applied by the
//     console when a banned or muted signed-in viewer joins again, and a
//     kick is refused. docs/live-console.md says so.

// viewerOf says who a connected participant is. On the embedded mediator
// that includes an anonymous viewer's browser id; elsewhere only what the
// protocol tells (the user id).
func (ch *Channel) viewerOf(s *session, sessionID string) (mediator.Viewer, error) {
	if s.remote == "" && ch.m.cfg.Mediator != nil {
		if v, ok := ch.m.cfg.Mediator.ParticipantOf(ch.id, sessionID); ok {
			return v, nil
		}
		return mediator.Viewer{}, studio.Errorf(studio.ENOTFOUND, "participant %s is not connected", sessionID)
	}
	p, ok := ch.stats.participant(sessionID)
	if !ok {
		return mediator.Viewer{}, studio.Errorf(studio.ENOTFOUND, "participant %s is not connected", sessionID)
	}
	v := mediator.Viewer{SessionID: sessionID, Username: p.Username, Anonymous: p.Anonymous}
	if !p.Anonymous {
		v.ViewerID = remoteViewer(s.remote, p.UserID)
	}
	return v, nil
}

// remoteViewer names a remote mediator's user in this studio's ban list:
// its user ids are not ours, so they are kept apart from our users (and
// from browser ids, which are hex) and only the console compares them.
func remoteViewer(remote string, userID uint64) string {
	return "remote:" + userKey(userID) + "@" + remote
}

func (ch *Channel) embedded(s *session) bool { return s.remote == "" && ch.m.cfg.Mediator != nil }

// moderate records a ban or mute of v; an anonymous viewer without a
// browser id (a client without cookies) can only be acted on now.
func (ch *Channel) moderate(ctx context.Context, v mediator.Viewer, kind string, until time.Time) (studio.Moderation, bool, error) {
	m := studio.Moderation{ChannelID: ch.id, Kind: kind, UserID: v.UserID, ViewerID: v.ViewerID, Username: v.Username}
	if m.Username == "" {
		m.Username = "anonymous viewer"
	}
	if !until.IsZero() {
		m.Until = until.UnixMilli()
	}
	if v.UserID == 0 && v.ViewerID == "" {
		return m, false, nil
	}
	saved, err := ch.m.cfg.DB.Moderate(ctx, m)
	return saved, err == nil, err
}

// Mute refuses a participant's input for d (at most studio.MaxMute), on
// this connection and the next ones until it ends.
func (ch *Channel) Mute(ctx context.Context, sessionID string, d time.Duration) (studio.Moderation, error) {
	if d <= 0 || d > studio.MaxMute {
		return studio.Moderation{}, studio.Errorf(studio.EINVALID, "a mute lasts from 1 minute to %d days", int(studio.MaxMute/(24*time.Hour)))
	}
	s, err := ch.current()
	if err != nil {
		return studio.Moderation{}, err
	}
	v, err := ch.viewerOf(s, sessionID)
	if err != nil {
		return studio.Moderation{}, err
	}
	until := ch.m.cfg.Now().Add(d)
	m, _, err := ch.moderate(ctx, v, studio.ModerationMute, until)
	if err != nil {
		return m, err
	}
	if ch.embedded(s) {
		ch.m.cfg.Mediator.Mute(ch.id, v, until)
	} else if err := ch.disableFor(ctx, s, []string{sessionID}, d); err != nil {
		return m, err
	}
	ch.moderationChanged(ctx, "mute", v)
	return m, nil
}

// Kick closes a participant's sockets (4025); the viewer may come back.
func (ch *Channel) Kick(ctx context.Context, sessionID string) error {
	s, err := ch.current()
	if err != nil {
		return err
	}
	if !ch.embedded(s) {
		return studio.Errorf(studio.ECONFLICT, "a remote mediator cannot be asked to close a viewer's connection; mute or ban instead")
	}
	v, err := ch.viewerOf(s, sessionID)
	if err != nil {
		return err
	}
	// This socket only: the viewer's other tabs stay.
	ch.m.cfg.Mediator.Remove(ch.id, mediator.Viewer{SessionID: sessionID}, mediator.KickedReason)
	ch.moderationChanged(ctx, "kick", v)
	return nil
}

// Ban keeps a participant out of the channel until lifted: its sockets
// close with 4025 and reconnecting is refused with 4025 (by user; for an
// anonymous viewer, by browser).
func (ch *Channel) Ban(ctx context.Context, sessionID string) (studio.Moderation, error) {
	s, err := ch.current()
	if err != nil {
		return studio.Moderation{}, err
	}
	v, err := ch.viewerOf(s, sessionID)
	if err != nil {
		return studio.Moderation{}, err
	}
	m, kept, err := ch.moderate(ctx, v, studio.ModerationBan, time.Time{})
	if err != nil {
		return m, err
	}
	if !kept {
		v = mediator.Viewer{SessionID: sessionID} // nothing to know them by again
	}
	if ch.embedded(s) {
		ch.m.cfg.Mediator.Remove(ch.id, v, mediator.BannedReason)
	} else if err := ch.disableFor(ctx, s, []string{sessionID}, 0); err != nil {
		return m, err
	}
	ch.moderationChanged(ctx, "ban", v)
	return m, nil
}

// Moderation lists the channel's bans and mutes in force.
func (ch *Channel) Moderation(ctx context.Context) ([]studio.Moderation, error) {
	return ch.m.cfg.DB.ListModeration(ctx, ch.id, ch.m.cfg.Now())
}

// Lift removes a ban or a mute; a lifted mute takes effect at once on the
// embedded mediator (on a remote one, at the viewer's next join).
func (ch *Channel) Lift(ctx context.Context, id int64) (studio.Moderation, error) {
	m, err := ch.m.cfg.DB.LiftModeration(ctx, ch.id, id)
	if err != nil {
		return m, err
	}
	v := mediator.Viewer{UserID: m.UserID, ViewerID: m.ViewerID, Username: m.Username}
	if s, err := ch.current(); err == nil && m.Kind == studio.ModerationMute && ch.embedded(s) {
		ch.m.cfg.Mediator.Mute(ch.id, v, time.Time{})
	}
	ch.moderationChanged(ctx, "lift", v)
	return m, nil
}

// moderationChanged tells the page what happened and the list now.
func (ch *Channel) moderationChanged(ctx context.Context, action string, v mediator.Viewer) {
	list, err := ch.Moderation(ctx)
	if err != nil {
		ch.m.log.Warn("live console: list moderation", "channel", ch.id, "err", err)
	}
	if list == nil {
		list = []studio.Moderation{}
	}
	name := v.Username
	if name == "" {
		name = "anonymous viewer"
	}
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "moderation", Detail: map[string]any{"did": action, "viewer": name, "list": list}})
}

// disableFor disables participants through the protocol (a remote
// mediator) and, when d > 0, enables them again after d.
func (ch *Channel) disableFor(ctx context.Context, s *session, sessionIDs []string, d time.Duration) error {
	if err := ch.setDisabled(ctx, s, sessionIDs, true); err != nil {
		return err
	}
	if d > 0 {
		time.AfterFunc(d, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if cur, err := ch.current(); err == nil && cur == s {
				_ = ch.setDisabled(ctx, s, sessionIDs, false)
			}
		})
	}
	return nil
}

func (ch *Channel) setDisabled(ctx context.Context, s *session, sessionIDs []string, disabled bool) error {
	ups := make([]client.ParticipantUpdate, len(sessionIDs))
	for i, id := range sessionIDs {
		ups[i] = client.ParticipantUpdate{SessionID: id, Disabled: &disabled}
	}
	if _, err := s.c.UpdateParticipants(ctx, 0, ups); err != nil {
		return readable(err)
	}
	return nil
}

// joinWork reports whether onJoin has anything to do in this session.
func (ch *Channel) joinWork(s *session) bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return !ch.embedded(s) || len(ch.state.Groups) > 0
}

// onJoin runs, off the event loop, what the console does for participants
// who join: move a signed-in viewer back to the group the streamer put
// them in before a restart, and on a remote mediator disable a banned or
// muted one (the embedded mediator enforces those itself).
func (ch *Channel) onJoin(s *session, joined []ParticipantInfo) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch.mu.Lock()
	groups := ch.state.Groups
	ch.mu.Unlock()
	for _, p := range joined {
		if p.Anonymous || p.UserID == 0 {
			continue
		}
		if g := groups[userKey(p.UserID)]; g != "" && g != p.GroupID {
			gid := g
			if _, err := s.c.UpdateParticipants(ctx, 0, []client.ParticipantUpdate{{SessionID: p.SessionID, GroupID: &gid}}); err != nil {
				ch.m.log.Warn("live console: move a participant back to their group", "channel", ch.id, "err", err)
			}
		}
		if ch.embedded(s) {
			continue
		}
		st, err := ch.m.cfg.DB.ModerationStanding(ctx, ch.id, 0, remoteViewer(s.remote, p.UserID), ch.m.cfg.Now())
		if err != nil || (!st.Banned && st.MutedUntil.IsZero()) {
			continue
		}
		var d time.Duration
		if !st.Banned {
			d = st.MutedUntil.Sub(ch.m.cfg.Now())
		}
		if err := ch.disableFor(ctx, s, []string{p.SessionID}, d); err != nil {
			ch.m.log.Warn("live console: disable a banned or muted participant", "channel", ch.id, "err", err)
		}
	}
}
