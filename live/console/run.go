package console

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/mixstudio/mixstudio/live/client"
)

// inputData is an input event's data.
type inputData struct {
	Participant   string          `json:"participant"`
	Username      string          `json:"username,omitempty"`
	Control       string          `json:"control"`
	Event         string          `json:"event"`
	X             *float64        `json:"x,omitempty"`
	Y             *float64        `json:"y,omitempty"`
	Button        *int            `json:"button,omitempty"`
	TransactionID string          `json:"transactionID,omitempty"`
	Input         json.RawMessage `json:"input,omitempty"` // the whole input object
}

type participantsData struct {
	Change       string            `json:"change"` // join, leave, update
	Participants []ParticipantInfo `json:"participants"`
	Count        int               `json:"count"`
}

type serverData struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params,omitempty"`
}

// run is the session's event loop: it reads the game client's events and
// publishes them. Nothing in it waits on a subscriber or on the server
// (captures go to their own worker through a bounded queue).
func (ch *Channel) run(s *session, remote string) {
	var helpers sync.WaitGroup
	quit := make(chan struct{})
	helpers.Add(2)
	go func() { defer helpers.Done(); ch.captureWorker(s) }()
	go func() { defer helpers.Done(); ch.tick(quit) }()
	if s.rx != nil {
		s.rx.start(s, &helpers, quit)
	}

	for ev := range s.c.Events() {
		ch.handle(s, ev, remote)
	}
	// The client has stopped for good (Close, or a final refusal).
	close(s.captures)
	close(quit)
	if s.rx != nil {
		s.rx.stop()
	}
	helpers.Wait()
	ch.revoke(s)
	st := s.c.Status()
	ch.mu.Lock()
	reason := s.stopReason
	if ch.live == s {
		ch.live = nil
	}
	ch.mu.Unlock()
	final := Status{State: StateStopped, VersionID: s.versionID, Remote: remote, Reason: reason}
	if reason == "" { // the mediator ended it: its close code says why
		final.Reason, final.Code = "the mediator ended the session", st.Code
		if st.Err != nil {
			final.Reason = st.Err.Error()
		}
	}
	if reason != ReasonRestart {
		// Over for good: a restart must not bring it back.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := ch.m.cfg.DB.DeleteLiveChannel(ctx, ch.id); err != nil {
			ch.m.log.Warn("live console: forget the live channel", "channel", ch.id, "err", err)
		}
		cancel()
	}
	// Nobody is connected to a stopped console.
	if left := ch.stats.clearParticipants(); len(left) > 0 {
		ch.feed.publish(TypeParticipants, ch.m.cfg.Now(), participantsData{Change: "leave", Participants: left, Count: 0})
	}
	ch.setStatus(final)
	ch.feed.publish(TypeStats, ch.m.cfg.Now(), ch.statsNow())
	close(s.done)
}

