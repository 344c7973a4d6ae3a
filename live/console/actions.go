package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mixstudio/mixstudio/live/client"
	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/studio"
)

// noticeData is a notice event's data: what the streamer changed.
type noticeData struct {
	Action string `json:"action"`
	Detail any    `json:"detail,omitempty"`
}

// SwitchScene shows sceneID to the members of groupID.
func (ch *Channel) SwitchScene(ctx context.Context, groupID, sceneID string) error {
	s, err := ch.current()
	if err != nil {
		return err
	}
	if err := s.c.SwitchScene(ctx, groupID, sceneID); err != nil {
		return readable(err)
	}
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "switchScene", Detail: map[string]string{"group": groupID, "scene": sceneID}})
	ch.remember(ctx, func(st *liveState) {
		if st.Scenes == nil {
			st.Scenes = map[string]string{}
		}
		st.Scenes[groupID] = sceneID
	})
	return nil
}

// MoveParticipant puts one participant into another group.
func (ch *Channel) MoveParticipant(ctx context.Context, sessionID, groupID string) error {
	s, err := ch.current()
	if err != nil {
		return err
	}
	g := groupID
	updated, err := s.c.UpdateParticipants(ctx, 0, []client.ParticipantUpdate{{SessionID: sessionID, GroupID: &g}})
	if err != nil {
		return readable(err)
	}
	// Our mediator skips participants that have left (others answer 4015).
	if len(updated) == 0 {
		return studio.Errorf(studio.ENOTFOUND, "participant %s is not connected", sessionID)
	}
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "moveParticipant", Detail: map[string]string{"participant": sessionID, "group": groupID}})
	if p, ok := ch.stats.participant(sessionID); ok && !p.Anonymous && p.UserID != 0 {
		ch.remember(ctx, func(st *liveState) {
			if st.Groups == nil {
				st.Groups = map[string]string{}
			}
			st.Groups[userKey(p.UserID)] = groupID
		})
	}
	return nil
}

// ControlChange is a live change of one control. Nil fields are left alone.
type ControlChange struct {
	SceneID, ControlID string
	Disabled           *bool
	Text               *string
	Cost               *int64
	Progress           *float64
	// CooldownSeconds cools the button down for that long from now by the
	// server's clock (the protocol's cooldown is a server timestamp).
	CooldownSeconds *int64
	Priority        int
	// SaveBack also saves the change (not the cooldown: it is a moment,
	// not a design) into the draft; Revision is the control's revision
	// the page loaded, so a newer save elsewhere is not overwritten.
	SaveBack bool
	Revision int64
}

// ControlResult says what became of a change.
type ControlResult struct {
	// Saved is true when the change was saved into the draft; Revision is
	// then the control's new revision.
	Saved    bool
	Revision int64
	// SaveError says why a requested save did not happen (the live change
	// stands): a published version, or a revision conflict (ECONFLICT).
	SaveError error
}

// UpdateControl changes a control for the participants at once and, when
// asked, saves the change into the live version if it is a draft.
func (ch *Channel) UpdateControl(ctx context.Context, cc ControlChange) (ControlResult, error) {
	var res ControlResult
	s, err := ch.current()
	if err != nil {
		return res, err
	}
	props := client.Props{}
	set := func(name string, v any) {
		b, _ := json.Marshal(v)
		props[name] = b
	}
	if cc.Disabled != nil {
		set("disabled", *cc.Disabled)
	}
	if cc.Text != nil {
		set("text", *cc.Text)
	}
	if cc.Cost != nil {
		if *cc.Cost < 0 {
			return res, studio.Errorf(studio.EINVALID, "a cost cannot be negative")
		}
		set("cost", *cc.Cost)
	}
	if cc.Progress != nil {
		if *cc.Progress < 0 || *cc.Progress > 1 {
			return res, studio.Errorf(studio.EINVALID, "progress is between 0 and 1")
		}
		set("progress", *cc.Progress)
	}
	if cc.CooldownSeconds != nil {
		if *cc.CooldownSeconds < 0 || *cc.CooldownSeconds > 24*3600 {
			return res, studio.Errorf(studio.EINVALID, "a cooldown is between 0 and 86400 seconds")
		}
		set("cooldown", s.c.ServerNow().Add(time.Duration(*cc.CooldownSeconds)*time.Second).UnixMilli())
	}
	if len(props) == 0 {
		return res, studio.Errorf(studio.EINVALID, "nothing to change")
	}
	if _, err := s.c.UpdateControls(ctx, cc.Priority, cc.SceneID, []client.Control{{ControlID: cc.ControlID, Props: props}}); err != nil {
		return res, readable(err)
	}
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "updateControl",
		Detail: map[string]any{"scene": cc.SceneID, "control": cc.ControlID, "props": props, "priority": cc.Priority}})
	if cc.SaveBack {
		res.Revision, res.SaveError = ch.saveBack(ctx, s.versionID, cc)
		res.Saved = res.SaveError == nil
	}
	ch.remember(ctx, func(st *liveState) {
		c := st.change(cc.SceneID, cc.ControlID)
		for k, v := range props {
			// What was saved into the version is no longer live-only (the
			// cooldown never is saved).
			if res.Saved && k != "cooldown" {
				delete(c.Props, k)
				continue
			}
			c.Props[k] = v
		}
		if len(c.Props) == 0 {
			st.drop(cc.SceneID, cc.ControlID)
		}
	})
	return res, nil
}

