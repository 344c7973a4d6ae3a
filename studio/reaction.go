package studio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Reactions are what happens, without any code, when a viewer uses a
// control: a cooldown, an alert on the stream overlay, a counter or vote,
// a scene switch, a webhook. They are part of a version's design (saved
// and exported with it) and run in the live console (live/console).

// Reaction kinds.
const (
	ReactCooldown = "cooldown" // cool the control (or its cooldown group) down after each press
	ReactAlert    = "alert"    // an overlay alert: text, image, sound, for some seconds
	ReactCounter  = "counter"  // count uses; shown on the overlay, optionally on the control
	ReactVote     = "vote"     // one option of a named vote; the overlay draws bars
	ReactScene    = "scene"    // show a scene to a group
	ReactMove     = "move"     // move the viewer who pressed into a group
	ReactWebhook  = "webhook"  // POST the event as JSON to a URL
)

// ReactionKinds lists the kinds in the order the editor offers them.
var ReactionKinds = [...]string{ReactCooldown, ReactAlert, ReactCounter, ReactVote, ReactScene, ReactMove, ReactWebhook}

// Write-back targets of a counter or vote.
const (
	ShowText     = "text"     // the control's text becomes "label: count" (votes: "label: N%")
	ShowProgress = "progress" // the control's progress becomes the vote share (or count/goal)
)

// Limits of reactions.
const (
	MaxReactionsPerControl = 16
	MaxReactions           = 4000 // in a whole version
	MaxCooldownSeconds     = 86400
	MaxAlertSeconds        = 60
	MaxWebhookTimeout      = 30
	MaxWebhookRetries      = 5
	DefaultAlertSeconds    = 5
	DefaultWebhookTimeout  = 5
	DefaultWebhookRetries  = 2
	maxReactionName        = 64
)

// Reaction is one thing that happens when a viewer uses a control. Which
// fields matter depends on Kind; the rest stay zero.
type Reaction struct {
	SceneID   string `json:"sceneID"`
	ControlID string `json:"controlID"`
	// Event is the input event that triggers it; "" means the control's
	// main one (DefaultEvent).
	Event string `json:"event,omitempty"`
	Kind  string `json:"kind"`
	// Seconds: a cooldown's length, or how long an alert shows.
	Seconds float64 `json:"seconds,omitempty"`
	// Group: a cooldown group's name (controls sharing it cool down
	// together), the group whose scene a scene reaction switches, or
	// the group a move reaction puts the viewer in.
	Group string `json:"group,omitempty"`
	// Text is an alert's text, with {username}, {control}, {text} and
	// {cost} placeholders.
	Text string `json:"text,omitempty"`
	// Image and Sound name files uploaded to the version (alerts).
	Image string `json:"image,omitempty"`
	Sound string `json:"sound,omitempty"`
	// Name is a counter's name (default the control id) or a vote's name
	// (its options are the vote reactions of the same name).
	Name string `json:"name,omitempty"`
	// Label is how the overlay names a counter or a vote option (default
	// the control's text, else its id).
	Label string `json:"label,omitempty"`
	// Show writes a counter or vote back to the control live: ShowText
	// or ShowProgress ("" does not).
	Show string `json:"show,omitempty"`
	// Goal is what a counter's progress bar fills up to.
	Goal int64 `json:"goal,omitempty"`
	// Scene is the scene a scene reaction shows.
	Scene string `json:"scene,omitempty"`
	// URL, TimeoutSeconds and Retries describe a webhook.
	URL            string  `json:"url,omitempty"`
	TimeoutSeconds float64 `json:"timeoutSeconds,omitempty"`
	Retries        *int    `json:"retries,omitempty"`
}

// DefaultEvent is the input event a control's reactions answer to when
// they name none: a button's press, a textbox's submit, a joystick's move.
func DefaultEvent(kind string) string {
	switch kind {
	case KindButton:
		return "mousedown"
	case KindTextbox:
		return "submit"
	case KindJoystick:
		return "move"
	}
	return ""
}

