package mediator

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/persistence"
)

// defaultSampleRate is the joystick's default move interval (ms); moves
// arriving faster than half of a joystick's rate are refused, which leaves
// room for network jitter.
const defaultSampleRate = 50

func badInput(format string, args ...any) *Error {
	return perr(wire.CodeBadInput, "input", format, args...)
}

// parseInput accepts the input flat ({controlID, event, ...}, as the node
// ParticipantClient sends it) or wrapped ({input: {...}}).
func parseInput(params []byte) (*state.Object, *Error) {
	o, ok := parseObject(params)
	if !ok {
		return nil, perr(wire.CodeBadArguments, "params", "params must be an object.")
	}
	if o.Has("input") {
		in, ok := o.Object("input")
		if !ok {
			return nil, badInput("input must be an object.")
		}
		o = in
	}
	return o, nil
}

// checkInput validates input against p's scene, the control's kind and
// state, and p's own state. It returns the control's cost to charge.
func (s *session) checkInput(p *participant, in *state.Object, now time.Time) (controlID string, cost int64, e *Error) {
	if !s.isReady {
		return "", 0, badInput("Interactive is not ready for input yet.")
	}
	if p.disabled() {
		return "", 0, badInput("Your input is disabled.")
	}
	if p.mutedUntil > now.UnixMilli() {
		return "", 0, badInput("%s", mutedMessage(p.mutedUntil, now.UnixMilli()))
	}
	if rate := s.m.opts.InputRate; rate > 0 && !p.allowInput(now.UnixMilli(), rate) {
		return "", 0, badInput("Input comes too fast.")
	}
	controlID, ok := in.String("controlID")
	if !ok {
		return "", 0, perr(wire.CodeBadInput, "input.controlID", "controlID must be a string.")
	}
	event, ok := in.String("event")
	if !ok || event == "" {
		return "", 0, perr(wire.CodeBadInput, "input.event", "event must be a non-empty string.")
	}
	sc := s.sceneIdx[s.sceneOf(p)]
	var c *control
	if sc != nil {
		c = sc.ctrlIdx[controlID]
	}
	if c == nil {
		return "", 0, perr(wire.CodeBadInput, "input.controlID", "Unknown control %q in your scene.", controlID)
	}
	if d, _ := c.props.Bool("disabled"); d {
		return "", 0, perr(wire.CodeBadInput, "input.controlID", "The control is disabled.")
	}
	nowMS := now.UnixMilli()
	switch c.kind {
	case kindButton:
		switch event {
		case "mousedown", "mouseup", "keydown", "keyup":
		default:
			return "", 0, perr(wire.CodeBadInput, "input.event", "A button takes mousedown, mouseup, keydown or keyup, not %q.", event)
		}
		if in.Has("button") {
			if _, ok := in.Float64("button"); !ok {
				return "", 0, perr(wire.CodeBadInput, "input.button", "button must be a number.")
			}
		}
		if cd, ok := c.props.Float64("cooldown"); ok && cd > float64(nowMS) {
			return "", 0, perr(wire.CodeBadInput, "input.controlID", "The control is on cooldown.")
		}
		if event == "mousedown" || event == "keydown" {
			if f, ok := c.props.Float64("cost"); ok && f > 0 {
				cost = int64(f)
			}
		}
	case kindJoystick:
		if event != "move" {
			return "", 0, perr(wire.CodeBadInput, "input.event", "A joystick takes move, not %q.", event)
		}
		x, okx := in.Float64("x")
		y, oky := in.Float64("y")
		if !okx || !oky || math.IsNaN(x) || math.IsNaN(y) {
			return "", 0, perr(wire.CodeBadInput, "input", "A move needs numbers x and y.")
		}
		if math.Hypot(x, y) > 1+1e-9 {
			return "", 0, perr(wire.CodeBadInput, "input", "|(x, y)| must not exceed 1.")
		}
		rate := float64(defaultSampleRate)
		if r, ok := c.props.Float64("sampleRate"); ok && r >= 0 {
			rate = r
		}
		if last, ok := p.lastMove[c.id]; ok && float64(nowMS-last) < rate/2 {
			return "", 0, perr(wire.CodeBadInput, "input", "Moves come faster than the joystick's sampleRate.")
		}
		if p.lastMove == nil {
			p.lastMove = map[string]int64{}
		}
		p.lastMove[c.id] = nowMS
	case kindTextbox:
		if event != "submit" && event != "change" {
			return "", 0, perr(wire.CodeBadInput, "input.event", "A textbox takes submit or change, not %q.", event)
		}
		if _, ok := in.String("value"); !ok {
			return "", 0, perr(wire.CodeBadInput, "input.value", "value must be a string.")
		}
	case kindLabel:
		return "", 0, perr(wire.CodeBadInput, "input.controlID", "A label takes no input.")
	}
	// Custom kinds pass through.
	return controlID, cost, nil
}

