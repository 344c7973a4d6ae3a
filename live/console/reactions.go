package console

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/mixstudio/mixstudio/live/client"
	"github.com/mixstudio/mixstudio/studio"
)

// Reactions run here, in the session's event loop, where every input of
// the channel arrives once and in order. What is decided for a press
// (cooled down or not, when its alert plays, the counters) is decided in
// the loop without waiting on anything; what needs the server (cooldowns,
// scene switches, moves, the capture) goes to one protocol worker through
// a bounded queue, and webhooks go to one sender per URL. So a slow server
// call or a dead webhook never holds up the loop, other reactions or input.

// Limits of the reaction runner.
const (
	// DefaultMaxQueuedAlerts is how many alerts may wait for the overlay
	// (Config.MaxQueuedAlerts); a press whose alert would be one more is
	// refused (and not charged).
	DefaultMaxQueuedAlerts = 50
	// reactionJobQueue bounds the protocol worker's queue.
	reactionJobQueue = 4096
	// writeBackInterval is how often counters and votes shown on controls
	// are written back (coalesced: one updateControls per scene).
	writeBackInterval = 200 * time.Millisecond
)

// TypeReaction is a console event: a press whose reactions did not run
// (cooled down, queue full) or a reaction that failed (webhook, server).
const TypeReaction = "reaction"

// ReactionNotice is a TypeReaction event's data.
type ReactionNotice struct {
	Press       uint64 `json:"press,omitempty"`
	Control     string `json:"control,omitempty"`
	Participant string `json:"participant,omitempty"`
	Username    string `json:"username,omitempty"`
	Kind        string `json:"kind,omitempty"` // the reaction kind concerned
	// Result: "cooled" (refused: the control is cooling down), "refused"
	// (a queue was full), "failed" (a reaction failed after it started).
	Result  string `json:"result"`
	Message string `json:"message"`
	URL     string `json:"url,omitempty"`
	Events  int    `json:"events,omitempty"`
}

// sceneControl names a control in a scene.
type sceneControl struct{ scene, control string }

// reactor is one go-live's reactions and their state. Fields below mu are
// also read by handlers (the overlay snapshot, the console's counts).
type reactor struct {
	ch        *Channel
	byControl map[string][]boundReactions // controlID → its reactions per scene
	// cools lists, per cooldown key, the controls cooled with it.
	cools map[string][]sceneControl
	// groupScene is each group's scene as the console last set it.
	groupScene map[string]string
	labels     map[sceneControl]string
	costs      map[sceneControl]int64
	jobs       chan func(context.Context)
	webhooks   *webhooks

	// State only the event loop touches.
	press     uint64
	cooled    map[string]time.Time // cooldown key → until (console clock)
	alertEnds []time.Time          // ends of alerts not yet over, in order

	mu       sync.Mutex
	counters map[string]*counterState
	votes    map[string]*voteState
	voteList []string              // vote names in first-seen order
	dirty    map[sceneControl]bool // write-backs waiting
	ran      uint64
	refused  uint64
}

type boundReactions struct {
	scene, kind string // the control's scene and kind
	list        []studio.Reaction
}

type counterState struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Count uint64 `json:"count"`
	goal  int64
	shows []showTarget
}

type voteState struct {
	Name    string        `json:"name"`
	Options []*voteOption `json:"options"`
	Total   uint64        `json:"total"`
}

type voteOption struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Count uint64 `json:"count"`
	show  string
	at    sceneControl
}

type showTarget struct {
	how string
	at  sceneControl
}