// eventsOf lists the input events a kind of control sends.
func eventsOf(kind string) []string {
	switch kind {
	case KindButton:
		return []string{"mousedown", "mouseup"}
	case KindTextbox:
		return []string{"submit", "change"}
	case KindJoystick:
		return []string{"move"}
	}
	return nil
}

// On is the event the reaction answers to, given the control's kind.
func (r Reaction) On(controlKind string) string {
	if r.Event != "" {
		return r.Event
	}
	return DefaultEvent(controlKind)
}

// CounterName is the counter a counter reaction adds to.
func (r Reaction) CounterName() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ControlID
}

// CooldownKey names what a cooldown reaction cools: its group, or the
// control alone.
func (r Reaction) CooldownKey() string {
	if r.Group != "" {
		return "group:" + r.Group
	}
	return "control:" + r.SceneID + "/" + r.ControlID
}

// AlertDuration is how long an alert shows, in seconds.
func (r Reaction) AlertDuration() float64 {
	if r.Seconds > 0 {
		return r.Seconds
	}
	return DefaultAlertSeconds
}

// WebhookTimeout is a webhook's per-attempt timeout in seconds.
func (r Reaction) WebhookTimeout() float64 {
	if r.TimeoutSeconds > 0 {
		return r.TimeoutSeconds
	}
	return DefaultWebhookTimeout
}

// WebhookRetries is how many times a failed webhook POST is tried again.
func (r Reaction) WebhookRetries() int {
	if r.Retries != nil {
		return *r.Retries
	}
	return DefaultWebhookRetries
}

// AlertPlaceholders are the names an alert's text may use.
var AlertPlaceholders = [...]string{"username", "control", "text", "cost"}

var placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)

