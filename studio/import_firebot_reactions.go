package studio

import (
	"encoding/json"
	"fmt"
	"math"
	"path"
	"strings"
)

// Firebot kept what a button did in its own project: a cooldown in seconds
// per control, cooldown groups, and a list of effects. Those with an
// equivalent here become reactions: the cooldown, the groups' cooldowns,
// show text / show image / play sound (an overlay alert) and counters;
// every other effect is listed in the report's warnings.

// firebotCooldownGroups reads the project's "cooldownGroups": each
// {"name" or "groupName", "duration" or "length" (seconds), "buttons" or
// "controlIds"} becomes a cooldown group on its controls. It returns the
// groups by control id.
func (d *decoder) firebotCooldownGroups(raw json.RawMessage) map[string][]Reaction {
	out := map[string][]Reaction{}
	arr, _ := d.array(raw, Problem{Field: "cooldownGroups"}, "cooldownGroups")
	for i, item := range arr {
		var g struct {
			ID         string   `json:"id"`
			Name       string   `json:"name"`
			GroupName  string   `json:"groupName"`
			Duration   *float64 `json:"duration"`
			Length     *float64 `json:"length"`
			Buttons    []string `json:"buttons"`
			ControlIDs []string `json:"controlIds"`
		}
		if err := json.Unmarshal(item, &g); err != nil {
			d.warnf("Firebot cooldown group #%d not carried over: %s", i+1, truncateErr(err))
			continue
		}
		name := firstNonEmpty(g.Name, g.GroupName, g.ID)
		secs := g.Duration
		if secs == nil {
			secs = g.Length
		}
		if secs == nil || *secs < 1 || name == "" {
			d.warnf("Firebot cooldown group %q not carried over: it needs a name and a duration of at least 1 s", name)
			continue
		}
		for _, id := range append(g.Buttons, g.ControlIDs...) {
			out[id] = append(out[id], Reaction{Kind: ReactCooldown, Seconds: math.Min(*secs, MaxCooldownSeconds), Group: firebotName(name)})
		}
	}
	return out
}

// firebotName makes a Firebot name acceptable as a group or counter name.
func firebotName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if reactionNameRE.MatchString(string(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := b.String()
	if len(out) > maxReactionName {
		out = out[:maxReactionName]
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// firebotEffects maps a control's effects list to reactions.
func (d *decoder) firebotEffects(raw json.RawMessage, c *Control, where string) []Reaction {
	var effects struct {
		List []map[string]json.RawMessage `json:"list"`
	}
	if err := json.Unmarshal(raw, &effects); err != nil {
		d.warnf("%s: effects not carried over (%s)", where, truncateErr(err))
		return nil
	}
	var out []Reaction
	str := func(e map[string]json.RawMessage, keys ...string) string {
		for _, k := range keys {
			var s string
			if json.Unmarshal(e[k], &s) == nil && s != "" {
				return s
			}
		}
		return ""
	}
	num := func(e map[string]json.RawMessage, keys ...string) float64 {
		for _, k := range keys {
			var f float64
			if json.Unmarshal(e[k], &f) == nil && f > 0 {
				return f
			}
			var s string
			if json.Unmarshal(e[k], &s) == nil {
				if _, err := fmt.Sscanf(s, "%g", &f); err == nil && f > 0 {
					return f
				}
			}
		}
		return 0
	}
	file := func(p string) string {
		name := path.Base(strings.ReplaceAll(p, "\\", "/"))
		if !ValidFileName(name) {
			return ""
		}
		return name
	}
	for i, e := range effects.List {
		typ := str(e, "type")
		alert := Reaction{Kind: ReactAlert, Seconds: math.Min(num(e, "duration", "length"), MaxAlertSeconds)}
		switch typ {
		case "firebot:showtext":
			alert.Text = firebotText(str(e, "text"))
		case "firebot:showImage", "firebot:showimage":
			alert.Image = file(str(e, "file", "filepath", "url"))
		case "firebot:playsound", "firebot:playSound":
			alert.Sound = file(str(e, "filepath", "file"))
		case "firebot:update-counter":
			name := firebotName(str(e, "counterName", "counterId"))
			if name == "" {
				d.warnf("%s: effect #%d (update counter) names no counter; not carried over", where, i+1)
				continue
			}
			if m := str(e, "mode"); m != "" && m != "increment" || num(e, "value") > 1 {
				d.warnf("%s: counter %q counts one per press here (Firebot's mode or value not carried over)", where, name)
			}
			out = append(out, Reaction{Kind: ReactCounter, Name: name})
			continue
		default:
			if typ == "" {
				typ = "without a type"
			}
			d.warnf("%s: effect %s has no equivalent here; not carried over", where, typ)
			continue
		}
		if alert.Text == "" && alert.Image == "" && alert.Sound == "" {
			d.warnf("%s: effect %s shows or plays nothing we can read; not carried over", where, typ)
			continue
		}
		if alert.Seconds > 0 && alert.Seconds < 0.5 {
			alert.Seconds = 0.5
		}
		if alert.Image != "" || alert.Sound != "" {
			d.warnf("%s: upload %s to the version in the editor so its alert can show it", where, firstNonEmpty(alert.Image, alert.Sound))
		}
		out = append(out, alert)
	}
	return out
}

// firebotText turns Firebot's $user variables into our placeholder and
// keeps other braces as text (they are not placeholders here).
func firebotText(s string) string {
	s = placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		if contains(AlertPlaceholders[:], m[1:len(m)-1]) {
			return m
		}
		return "(" + m[1:len(m)-1] + ")"
	})
	s = strings.ReplaceAll(s, "$username", "{username}")
	return strings.ReplaceAll(s, "$user", "{username}")
}

// firebotReactions are a Firebot control's reactions: its per-press
// cooldown (mixplay.cooldown, seconds), its cooldown groups' and its
// effects'.
func (d *decoder) firebotReactions(raw json.RawMessage, sceneID string, c Control, groups []Reaction) []Reaction {
	var obj struct {
		Mixplay struct {
			Cooldown json.RawMessage `json:"cooldown"`
		} `json:"mixplay"`
		Effects json.RawMessage `json:"effects"`
	}
	_ = json.Unmarshal(raw, &obj) // firebotControl reported its shape
	where := fmt.Sprintf("control %q", c.ControlID)
	var out []Reaction
	if !isNull(obj.Mixplay.Cooldown) {
		if n, ok := d.integer(obj.Mixplay.Cooldown, Problem{SceneID: sceneID, ControlID: c.ControlID, Field: "cooldown"}); ok && n > 0 {
			out = append(out, Reaction{Kind: ReactCooldown, Seconds: math.Min(float64(n), MaxCooldownSeconds)})
		}
	}
	out = append(out, groups...)
	if !isNull(obj.Effects) {
		out = append(out, d.firebotEffects(obj.Effects, &c, where)...)
	}
	if len(out) == 0 {
		return nil
	}
	if c.Kind != KindButton && c.Kind != KindTextbox {
		d.warnf("%s: a %s cannot cool down or react here; its cooldown and effects are not carried over", where, c.Kind)
		return nil
	}
	if len(out) > MaxReactionsPerControl {
		d.warnf("%s: only the first %d of its %d reactions are carried over", where, MaxReactionsPerControl, len(out))
		out = out[:MaxReactionsPerControl]
	}
	for i := range out {
		out[i].SceneID, out[i].ControlID = sceneID, c.ControlID
	}
	return out
}