// newReactor prepares a version's reactions (nil when it has none).
func newReactor(ch *Channel, v studio.Version) *reactor {
	if len(v.Reactions) == 0 {
		return nil
	}
	rx := &reactor{ch: ch, byControl: map[string][]boundReactions{}, cools: map[string][]sceneControl{},
		groupScene: map[string]string{}, labels: map[sceneControl]string{}, costs: map[sceneControl]int64{},
		jobs: make(chan func(context.Context), reactionJobQueue), cooled: map[string]time.Time{},
		counters: map[string]*counterState{}, votes: map[string]*voteState{}, dirty: map[sceneControl]bool{}}
	for _, g := range v.Groups {
		rx.groupScene[g.GroupID] = g.SceneID
	}
	for _, r := range v.Reactions {
		sc := v.Scene(r.SceneID)
		if sc == nil || sc.Control(r.ControlID) == nil {
			continue
		}
		c := sc.Control(r.ControlID)
		at := sceneControl{r.SceneID, r.ControlID}
		label := r.ControlID
		if c.Text != nil && *c.Text != "" {
			label = *c.Text
		}
		rx.labels[at] = label
		if c.Cost != nil {
			rx.costs[at] = *c.Cost
		}
		list := rx.byControl[r.ControlID]
		i := len(list) - 1
		if i < 0 || list[i].scene != r.SceneID {
			list = append(list, boundReactions{scene: r.SceneID, kind: c.Kind})
			i = len(list) - 1
		}
		list[i].list = append(list[i].list, r)
		rx.byControl[r.ControlID] = list
		if r.Label != "" {
			label = r.Label
		}
		switch r.Kind {
		case studio.ReactCooldown:
			k := r.CooldownKey()
			if !containsControl(rx.cools[k], at) {
				rx.cools[k] = append(rx.cools[k], at)
			}
		case studio.ReactCounter:
			cs := rx.counters[r.CounterName()]
			if cs == nil {
				cs = &counterState{Name: r.CounterName(), Label: label, goal: r.Goal}
				rx.counters[r.CounterName()] = cs
			}
			if r.Show != "" {
				cs.shows = append(cs.shows, showTarget{how: r.Show, at: at})
			}
		case studio.ReactVote:
			vs := rx.votes[r.Name]
			if vs == nil {
				vs = &voteState{Name: r.Name}
				rx.votes[r.Name] = vs
				rx.voteList = append(rx.voteList, r.Name)
			}
			if optionOf(vs, at) == nil {
				vs.Options = append(vs.Options, &voteOption{ID: r.ControlID, Label: label, show: r.Show, at: at})
			}
		}
	}
	rx.webhooks = newWebhooks(ch)
	return rx
}

func containsControl(list []sceneControl, at sceneControl) bool {
	for _, x := range list {
		if x == at {
			return true
		}
	}
	return false
}

func optionOf(vs *voteState, at sceneControl) *voteOption {
	for _, o := range vs.Options {
		if o.at == at {
			return o
		}
	}
	return nil
}

// start runs the reactor's helpers until quit is closed.
func (rx *reactor) start(s *session, wg *sync.WaitGroup, quit <-chan struct{}) {
	wg.Add(2)
	go func() { defer wg.Done(); rx.protocolWorker(s) }()
	go func() { defer wg.Done(); rx.writeBack(s, quit) }()
}

// stop ends the helpers' queues: the protocol worker drains what was
// queued (the connection is closed, so its calls fail fast) and every
// webhook sender stops.
func (rx *reactor) stop() {
	close(rx.jobs)
	rx.webhooks.stop()
}

// find returns a control's reactions for an input event. A control id
// used in several scenes is resolved by the scene the participant's group
// shows.
func (rx *reactor) find(controlID, event, group string) (boundReactions, bool) {
	list := rx.byControl[controlID]
	if len(list) == 0 {
		return boundReactions{}, false
	}
	b := list[0]
	if len(list) > 1 {
		scene := rx.groupScene[group]
		for _, x := range list {
			if x.scene == scene {
				b = x
			}
		}
	}
	out := boundReactions{scene: b.scene, kind: b.kind}
	for _, r := range b.list {
		if r.On(b.kind) == event {
			out.list = append(out.list, r)
		}
	}
	return out, len(out.list) > 0
}

