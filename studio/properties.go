package studio

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on free text, so a layout stays a layout and not a file store.
const (
	MaxTextLen = 1000 // text, tooltip, placeholder, submitText (characters)
	MaxIDLen   = 255  // sceneID, controlID, groupID (bytes)
	MaxURLLen  = 2048
)

var (
	buttons   = []string{KindButton}
	joysticks = []string{KindJoystick}
	labels    = []string{KindLabel}
	textboxes = []string{KindTextbox}
	styled    = []string{KindButton, KindLabel, KindTextbox}
	boxed     = []string{KindButton, KindTextbox}
	screens   = []string{KindScreen}
)

// A screen's sendMoveEvents values.
const (
	MoveAlways      = "always"    // every move of the pointer over it
	MoveOnMouseDown = "mousedown" // moves while a button (or finger) is down
	MoveNever       = "never"
)

// properties is every built-in property, in the order they are written in
// JSON. Ranges: the spec's where it gives one (progress [0,1], angle
// [0,2π)); elsewhere what the renderer could show: cost and cooldown ≥ 0,
// intensity [0,1] (an opacity), sampleRate 1..10000 ms, keyCode 0..255 (a
// JavaScript keycode fits a byte), gamepadButton 0..15 (the standard
// gamepad mapping's 16 buttons, A = 0), gamepadJoystick 0 or 1,
// moveThrottle 0..10000 ms.
var properties = []Property{
	{Name: "text", Type: TypeString, Kinds: []string{KindButton, KindLabel}, Help: "Text shown on the control.",
		field: func(p *Props) any { return &p.Text }, check: checkText},
	{Name: "tooltip", Type: TypeString, Kinds: buttons, Help: "Shown when a participant hovers over the button.",
		field: func(p *Props) any { return &p.Tooltip }, check: checkText},
	{Name: "placeholder", Type: TypeString, Kinds: textboxes, Help: "Hint shown in the empty textbox.",
		field: func(p *Props) any { return &p.Placeholder }, check: checkText},
	{Name: "submitText", Type: TypeString, Kinds: textboxes, Help: "Text on the submit button instead of \"Submit\".",
		field: func(p *Props) any { return &p.SubmitText }, check: checkText},
	{Name: "cost", Type: TypeInt, Kinds: boxed, Help: "Sparks a participant spends to use it; 0 is free.",
		field: func(p *Props) any { return &p.Cost }, check: intRange(0, math.MaxInt32)},
	{Name: "progress", Type: TypeFloat, Kinds: buttons, Help: "Progress bar, from 0 (empty) to 1 (full).",
		field: func(p *Props) any { return &p.Progress }, check: floatRange(0, 1, true)},
	{Name: "cooldown", Type: TypeInt, Kinds: boxed, Help: "A moment, not a duration: the Unix time in milliseconds until which it is cooled down (a game client sets it). For N seconds after each press, add a cooldown reaction.",
		field: func(p *Props) any { return &p.Cooldown }, check: intRange(0, 1<<53)},
	{Name: "disabled", Type: TypeBool, Kinds: []string{KindButton, KindJoystick, KindTextbox, KindScreen}, Help: "Participants cannot use it.",
		field: func(p *Props) any { return &p.Disabled }, check: noCheck},
	{Name: "keyCode", Type: TypeInt, Kinds: buttons, Help: "JavaScript keycode that presses the button from the keyboard (0-255).",
		field: func(p *Props) any { return &p.KeyCode }, check: intRange(0, 255)},
	{Name: "gamepadButton", Type: TypeInt, Kinds: buttons, Help: "Gamepad button bound to it (0 = A ... 15 = D-pad right).",
		field: func(p *Props) any { return &p.GamepadButton }, check: intRange(0, 15)},
	{Name: "sampleRate", Type: TypeInt, Kinds: joysticks, Help: "Milliseconds between the joystick's move events (1-10000).",
		field: func(p *Props) any { return &p.SampleRate }, check: intRange(1, 10000)},
	{Name: "angle", Type: TypeFloat, Kinds: joysticks, Help: "Angle of the halo, in radians from 0 up to 2π.",
		field: func(p *Props) any { return &p.Angle }, check: floatRange(0, 2*math.Pi, false)},
	{Name: "intensity", Type: TypeFloat, Kinds: joysticks, Help: "Opacity of the halo, from 0 to 1.",
		field: func(p *Props) any { return &p.Intensity }, check: floatRange(0, 1, true)},
	{Name: "gamepadJoystick", Type: TypeInt, Kinds: joysticks, Help: "Gamepad joystick bound to it: 0 (left) or 1 (right).",
		field: func(p *Props) any { return &p.GamepadJoystick }, check: intRange(0, 1)},
	{Name: "hasSubmit", Type: TypeBool, Kinds: textboxes, Help: "Show a submit button.",
		field: func(p *Props) any { return &p.HasSubmit }, check: noCheck},
	{Name: "multiline", Type: TypeBool, Kinds: textboxes, Help: "Allow several lines of text.",
		field: func(p *Props) any { return &p.Multiline }, check: noCheck},
	{Name: "sendMoveEvents", Type: TypeString, Kinds: screens, Help: "When pointer moves are sent: always, mousedown (while pressed) or never.",
		field: func(p *Props) any { return &p.SendMoveEvents }, check: oneOf(MoveAlways, MoveOnMouseDown, MoveNever)},
	{Name: "moveThrottle", Type: TypeInt, Kinds: screens, Help: "Milliseconds between the screen's move events (0-10000).",
		field: func(p *Props) any { return &p.MoveThrottle }, check: intRange(0, 10000)},
	{Name: "sendMouseDownEvent", Type: TypeBool, Kinds: screens, Help: "Send mousedown when the screen is pressed.",
		field: func(p *Props) any { return &p.SendMouseDownEvent }, check: noCheck},
	{Name: "sendMouseUpEvent", Type: TypeBool, Kinds: screens, Help: "Send mouseup when the press ends.",
		field: func(p *Props) any { return &p.SendMouseUpEvent }, check: noCheck},
	{Name: "bold", Type: TypeBool, Kinds: labels, Help: "Bold text.",
		field: func(p *Props) any { return &p.Bold }, check: noCheck},
	{Name: "italic", Type: TypeBool, Kinds: labels, Help: "Italic text.",
		field: func(p *Props) any { return &p.Italic }, check: noCheck},
	{Name: "underline", Type: TypeBool, Kinds: labels, Help: "Underlined text.",
		field: func(p *Props) any { return &p.Underline }, check: noCheck},
	{Name: "textSize", Type: TypeLength, Kinds: styled, Help: "Font size, a CSS length such as 14px or 1.5em.",
		field: func(p *Props) any { return &p.TextSize }, check: checkLength},
	{Name: "textColor", Type: TypeColor, Kinds: styled, Help: "Text colour (CSS).",
		field: func(p *Props) any { return &p.TextColor }, check: checkColor},
	{Name: "accentColor", Type: TypeColor, Kinds: boxed, Help: "Accent colour: progress bar, cooldown (CSS).",
		field: func(p *Props) any { return &p.AccentColor }, check: checkColor},
	{Name: "borderColor", Type: TypeColor, Kinds: boxed, Help: "Border colour (CSS).",
		field: func(p *Props) any { return &p.BorderColor }, check: checkColor},
	{Name: "focusColor", Type: TypeColor, Kinds: boxed, Help: "Border colour on hover and focus (CSS).",
		field: func(p *Props) any { return &p.FocusColor }, check: checkColor},
	{Name: "backgroundColor", Type: TypeColor, Kinds: boxed, Help: "Background colour (CSS).",
		field: func(p *Props) any { return &p.BackgroundColor }, check: checkColor},
	{Name: "backgroundImage", Type: TypeURL, Kinds: buttons, Help: "Background image, an http(s) URL.",
		field: func(p *Props) any { return &p.BackgroundImage }, check: checkURL},
}