// saveBack writes the change's design properties into the draft.
func (ch *Channel) saveBack(ctx context.Context, versionID int64, cc ControlChange) (int64, error) {
	db := ch.m.cfg.DB
	v, err := db.FindVersionOutline(ctx, versionID)
	if err != nil {
		return 0, err
	}
	if !v.Editable() {
		return 0, studio.Errorf(studio.ECONFLICT, "version %d is published, so the change is live but was not saved into it; start a new draft to keep it", v.Number)
	}
	sc, err := db.FindScene(ctx, versionID, cc.SceneID)
	if err != nil {
		return 0, err
	}
	c := sc.Control(cc.ControlID)
	if c == nil {
		return 0, studio.Errorf(studio.ENOTFOUND, "the draft has no control %q in scene %q", cc.ControlID, cc.SceneID)
	}
	ctl := c.Clone()
	ctl.Revision = cc.Revision
	if cc.Disabled != nil {
		ctl.Disabled = studio.Ptr(*cc.Disabled)
	}
	if cc.Text != nil {
		ctl.Text = studio.Ptr(*cc.Text)
	}
	if cc.Cost != nil {
		ctl.Cost = studio.Ptr(*cc.Cost)
	}
	if cc.Progress != nil {
		ctl.Progress = studio.Ptr(*cc.Progress)
	}
	saved, err := db.UpdateControl(ctx, versionID, cc.SceneID, ctl)
	if err != nil {
		return 0, err
	}
	return saved.Revision, nil
}

// Capture charges a spark transaction (from the feed) and publishes the
// result.
func (ch *Channel) Capture(ctx context.Context, transactionID string) (CaptureResult, error) {
	s, err := ch.current()
	if err != nil {
		return CaptureResult{}, err
	}
	if strings.TrimSpace(transactionID) == "" {
		return CaptureResult{}, studio.Errorf(studio.EINVALID, "which transaction?")
	}
	return ch.capture(ctx, s, transactionID, "", false), nil
}

// SetAutoCapture turns automatic capture of a button's transactions on or off.
func (ch *Channel) SetAutoCapture(controlID string, on bool) {
	ch.mu.Lock()
	if on {
		ch.autoCapture[controlID] = true
	} else {
		delete(ch.autoCapture, controlID)
	}
	ch.mu.Unlock()
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "autoCapture", Detail: map[string]any{"control": controlID, "on": on}})
	if ch.LiveVersion() != 0 {
		ch.remember(context.Background(), func(*liveState) {})
	}
}

// AutoCapture lists the controls whose transactions are captured at once.
func (ch *Channel) AutoCapture() map[string]bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	out := make(map[string]bool, len(ch.autoCapture))
	for k, v := range ch.autoCapture {
		out[k] = v
	}
	return out
}

// Broadcast sends data to a scope ("everyone", "group:ID", "scene:ID",
// "participant:UUID"); data must be a JSON object.
func (ch *Channel) Broadcast(ctx context.Context, scope []string, data json.RawMessage) error {
	s, err := ch.current()
	if err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return studio.Errorf(studio.EINVALID, "the data must be a JSON object, like {\"text\": \"hi\"}")
	}
	if len(scope) == 0 {
		return studio.Errorf(studio.EINVALID, "say who receives it: everyone, group:ID, scene:ID or participant:UUID")
	}
	if err := s.c.BroadcastEvent(ctx, scope, data); err != nil {
		return readable(err)
	}
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "broadcast", Detail: map[string]any{"scope": scope, "data": data}})
	return nil
}

// ReplyError is a server's refusal in words a streamer reads.
type ReplyError struct {
	Code    int
	Message string
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("the server refused (%d, %s): %s", e.Code, wire.CodeMessage(e.Code), e.Message)
}

// readable turns a protocol error reply into a ReplyError.
func readable(err error) error {
	var re *client.ReplyError
	if errors.As(err, &re) {
		return &ReplyError{Code: re.Code, Message: re.Message}
	}
	return err
}