// react runs the reactions of one input. It reports whether the control
// has reactions for it: then its spark transaction (if any) is captured
// only when they ran, never by the console's autocapture.
func (ch *Channel) react(s *session, in client.GiveInput, now time.Time) bool {
	rx := s.rx
	if rx == nil {
		return false
	}
	p, _ := ch.stats.participant(in.ParticipantID)
	b, ok := rx.find(in.Input.ControlID, in.Input.Event, p.GroupID)
	if !ok {
		return false
	}
	rx.press++
	press := rx.press
	notice := ReactionNotice{Press: press, Control: in.Input.ControlID, Participant: in.ParticipantID, Username: p.Username}
	refuse := func(result, kind, msg string) bool {
		rx.mu.Lock()
		rx.refused++
		rx.mu.Unlock()
		notice.Result, notice.Kind, notice.Message = result, kind, msg
		ch.feed.publish(TypeReaction, now, notice)
		return true
	}

	// Decide first, so a press runs all its reactions or none.
	for len(rx.alertEnds) > 0 && !rx.alertEnds[0].After(now) {
		rx.alertEnds = rx.alertEnds[1:]
	}
	var alerts, protocol int
	var hooks []studio.Reaction
	for _, r := range b.list {
		switch r.Kind {
		case studio.ReactCooldown:
			if until := rx.cooled[r.CooldownKey()]; until.After(now) {
				return refuse("cooled", r.Kind, fmt.Sprintf("cooling down for %.1f s more", until.Sub(now).Seconds()))
			}
			protocol++
		case studio.ReactAlert:
			alerts++
		case studio.ReactScene, studio.ReactMove:
			protocol++
		case studio.ReactWebhook:
			hooks = append(hooks, r)
		}
	}
	if len(rx.alertEnds)+alerts > rx.ch.m.cfg.MaxQueuedAlerts {
		return refuse("refused", studio.ReactAlert, fmt.Sprintf("%d alerts are waiting for the overlay", len(rx.alertEnds)))
	}
	capture := in.TransactionID != ""
	if (protocol > 0 || capture) && len(rx.jobs) >= cap(rx.jobs) {
		return refuse("refused", "", "too many server calls waiting")
	}
	if !rx.webhooks.room(hooks) {
		return refuse("refused", studio.ReactWebhook, "the webhook's queue is full")
	}

	at := sceneControl{b.scene, in.Input.ControlID}
	values := map[string]string{"username": p.Username, "control": rx.labels[at], "cost": strconv.FormatInt(rx.costs[at], 10)}
	if in.Input.Event == "submit" || in.Input.Event == "change" {
		var v struct {
			Value string `json:"value"`
		}
		_ = json.Unmarshal(in.Input.Raw, &v)
		values["text"] = v.Value
	}
	var alertEnd time.Time
	var calls []func(context.Context) error
	for _, r := range b.list {
		switch r.Kind {
		case studio.ReactAlert:
			start := now
			if n := len(rx.alertEnds); n > 0 && rx.alertEnds[n-1].After(start) {
				start = rx.alertEnds[n-1]
			}
			d := time.Duration(r.AlertDuration() * float64(time.Second))
			alertEnd = start.Add(d)
			rx.alertEnds = append(rx.alertEnds, alertEnd)
			ch.publishOverlay(now, overlayAlert{Kind: "alert", Press: press, Text: studio.FillAlert(r.Text, values),
				Image: r.Image, Sound: r.Sound, DurationMs: d.Milliseconds(), Username: p.Username, Control: in.Input.ControlID})
		case studio.ReactCounter:
			ch.publishOverlay(now, rx.count(r, p.Username, press))
		case studio.ReactVote:
			ch.publishOverlay(now, rx.vote(r, at, p.Username, press))
		}
	}
	for _, r := range b.list {
		switch r.Kind {
		case studio.ReactCooldown:
			until := now.Add(time.Duration(r.Seconds * float64(time.Second)))
			if alertEnd.After(until) {
				until = alertEnd // no overlap: cooled while its alert plays
			}
			rx.cooled[r.CooldownKey()] = until
			calls = append(calls, rx.cooldownCall(s, r.CooldownKey(), until.Sub(now)))
		case studio.ReactScene:
			group, scene := r.Group, r.Scene
			rx.groupScene[group] = scene
			calls = append(calls, func(ctx context.Context) error { return s.c.SwitchScene(ctx, group, scene) })
		case studio.ReactMove:
			group, sid := r.Group, in.ParticipantID
			calls = append(calls, func(ctx context.Context) error {
				_, err := s.c.UpdateParticipants(ctx, 0, []client.ParticipantUpdate{{SessionID: sid, GroupID: &group}})
				return err
			})
		}
	}
	if len(hooks) > 0 {
		ev := webhookEvent{Channel: ch.id, Press: press, At: now.UnixMilli(), Scene: b.scene, Control: in.Input.ControlID,
			Event: in.Input.Event, Participant: in.ParticipantID, Username: p.Username, UserID: p.UserID,
			Text: values["text"], Cost: rx.costs[at], TransactionID: string(in.TransactionID), Input: in.Input.Raw}
		rx.webhooks.send(hooks, ev)
	}
	rx.mu.Lock()
	rx.ran++
	rx.mu.Unlock()
	if len(calls) > 0 || capture {
		tx := string(in.TransactionID)
		rx.jobs <- func(ctx context.Context) {
			for _, call := range calls {
				if err := call(ctx); err != nil {
					n := notice
					n.Result, n.Message = "failed", readable(err).Error()
					ch.feed.publish(TypeReaction, ch.m.cfg.Now(), n)
					if tx != "" {
						ch.feed.publish(TypeCapture, ch.m.cfg.Now(), CaptureResult{TransactionID: tx, Control: in.Input.ControlID,
							Auto: true, Result: "skipped", Message: "not captured: a reaction failed (" + n.Message + ")"})
					}
					return
				}
			}
			if tx != "" {
				ch.capture(ctx, s, tx, in.Input.ControlID, true)
			}
		}
	}
	return true
}