// giveInput validates a participant's input and forwards it to the game
// client. A costly mousedown/keydown is charged first, without holding
// the session lock across the database call.
func (s *session) giveInput(p *participant, r *request) {
	c := p.conn
	in, e := parseInput(r.params)
	if e != nil {
		s.replyLocked(c, r.id, nil, e)
		return
	}
	now := s.m.now()
	s.mu.Lock()
	if s.parts[p.sessionID] != p {
		s.mu.Unlock()
		return
	}
	controlID, cost, e := s.checkInput(p, in, now)
	if e == nil && cost > 0 && p.anonymous {
		e = perr(wire.CodeAnonymousNeedSparks, "input.controlID", "Sign in to use a control that costs sparks.")
	}
	if e != nil || cost == 0 {
		if e == nil {
			s.forwardInput(p, in, "", now)
		}
		s.respond(c, r, nil, e)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()

	txID := uuid.NewString()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err := s.m.store.ChargeTransaction(ctx, txID, s.channelID, p.userID, controlID, cost, now)
	cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case errors.Is(err, persistence.ErrNotEnoughSparks):
		s.respond(c, r, nil, perr(wire.CodeNotEnoughSparks, "input.controlID", "You don't have enough sparks."))
		return
	case err != nil:
		s.m.log.Error("charge", "channel", s.channelID, "user", p.userID, "err", err)
		s.respond(c, r, nil, perr(wire.CodeInternal, "", "The charge could not be made."))
		return
	}
	if s.ended || s.parts[p.sessionID] != p {
		return
	}
	s.forwardInput(p, in, txID, now)
	s.respond(c, r, nil, nil)
}

// forwardInput sends giveInput {participantID, input, transactionID?}.
func (s *session) forwardInput(p *participant, in *state.Object, txID string, now time.Time) {
	p.lastInputAt = now.UnixMilli()
	b := make([]byte, 0, 160)
	b = append(b, `{"participantID":`...)
	b = wire.AppendString(b, p.sessionID)
	// controlID and event first: token-streaming parsers (Unity) read them.
	b = append(b, `,"input":{"controlID":`...)
	b = wire.AppendString(b, mustString(in, "controlID"))
	b = append(b, `,"event":`...)
	b = wire.AppendString(b, mustString(in, "event"))
	b = appendMembers(b, in, func(k string) bool { return k == "controlID" || k == "event" })
	b = append(b, '}')
	if txID != "" {
		b = append(b, `,"transactionID":`...)
		b = wire.AppendString(b, txID)
	}
	b = append(b, '}')
	s.toGame("giveInput", b)
}

// capture deducts a transaction's sparks (database I/O, no session lock).
func (s *session) capture(r *request) ([]byte, *Error) {
	var p struct {
		TransactionID any `json:"transactionID"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	var id string
	switch v := p.TransactionID.(type) {
	case string:
		id = v
	case float64: // the spec's examples show numbers: accept them
		id = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return nil, perr(wire.CodeUnknownTransaction, "transactionID", "Unknown or expired transaction ID.")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.m.store.CaptureTransaction(ctx, id, s.channelID, s.m.now())
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, persistence.ErrUnknownTransaction):
		return nil, perr(wire.CodeUnknownTransaction, "transactionID", "Unknown or expired transaction ID.")
	case errors.Is(err, persistence.ErrNotEnoughSparks):
		return nil, perr(wire.CodeNotEnoughSparks, "", "The participant doesn't have enough sparks.")
	}
	s.m.log.Error("capture", "channel", s.channelID, "transaction", id, "err", err)
	return nil, perr(wire.CodeInternal, "", "The capture failed; try again.")
}

func mustString(o *state.Object, key string) string {
	s, _ := o.String(key)
	return s
}

// allowInput drains p's input bucket at rate per second and admits one
// more input if the bucket (of 2×rate) has room.
func (p *participant) allowInput(nowMS int64, rate float64) bool {
	if dt := nowMS - p.inputAt; dt > 0 {
		p.inputLevel = max(0, p.inputLevel-float64(dt)*rate/1000)
	}
	p.inputAt = nowMS
	if p.inputLevel+1 > 2*rate {
		return false
	}
	p.inputLevel++
	return true
}
