package console

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/mixstudio/mixstudio/live/client"
	"github.com/mixstudio/mixstudio/studio"
)

// liveState is what the streamer changed live: it is saved with the
// channel's live row after every change, and a restart restores it before
// the resumed session is ready.
type liveState struct {
	// Scenes is the scene each group was switched to.
	Scenes map[string]string `json:"scenes,omitempty"`
	// Groups is the group each signed-in participant (by user id) was
	// moved to; they are moved back when they rejoin.
	Groups map[string]string `json:"groups,omitempty"`
	// Controls are the live-only changes (not saved into the version)
	// that the streamer did not discard.
	Controls []LiveChange `json:"controls,omitempty"`
	// AutoCapture lists the buttons whose transactions are captured at once.
	AutoCapture []string `json:"autoCapture,omitempty"`
}

// LiveChange is a control's properties as changed live (the cooldown as
// the server timestamp it ends at).
type LiveChange struct {
	Scene   string                     `json:"scene"`
	Control string                     `json:"control"`
	Props   map[string]json.RawMessage `json:"props"`
}

func (st liveState) clone() liveState {
	out := liveState{Scenes: maps.Clone(st.Scenes), Groups: maps.Clone(st.Groups), AutoCapture: slices.Clone(st.AutoCapture)}
	for _, c := range st.Controls {
		out.Controls = append(out.Controls, LiveChange{Scene: c.Scene, Control: c.Control, Props: maps.Clone(c.Props)})
	}
	return out
}

// change returns the live change of a control, adding it if missing
// (under Channel.mu).
func (st *liveState) change(scene, control string) *LiveChange {
	for i := range st.Controls {
		if st.Controls[i].Scene == scene && st.Controls[i].Control == control {
			return &st.Controls[i]
		}
	}
	st.Controls = append(st.Controls, LiveChange{Scene: scene, Control: control, Props: map[string]json.RawMessage{}})
	return &st.Controls[len(st.Controls)-1]
}

// drop removes a control's live change (under Channel.mu).
func (st *liveState) drop(scene, control string) {
	st.Controls = slices.DeleteFunc(st.Controls, func(c LiveChange) bool { return c.Scene == scene && c.Control == control })
}

// stateJSON encodes the channel's live state with its auto-capture list.
func (ch *Channel) stateJSON() []byte {
	ch.mu.Lock()
	st := ch.state.clone()
	st.AutoCapture = slices.Sorted(maps.Keys(ch.autoCapture))
	ch.mu.Unlock()
	b, _ := json.Marshal(st)
	return b
}

// remember applies fn to the live state, saves it with the live row and
// tells the page the list of live-only changes.
func (ch *Channel) remember(ctx context.Context, fn func(*liveState)) {
	ch.mu.Lock()
	fn(&ch.state)
	changes := ch.state.clone().Controls
	ch.mu.Unlock()
	if err := ch.m.cfg.DB.SetLiveChannelState(context.WithoutCancel(ctx), ch.id, ch.stateJSON()); err != nil {
		ch.m.log.Warn("live console: save the live state", "channel", ch.id, "err", err)
	}
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "liveChanges", Detail: changesOrEmpty(changes)})
}

func changesOrEmpty(cs []LiveChange) []LiveChange {
	if cs == nil {
		return []LiveChange{}
	}
	return cs
}

// LiveChanges lists the controls changed live and not saved or discarded.
func (ch *Channel) LiveChanges() []LiveChange {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return changesOrEmpty(ch.state.clone().Controls)
}

// restore re-applies what was changed live before a restart: scenes per
// group and control changes (a cooldown only if it has not ended). A
// change the server refuses is reported and dropped; the show goes on.
func (ch *Channel) restore(ctx context.Context, s *session, st liveState) {
	now := s.c.ServerNow().UnixMilli()
	for _, g := range slices.Sorted(maps.Keys(st.Scenes)) {
		if err := s.c.SwitchScene(ctx, g, st.Scenes[g]); err != nil {
			ch.restoreFailed(ctx, "group "+g+" to scene "+st.Scenes[g], err, func(st *liveState) { delete(st.Scenes, g) })
		}
	}
	for _, c := range st.Controls {
		props := client.Props{}
		for k, v := range c.Props {
			if k == "cooldown" {
				var until int64
				if json.Unmarshal(v, &until) != nil || until <= now {
					continue
				}
			}
			props[k] = v
		}
		if len(props) == 0 {
			continue
		}
		if _, err := s.c.UpdateControls(ctx, 0, c.Scene, []client.Control{{ControlID: c.Control, Props: props}}); err != nil {
			ch.restoreFailed(ctx, "control "+c.Control, err, func(st *liveState) { st.drop(c.Scene, c.Control) })
		}
	}
}