// FillAlert replaces the placeholders of an alert's text.
func FillAlert(text string, values map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := values[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

var (
	reactionNameRE = regexp.MustCompile(`^[\p{L}\p{N} _.:-]+$`)
	fileNameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 _.-]*$`)
)

// ValidFileName reports whether name is acceptable for a version's file:
// one path segment of letters, digits, spaces, dots, dashes, underscores.
func ValidFileName(name string) bool {
	return len(name) <= 128 && fileNameRE.MatchString(name) && !strings.Contains(name, "..")
}

// validateReactions checks every reaction against the layout it belongs to.
func (l *Layout) validateReactions(ps *problems) {
	if len(l.Reactions) > MaxReactions {
		ps.add(Problem{Field: "reactions"}, "%d reactions; at most %d are allowed in one version", len(l.Reactions), MaxReactions)
		return
	}
	groups := map[string]bool{}
	for _, g := range l.Groups {
		groups[g.GroupID] = true
	}
	perControl := map[string]int{}
	for i, r := range l.Reactions {
		at := Problem{SceneID: r.SceneID, ControlID: r.ControlID, Field: fmt.Sprintf("reactions[%d]", i)}
		var kind string
		if s := l.Scene(r.SceneID); s == nil {
			ps.add(at, "no scene %s in this version", quoteShort(r.SceneID))
			continue
		} else if c := s.Control(r.ControlID); c == nil {
			ps.add(at, "no control %s in scene %s", quoteShort(r.ControlID), quoteShort(r.SceneID))
			continue
		} else {
			kind = c.Kind
		}
		key := r.SceneID + "\x00" + r.ControlID
		if perControl[key]++; perControl[key] == MaxReactionsPerControl+1 {
			ps.add(at, "at most %d reactions per control", MaxReactionsPerControl)
		}
		if msg := r.check(kind, groups, l.Scene); msg != "" {
			ps.add(at, "%s", msg)
		}
	}
}

// ValidateReactions checks a control's reactions on their own (the
// editor's panel): sceneOK and groupOK say what the version has.
func ValidateReactions(rs []Reaction, controlKind string, groups map[string]bool, scene func(string) *Scene) []string {
	var out []string
	if len(rs) > MaxReactionsPerControl {
		out = append(out, fmt.Sprintf("at most %d reactions per control", MaxReactionsPerControl))
	}
	for i, r := range rs {
		if msg := r.check(controlKind, groups, scene); msg != "" {
			out = append(out, fmt.Sprintf("reaction %d (%s): %s", i+1, r.Kind, msg))
		}
	}
	return out
}

// check returns what is wrong with one reaction, or "".
func (r Reaction) check(controlKind string, groups map[string]bool, scene func(string) *Scene) string {
	events := eventsOf(controlKind)
	if len(events) == 0 {
		return fmt.Sprintf("a %s takes no input, so it cannot react", controlKind)
	}
	if r.Event != "" && !contains(events, r.Event) {
		return fmt.Sprintf("a %s sends %s, not %s", controlKind, strings.Join(events, " or "), quoteShort(r.Event))
	}
	name := func(what, s string, required bool) string {
		switch {
		case s == "" && required:
			return what + " is required"
		case s == "":
			return ""
		case len(s) > maxReactionName || !reactionNameRE.MatchString(s):
			return fmt.Sprintf("%s %s: use up to %d letters, digits, spaces, dots, dashes or underscores", what, quoteShort(s), maxReactionName)
		}
		return ""
	}
	text := func(what, s string) string {
		if !utf8.ValidString(s) {
			return what + " must be valid UTF-8 text"
		}
		if n := utf8.RuneCountInString(s); n > MaxTextLen {
			return fmt.Sprintf("%s is %d characters long; at most %d are allowed", what, n, MaxTextLen)
		}
		return ""
	}
	switch r.Kind {
	case ReactCooldown:
		if controlKind != KindButton && controlKind != KindTextbox {
			return "only buttons and textboxes can cool down"
		}
		if !(r.Seconds >= 1 && r.Seconds <= MaxCooldownSeconds) || math.IsNaN(r.Seconds) {
			return fmt.Sprintf("a cooldown lasts from 1 to %d seconds, not %g", MaxCooldownSeconds, r.Seconds)
		}
		return name("the cooldown group", r.Group, false)
	case ReactAlert:
		if strings.TrimSpace(r.Text) == "" && r.Image == "" && r.Sound == "" {
			return "an alert needs a text, an image or a sound"
		}
		if msg := text("the text", r.Text); msg != "" {
			return msg
		}
		for _, m := range placeholderRE.FindAllStringSubmatch(r.Text, -1) {
			if !contains(AlertPlaceholders[:], m[1]) {
				return fmt.Sprintf("unknown placeholder {%s}; use {username}, {control}, {text} or {cost}", truncate(m[1]))
			}
		}
		if r.Seconds != 0 && !(r.Seconds >= 0.5 && r.Seconds <= MaxAlertSeconds) {
			return fmt.Sprintf("an alert shows for 0.5 to %d seconds, not %g", MaxAlertSeconds, r.Seconds)
		}
		for _, f := range []struct{ what, name string }{{"image", r.Image}, {"sound", r.Sound}} {
			if f.name != "" && !ValidFileName(f.name) {
				return fmt.Sprintf("the %s %s is not a file name (upload the file to the version and use its name)", f.what, quoteShort(f.name))
			}
		}
	case ReactCounter, ReactVote:
		if msg := name("the name", r.Name, r.Kind == ReactVote); msg != "" {
			return msg
		}
		if msg := text("the label", r.Label); msg != "" {
			return msg
		}
		switch r.Show {
		case "", ShowText:
			if r.Show == ShowText && controlKind != KindButton {
				return "only a button shows text that can change"
			}
		case ShowProgress:
			if controlKind != KindButton {
				return "only a button has a progress bar"
			}
			if r.Kind == ReactCounter && r.Goal <= 0 {
				return "a counter shown as progress needs a goal above 0"
			}
		default:
			return fmt.Sprintf("show is %q, %q or empty, not %s", ShowText, ShowProgress, quoteShort(r.Show))
		}
		if r.Goal < 0 {
			return "a goal cannot be negative"
		}
	case ReactScene:
		if !groups[r.Group] {
			return fmt.Sprintf("no group %s in this version", quoteShort(r.Group))
		}
		if scene(r.Scene) == nil {
			return fmt.Sprintf("no scene %s in this version", quoteShort(r.Scene))
		}
	case ReactMove:
		if !groups[r.Group] {
			return fmt.Sprintf("no group %s in this version", quoteShort(r.Group))
		}
	case ReactWebhook:
		u, err := url.Parse(r.URL)
		if len(r.URL) > MaxURLLen || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Sprintf("a webhook needs an http or https URL, not %s", quoteShort(r.URL))
		}
		if u.User != nil {
			return "put no user name or password in the webhook URL"
		}
		if r.TimeoutSeconds != 0 && !(r.TimeoutSeconds >= 1 && r.TimeoutSeconds <= MaxWebhookTimeout) {
			return fmt.Sprintf("a webhook's timeout is 1 to %d seconds, not %g", MaxWebhookTimeout, r.TimeoutSeconds)
		}
		if r.Retries != nil && (*r.Retries < 0 || *r.Retries > MaxWebhookRetries) {
			return fmt.Sprintf("a webhook is retried 0 to %d times, not %d", MaxWebhookRetries, *r.Retries)
		}
	default:
		return fmt.Sprintf("unknown kind %s; use one of %s", quoteShort(r.Kind), strings.Join(ReactionKinds[:], ", "))
	}
	return ""
}

// ReactionsOf returns the reactions of one control, in order.
func ReactionsOf(all []Reaction, sceneID, controlID string) []Reaction {
	var out []Reaction
	for _, r := range all {
		if r.SceneID == sceneID && r.ControlID == controlID {
			out = append(out, r)
		}
	}
	return out
}

// decodeReactions reads the layout's "reactions" array; an unknown field
// in a reaction is a problem (a typo would silently do nothing).
func (d *decoder) reactions(raw json.RawMessage) []Reaction {
	arr, ok := d.array(raw, Problem{Field: "reactions"}, "reactions")
	if !ok {
		return nil
	}
	out := make([]Reaction, 0, len(arr))
	for i, item := range arr {
		var r Reaction
		dec := json.NewDecoder(bytes.NewReader(item))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			d.problems.add(Problem{Field: fmt.Sprintf("reactions[%d]", i)}, "not a reaction: %s", truncateErr(err))
			continue
		}
		out = append(out, r)
	}
	return out
}

func truncateErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// DescribeReaction says what a reaction does in plain words.
func DescribeReaction(r Reaction) string {
	switch r.Kind {
	case ReactCooldown:
		if r.Group != "" {
			return fmt.Sprintf("Cool down every control of group “%s” for %g s (and while its alert plays)", r.Group, r.Seconds)
		}
		return fmt.Sprintf("Cool down for %g s (and while its alert plays)", r.Seconds)
	case ReactAlert:
		s := fmt.Sprintf("Show “%s” on the overlay for %g s", r.Text, r.AlertDuration())
		if r.Image != "" {
			s += ", image " + r.Image
		}
		if r.Sound != "" {
			s += ", sound " + r.Sound
		}
		return s
	case ReactCounter:
		s := fmt.Sprintf("Count on “%s”", r.CounterName())
		return s + describeShow(r)
	case ReactVote:
		label := r.Label
		if label == "" {
			label = r.ControlID
		}
		return fmt.Sprintf("Vote “%s” in “%s”", label, r.Name) + describeShow(r)
	case ReactScene:
		return fmt.Sprintf("Show scene “%s” to group “%s”", r.Scene, r.Group)
	case ReactMove:
		return fmt.Sprintf("Move the viewer into group “%s”", r.Group)
	case ReactWebhook:
		return fmt.Sprintf("POST the event to %s (timeout %g s, %d retries)", r.URL, r.WebhookTimeout(), r.WebhookRetries())
	}
	return r.Kind
}

func describeShow(r Reaction) string {
	switch r.Show {
	case ShowText:
		return ", shown as the control's text"
	case ShowProgress:
		if r.Kind == ReactCounter {
			return fmt.Sprintf(", shown as its progress towards %d", r.Goal)
		}
		return ", shown as its progress bar"
	}
	return ""
}