func noCheck(any) string { return "" }

// oneOf accepts exactly one of the given strings.
func oneOf(values ...string) func(any) string {
	return func(v any) string {
		for _, ok := range values {
			if v.(string) == ok {
				return ""
			}
		}
		return fmt.Sprintf("must be one of %s, not %q", strings.Join(values, ", "), truncate(v.(string)))
	}
}

func checkText(v any) string {
	s := v.(string)
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	if n := utf8.RuneCountInString(s); n > MaxTextLen {
		return fmt.Sprintf("is %d characters long; at most %d are allowed", n, MaxTextLen)
	}
	return ""
}

func intRange(lo, hi int64) func(any) string {
	return func(v any) string {
		if n := v.(int64); n < lo || n > hi {
			return fmt.Sprintf("must be between %d and %d, not %d", lo, hi, n)
		}
		return ""
	}
}

// floatRange checks lo ≤ v ≤ hi (or v < hi when the top is open).
func floatRange(lo, hi float64, closed bool) func(any) string {
	return func(v any) string {
		f := v.(float64)
		ok := !math.IsNaN(f) && f >= lo && (f < hi || closed && f == hi)
		if ok {
			return ""
		}
		top := "]"
		if !closed {
			top = ")"
		}
		return fmt.Sprintf("must be in [%s, %s%s, not %s", fmtFloat(lo), fmtFloat(hi), top, fmtFloat(f))
	}
}