// cooldownCall cools every control of a cooldown key down for d on the
// server's clock, one updateControls per scene.
func (rx *reactor) cooldownCall(s *session, key string, d time.Duration) func(context.Context) error {
	controls := rx.cools[key]
	return func(ctx context.Context) error {
		until, _ := json.Marshal(s.c.ServerNow().Add(d).UnixMilli())
		byScene := map[string][]client.Control{}
		var order []string
		for _, at := range controls {
			if _, ok := byScene[at.scene]; !ok {
				order = append(order, at.scene)
			}
			byScene[at.scene] = append(byScene[at.scene], client.Control{ControlID: at.control, Props: client.Props{"cooldown": until}})
		}
		for _, scene := range order {
			if _, err := s.c.UpdateControls(ctx, 0, scene, byScene[scene]); err != nil {
				return fmt.Errorf("cool down scene %q: %w", scene, err)
			}
		}
		return nil
	}
}

// protocolWorker makes the server calls reactions queued, one at a time
// and in press order.
func (rx *reactor) protocolWorker(s *session) {
	for job := range rx.jobs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		job(ctx)
		cancel()
	}
}

// count adds one to a counter and returns its overlay event.
func (rx *reactor) count(r studio.Reaction, username string, press uint64) overlayCounter {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	cs := rx.counters[r.CounterName()]
	cs.Count++
	for _, t := range cs.shows {
		rx.dirty[t.at] = true
	}
	return overlayCounter{Kind: "counter", Press: press, Name: cs.Name, Label: cs.Label, Count: cs.Count, Username: username}
}

// vote adds one to a vote's option and returns the vote's overlay event.
func (rx *reactor) vote(r studio.Reaction, at sceneControl, username string, press uint64) overlayVote {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	vs := rx.votes[r.Name]
	o := optionOf(vs, at)
	o.Count++
	vs.Total++
	for _, x := range vs.Options {
		if x.show != "" {
			rx.dirty[x.at] = true
		}
	}
	return overlayVote{Kind: "vote", Press: press, Name: vs.Name, Option: o.ID, Options: copyOptions(vs.Options), Total: vs.Total, Username: username}
}

func copyOptions(os []*voteOption) []voteOption {
	out := make([]voteOption, len(os))
	for i, o := range os {
		out[i] = *o
	}
	return out
}

// writeBack shows counters and votes on their controls, at most every
// writeBackInterval, with one updateControls per scene.
func (rx *reactor) writeBack(s *session, quit <-chan struct{}) {
	t := time.NewTicker(writeBackInterval)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
		}
		byScene := rx.takeWriteBacks()
		for scene, controls := range byScene {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if _, err := s.c.UpdateControls(ctx, 0, scene, controls); err != nil {
				rx.ch.feed.publish(TypeReaction, rx.ch.m.cfg.Now(), ReactionNotice{Result: "failed", Kind: "show",
					Message: "showing a count on the controls: " + readable(err).Error()})
			}
			cancel()
		}
	}
}

func (rx *reactor) takeWriteBacks() map[string][]client.Control {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	if len(rx.dirty) == 0 {
		return nil
	}
	props := map[sceneControl]client.Props{}
	set := func(at sceneControl, name string, v any) {
		if !rx.dirty[at] {
			return
		}
		if props[at] == nil {
			props[at] = client.Props{}
		}
		b, _ := json.Marshal(v)
		props[at][name] = b
	}
	for _, cs := range rx.counters {
		for _, t := range cs.shows {
			switch t.how {
			case studio.ShowText:
				set(t.at, "text", fmt.Sprintf("%s: %d", cs.Label, cs.Count))
			case studio.ShowProgress:
				set(t.at, "progress", min(1, float64(cs.Count)/float64(max(cs.goal, 1))))
			}
		}
	}
	for _, vs := range rx.votes {
		for _, o := range vs.Options {
			share := 0.0
			if vs.Total > 0 {
				share = float64(o.Count) / float64(vs.Total)
			}
			switch o.show {
			case studio.ShowText:
				set(o.at, "text", fmt.Sprintf("%s: %.0f%%", o.Label, share*100))
			case studio.ShowProgress:
				set(o.at, "progress", share)
			}
		}
	}
	rx.dirty = map[sceneControl]bool{}
	out := map[string][]client.Control{}
	for at, p := range props {
		out[at.scene] = append(out[at.scene], client.Control{ControlID: at.control, Props: p})
	}
	return out
}

// ReactionCounts says how many presses ran their reactions and how many
// were refused since going live.
type ReactionCounts struct {
	Ran     uint64 `json:"ran"`
	Refused uint64 `json:"refused"`
}

// ReactionCounts is the live session's counts (zero when stopped or
// without reactions).
func (ch *Channel) ReactionCounts() ReactionCounts {
	s, err := ch.current()
	if err != nil || s.rx == nil {
		return ReactionCounts{}
	}
	s.rx.mu.Lock()
	defer s.rx.mu.Unlock()
	return ReactionCounts{Ran: s.rx.ran, Refused: s.rx.refused}
}
