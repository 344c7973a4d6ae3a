package mediator

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/persistence"
)

// defaultSampleRate is the joystick's default move interval (ms).
const defaultSampleRate = 50

// moveBurst is how many moves a joystick may send at once.
//
// A joystick may move at most twice per sampleRate on average. The page
// sends at most one move per sampleRate, but the server sees moves when
// they arrive, and a loaded browser, network or server hands over two
// moves sent 50 ms apart in the same millisecond. Judging each move by the
// gap since the previous arrival refused such well-paced moves — and with
// them the release to (0, 0), which left the game's stick tilted. So the
// rate is an average (a bucket refilled with two moves per sampleRate)
// and bunched arrivals spend the burst.
const moveBurst = 5

// movePace is one moving control's bucket of moves (a joystick, a screen)
// for one participant.
type movePace struct {
	tokens float64
	at     int64 // ms when tokens was last refilled
}

// allow takes one move from the bucket at nowMS, refilling two per rate
// ms since the last call; rate <= 0 means the joystick is not paced.
func (b *movePace) allow(nowMS int64, rate float64) bool {
	if rate <= 0 {
		return true
	}
	if nowMS > b.at {
		b.tokens = min(moveBurst, b.tokens+float64(nowMS-b.at)*2/rate)
		b.at = nowMS
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// allowMove paces the moves of one control (a joystick's sampleRate, a
// screen's moveThrottle) for p with the same bucket.
func (p *participant) allowMove(controlID string, nowMS int64, rate float64) bool {
	if p.remote != nil { // judged at its edge (see checkInput)
		return true
	}
	pace := p.movePace[controlID]
	if pace == nil {
		if p.movePace == nil {
			p.movePace = map[string]*movePace{}
		}
		pace = &movePace{tokens: moveBurst, at: nowMS}
		p.movePace[controlID] = pace
	}
	return pace.allow(nowMS, rate)
}

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
	// A remote participant's pace was judged at its edge, where its input
	// arrived: the bus would bunch it again here.
	if rate := s.m.opts.InputRate; rate > 0 && p.remote == nil && !p.allowInput(now, rate) {
		return "", 0, badInput("Input comes too fast: at most %g inputs a second (bursts of %d) from one participant.", rate, inputBurst(rate))
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
	if check := inputChecks[c.kind]; check != nil { // custom kinds pass through
		if cost, e = check(p, c, in, event, now.UnixMilli()); e != nil {
			return "", 0, e
		}
	}
	return controlID, cost, nil
}

// inputCheck judges an input of one kind of control; it returns the
// sparks the input costs.
type inputCheck func(p *participant, c *control, in *state.Object, event string, nowMS int64) (int64, *Error)

// inputChecks are the built-in kinds' rules, one function per kind.
var inputChecks = map[string]inputCheck{
	kindButton:   checkButton,
	kindJoystick: checkJoystick,
	kindTextbox:  checkTextbox,
	kindScreen:   checkScreen,
	kindLabel:    checkLabel,
}

// checkButton: a press or release, not on cooldown; a press costs the
// button's cost.
func checkButton(_ *participant, c *control, in *state.Object, event string, nowMS int64) (int64, *Error) {
	switch event {
	case "mousedown", "mouseup", "keydown", "keyup":
	default:
		return 0, perr(wire.CodeBadInput, "input.event", "A button takes mousedown, mouseup, keydown or keyup, not %q.", event)
	}
	if in.Has("button") {
		if _, ok := in.Float64("button"); !ok {
			return 0, perr(wire.CodeBadInput, "input.button", "button must be a number.")
		}
	}
	if e := onCooldown(c, nowMS); e != nil {
		return 0, e
	}
	if event == "mousedown" || event == "keydown" {
		return costOf(c), nil
	}
	return 0, nil
}

// checkJoystick: a move inside the unit circle, no faster than the
// joystick's sampleRate allows.
func checkJoystick(p *participant, c *control, in *state.Object, event string, nowMS int64) (int64, *Error) {
	if event != "move" {
		return 0, perr(wire.CodeBadInput, "input.event", "A joystick takes move, not %q.", event)
	}
	x, okx := in.Float64("x")
	y, oky := in.Float64("y")
	if !okx || !oky || math.IsNaN(x) || math.IsNaN(y) {
		return 0, perr(wire.CodeBadInput, "input", "A move needs numbers x and y.")
	}
	if math.Hypot(x, y) > 1+1e-9 {
		return 0, perr(wire.CodeBadInput, "input", "|(x, y)| must not exceed 1.")
	}
	rate := float64(defaultSampleRate)
	if r, ok := c.props.Float64("sampleRate"); ok && r >= 0 {
		rate = r
	}
	if !p.allowMove(c.id, nowMS, rate) {
		return 0, perr(wire.CodeBadInput, "input", "Moves come faster than the joystick's sampleRate.")
	}
	return 0, nil
}

// checkTextbox: a submit or change with a string value. A submit is the
// textbox's press: cooled down and charged as a button's.
func checkTextbox(_ *participant, c *control, in *state.Object, event string, nowMS int64) (int64, *Error) {
	if event != "submit" && event != "change" {
		return 0, perr(wire.CodeBadInput, "input.event", "A textbox takes submit or change, not %q.", event)
	}
	if _, ok := in.String("value"); !ok {
		return 0, perr(wire.CodeBadInput, "input.value", "value must be a string.")
	}
	if e := onCooldown(c, nowMS); e != nil {
		return 0, e
	}
	if event == "submit" {
		return costOf(c), nil
	}
	return 0, nil
}

func checkLabel(*participant, *control, *state.Object, string, int64) (int64, *Error) {
	return 0, perr(wire.CodeBadInput, "input.controlID", "A label takes no input.")
}

// A screen's defaults, where its properties are not set.
const (
	defaultMoveThrottle = 50 // ms between moves
)

// checkScreen checks a screen's move/mousedown/mouseup: x and y are
// fractions of the area, [0, 1] from its top left corner; events the
// control does not send are refused, and moves are paced by moveThrottle
// as a joystick's by its sampleRate.
// sendMoveEvents "mousedown" is the browser's to honour: a server cannot
// see a press when sendMouseDownEvent is off, so only "never" refuses moves.
func checkScreen(p *participant, c *control, in *state.Object, event string, nowMS int64) (int64, *Error) {
	flag := func(k string) bool {
		v, ok := c.props.Bool(k)
		return !ok || v // default true
	}
	switch event {
	case "move":
		if v, _ := c.props.String("sendMoveEvents"); v == "never" {
			return 0, perr(wire.CodeBadInput, "input.event", "This screen sends no move events.")
		}
	case "mousedown":
		if !flag("sendMouseDownEvent") {
			return 0, perr(wire.CodeBadInput, "input.event", "This screen sends no mousedown events.")
		}
	case "mouseup":
		if !flag("sendMouseUpEvent") {
			return 0, perr(wire.CodeBadInput, "input.event", "This screen sends no mouseup events.")
		}
	default:
		return 0, perr(wire.CodeBadInput, "input.event", "A screen takes move, mousedown or mouseup, not %q.", event)
	}
	x, okx := in.Float64("x")
	y, oky := in.Float64("y")
	if !okx || !oky || !(x >= 0 && x <= 1) || !(y >= 0 && y <= 1) {
		return 0, perr(wire.CodeBadInput, "input", "A screen's x and y are numbers from 0 to 1.")
	}
	if event != "move" {
		return 0, nil
	}
	throttle := float64(defaultMoveThrottle)
	if r, ok := c.props.Float64("moveThrottle"); ok && r >= 0 {
		throttle = r
	}
	if !p.allowMove(c.id, nowMS, throttle) {
		return 0, perr(wire.CodeBadInput, "input", "Moves come faster than the screen's moveThrottle.")
	}
	return 0, nil
}

// onCooldown refuses input while the control's cooldown (a server time
// in ms, set by the game client) lies ahead.
func onCooldown(c *control, nowMS int64) *Error {
	if cd, ok := c.props.Float64("cooldown"); ok && cd > float64(nowMS) {
		return perr(wire.CodeBadInput, "input.controlID", "The control is on cooldown.")
	}
	return nil
}

// costOf is the sparks a press of c costs (0 for none).
func costOf(c *control) int64 {
	if f, ok := c.props.Float64("cost"); ok && f > 0 {
		return int64(f)
	}
	return 0
}

// giveInput validates a participant's input and forwards it to the game
// client. A costly button press (mousedown/keydown) or textbox submit is
// charged first, without holding the session lock across the database
// call.
func (s *session) giveInput(p *participant, r *request) {
	c := p.peer()
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

// allowInput takes one input from p's token bucket (rate a second, bursts
// of twice that); made on p's first input, so idle viewers cost nothing.
func (p *participant) allowInput(now time.Time, r float64) bool {
	if p.input == nil {
		p.input = rate.NewLimiter(rate.Limit(r), inputBurst(r))
	}
	return p.input.AllowN(now, 1)
}

func inputBurst(rate float64) int { return max(1, int(2*rate)) }