func (ch *Channel) handle(s *session, ev client.Event, remote string) {
	now := ch.m.cfg.Now()
	switch ev.Method {
	case client.StateChange:
		if ev.Status == nil || ev.Status.State == client.Stopped {
			return // the loop's end publishes the final state
		}
		st := Status{VersionID: s.versionID, Remote: remote, Host: ev.Status.Host, Attempt: ev.Status.Attempt,
			RetryInMs: ev.Status.RetryIn.Milliseconds(), Code: ev.Status.Code}
		switch ev.Status.State {
		case client.Connecting:
			st.State = StateConnecting
		case client.Live:
			st.State = StateLive
		case client.Reconnecting:
			st.State = StateReconnecting
		}
		if ev.Status.Err != nil {
			st.Reason = ev.Status.Err.Error()
		}
		ch.setStatus(st)
	case "giveInput":
		in, err := ev.Input()
		if err != nil {
			ch.feed.publish(TypeServer, now, serverData{Method: ev.Method, Params: ev.Params})
			return
		}
		ch.stats.input(now, in.Input.ControlID, in.Input.Event, in.Input.X, in.Input.Y)
		ch.feed.publish(TypeInput, now, inputData{
			Participant: in.ParticipantID, Username: ch.stats.username(in.ParticipantID),
			Control: in.Input.ControlID, Event: in.Input.Event, X: in.Input.X, Y: in.Input.Y, Button: in.Input.Button,
			TransactionID: string(in.TransactionID), Input: in.Input.Raw,
		})
		if ch.react(s, in, now) {
			return // its reactions decide the capture
		}
		if in.TransactionID != "" && ch.autoCaptures(in.Input.ControlID) {
			select {
			case s.captures <- in:
			default:
				ch.feed.publish(TypeCapture, now, CaptureResult{TransactionID: string(in.TransactionID), Control: in.Input.ControlID,
					Result: "skipped", Message: "too many captures waiting; capture it from the feed"})
			}
		}
	case "onParticipantJoin", "onParticipantLeave", "onParticipantUpdate":
		ps, err := ev.Participants()
		if err != nil {
			ch.feed.publish(TypeServer, now, serverData{Method: ev.Method, Params: ev.Params})
			return
		}
		infos := make([]ParticipantInfo, len(ps))
		for i, p := range ps {
			infos[i] = ParticipantInfo{SessionID: p.SessionID, UserID: p.UserID, Username: p.Username,
				GroupID: p.GroupID, Disabled: p.Disabled, Anonymous: p.Anonymous}
		}
		d := participantsData{Participants: infos}
		switch ev.Method {
		case "onParticipantJoin":
			d.Change, d.Count = "join", ch.stats.join(infos)
			if ch.joinWork(s) {
				go ch.onJoin(s, infos)
			}
		case "onParticipantLeave":
			d.Change, d.Count = "leave", ch.stats.leave(infos)
		default:
			d.Change, d.Count = "update", ch.stats.join(infos)
		}
		ch.feed.publish(TypeParticipants, now, d)
	case "hello":
		// Connection noise; the state event says it.
	default:
		ch.feed.publish(TypeServer, now, serverData{Method: ev.Method, Params: ev.Params})
	}
}

// tick publishes the counters while live.
func (ch *Channel) tick(quit <-chan struct{}) {
	t := time.NewTicker(ch.m.cfg.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
			ch.feed.publish(TypeStats, ch.m.cfg.Now(), ch.statsNow())
		}
	}
}

func (ch *Channel) statsNow() Stats { return ch.stats.snapshot(ch.m.cfg.Now()) }

// Stats is a snapshot of the channel's counters.
func (ch *Channel) Stats() Stats { return ch.statsNow() }

// Participants lists up to max connected participants, by name.
func (ch *Channel) Participants(max int) []ParticipantInfo { return ch.stats.participantList(max) }

// captureWorker captures the transactions the loop queued, one at a time.
func (ch *Channel) captureWorker(s *session) {
	for in := range s.captures {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ch.capture(ctx, s, string(in.TransactionID), in.Input.ControlID, true)
		cancel()
	}
}

// CaptureResult is a capture's outcome as the feed shows it.
type CaptureResult struct {
	TransactionID string `json:"transactionID"`
	Control       string `json:"control,omitempty"`
	Auto          bool   `json:"auto,omitempty"`
	// Result is "ok", "error" (Code and Message say which: 4006 unknown
	// or expired transaction, 4007 not enough sparks) or "skipped".
	Result  string `json:"result"`
	Code    int    `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

func (ch *Channel) capture(ctx context.Context, s *session, txID, controlID string, auto bool) CaptureResult {
	r := CaptureResult{TransactionID: txID, Control: controlID, Auto: auto, Result: "ok"}
	if err := s.c.Capture(ctx, client.TransactionID(txID)); err != nil {
		r.Result, r.Message = "error", err.Error()
		var re *client.ReplyError
		if errors.As(err, &re) {
			r.Code, r.Message = re.Code, re.Message
		}
	}
	ch.feed.publish(TypeCapture, ch.m.cfg.Now(), r)
	return r
}

func (ch *Channel) autoCaptures(controlID string) bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.autoCapture[controlID]
}