func fmtFloat(f float64) string {
	if f == 2*math.Pi {
		return "2π"
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

var lengthRE = regexp.MustCompile(`^[0-9]{1,4}(\.[0-9]{1,3})?(px|em|rem|pt|%)?$`)

func checkLength(v any) string {
	if !lengthRE.MatchString(v.(string)) {
		return fmt.Sprintf("must be a CSS length such as 14px or 1.5em, not %q", truncate(v.(string)))
	}
	return ""
}

func checkURL(v any) string {
	s := v.(string)
	u, err := url.Parse(s)
	if len(s) > MaxURLLen || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("must be an http or https URL, not %q", truncate(s))
	}
	return ""
}

func checkColor(v any) string {
	if !ValidColor(v.(string)) {
		return fmt.Sprintf("must be a CSS colour (#rgb, #rrggbb, rgb(...), hsl(...) or a name), not %q", truncate(v.(string)))
	}
	return ""
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

var (
	hexColorRE  = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`)
	num         = `[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(deg|%)?`
	funcColorRE = regexp.MustCompile(`^(rgb|rgba|hsl|hsla)\(\s*` + num + `(\s*[,\s/]\s*` + num + `){2,3}\s*\)$`)
)

// ValidColor reports whether s is a CSS colour the participant's browser
// understands: hex, rgb()/rgba()/hsl()/hsla() with numbers, a named colour,
// or transparent/currentcolor.
func ValidColor(s string) bool {
	s = strings.TrimSpace(s)
	if hexColorRE.MatchString(s) || funcColorRE.MatchString(strings.ToLower(s)) {
		return true
	}
	return cssColorNames[strings.ToLower(s)]
}

// cssColorNames are the CSS Color Module level 4 named colours.
var cssColorNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`transparent currentcolor aliceblue antiquewhite aqua aquamarine azure
	beige bisque black blanchedalmond blue blueviolet brown burlywood cadetblue chartreuse chocolate
	coral cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen
	darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon
	darkseagreen darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink
	deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro
	ghostwhite gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory
	khaki lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
	lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
	lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
	magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
	mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
	mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
	palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
	powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen
	seashell sienna silver skyblue slateblue slategray slategrey snow springgreen steelblue tan teal
	thistle tomato turquoise violet wheat white whitesmoke yellow yellowgreen`) {
		m[n] = true
	}
	return m
}()