func (ch *Channel) restoreFailed(ctx context.Context, what string, err error, forget func(*liveState)) {
	ch.m.log.Warn("live console: restore after a restart", "channel", ch.id, "what", what, "err", err)
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "restoreFailed", Detail: map[string]string{"what": what, "error": readable(err).Error()}})
	ch.remember(ctx, forget)
}

// Resume brings back every channel that was live when the server stopped:
// the same version on the same mediator, with what was changed live. A
// channel that cannot resume says why in its state and is forgotten.
func (m *Manager) Resume(ctx context.Context) {
	rows, err := m.cfg.DB.ListLiveChannels(ctx)
	if err != nil {
		m.log.Error("live console: list the channels to resume", "err", err)
		return
	}
	for _, row := range rows {
		ch := m.Channel(row.ChannelID)
		var st liveState
		if err := json.Unmarshal(row.State, &st); err != nil {
			m.log.Warn("live console: unreadable live state; resuming without it", "channel", row.ChannelID, "err", err)
			st = liveState{}
		}
		owner, err := m.cfg.DB.UserByID(ctx, row.UserID)
		if err == nil {
			opts := LiveOptions{VersionID: row.VersionID, RemoteURL: row.RemoteURL, RemoteToken: row.RemoteToken, RemoteVersion: row.RemoteVersion}
			dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err = ch.goLive(dialCtx, owner, opts, st, row.StartedAt)
			cancel()
		}
		if errors.Is(err, ErrShutdown) || ctx.Err() != nil {
			return // stopping again: the row stays for the next start
		}
		if err != nil {
			m.log.Warn("live console: could not resume after the restart", "channel", row.ChannelID, "err", err)
			if derr := m.cfg.DB.DeleteLiveChannel(context.WithoutCancel(ctx), row.ChannelID); derr != nil {
				m.log.Warn("live console: forget the live channel", "channel", row.ChannelID, "err", derr)
			}
			ch.setStatus(Status{State: StateStopped, VersionID: row.VersionID, Remote: row.RemoteURL,
				Reason: "could not resume after the restart: " + studio.ErrorMessage(err)})
			continue
		}
		m.log.Info("live console: resumed after the restart", "channel", row.ChannelID, "version", row.VersionID)
	}
}

// userKey is how liveState.Groups names a participant's user.
func userKey(id uint64) string { return strconv.FormatUint(id, 10) }

// DiscardChange undoes a control's live-only changes: the control goes
// back to the version's saved properties for the participants at once,
// and a restart no longer restores them.
func (ch *Channel) DiscardChange(ctx context.Context, sceneID, controlID string) error {
	s, err := ch.current()
	if err != nil {
		return err
	}
	ch.mu.Lock()
	var changed []string
	for _, c := range ch.state.Controls {
		if c.Scene == sceneID && c.Control == controlID {
			changed = slices.Sorted(maps.Keys(c.Props))
		}
	}
	ch.mu.Unlock()
	if len(changed) == 0 {
		return studio.Errorf(studio.ENOTFOUND, "control %q of scene %q has no live-only change", controlID, sceneID)
	}
	sc, err := ch.m.cfg.DB.FindScene(ctx, s.versionID, sceneID)
	if err != nil {
		return err
	}
	saved := sc.Control(controlID)
	if saved == nil {
		return studio.Errorf(studio.ENOTFOUND, "the version has no control %q in scene %q", controlID, sceneID)
	}
	design, err := json.Marshal(saved)
	if err != nil {
		return err
	}
	var designProps map[string]json.RawMessage
	if err := json.Unmarshal(design, &designProps); err != nil {
		return err
	}
	props := client.Props{}
	for _, k := range changed {
		if v, ok := designProps[k]; ok {
			props[k] = v
			continue
		}
		props[k] = zeroProp(k) // the design leaves it unset: the protocol's default
	}
	if _, err := s.c.UpdateControls(ctx, 0, sceneID, []client.Control{{ControlID: controlID, Props: props}}); err != nil {
		return readable(err)
	}
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "discardChange", Detail: map[string]any{"scene": sceneID, "control": controlID, "props": props}})
	ch.remember(ctx, func(st *liveState) { st.drop(sceneID, controlID) })
	return nil
}

// zeroProp is a property's value when a control does not set it.
func zeroProp(name string) json.RawMessage {
	switch name {
	case "disabled":
		return json.RawMessage("false")
	case "text":
		return json.RawMessage(`""`)
	}
	return json.RawMessage("0") // cost, progress, cooldown
}
