package studio

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func pos(size string, x, y, w, h int) Position {
	return Position{Size: size, X: x, Y: y, Width: w, Height: h}
}

func button(id string, ps ...Position) Control {
	return Control{ControlID: id, Kind: KindButton, Position: ps}
}

// layoutWith is a valid layout whose default scene holds controls.
func layoutWith(controls ...Control) Layout {
	l := NewLayout("test")
	l.Scenes[0].Controls = controls
	return l
}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var v *ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	if !errors.Is(err, ErrInvalid) || ErrorCode(err) != EINVALID {
		t.Fatalf("a ValidationError must be EINVALID: %v", err)
	}
	return v.Problems
}

func TestValidateLayoutRules(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(l *Layout)
		want   []Problem // each must be found (Message: substring)
		wantOK bool
	}{
		{name: "new layout is valid", edit: func(l *Layout) {}, wantOK: true},
		{name: "a full valid control", edit: func(l *Layout) {
			c := button("go", pos(Large, 0, 0, 10, 5), pos(Medium, 35, 20, 10, 5), pos(Small, 0, 35, 30, 5))
			c.Text, c.Cost, c.Progress, c.KeyCode, c.TextColor = Ptr("Go"), Ptr[int64](10), Ptr(1.0), Ptr[int64](32), Ptr("rgba(0, 0, 0, .5)")
			l.Scenes[0].Controls = []Control{c}
		}, wantOK: true},
		{name: "missing default scene", edit: func(l *Layout) { l.Scenes[0].SceneID = "main"; l.Groups[0].SceneID = "main" },
			want: []Problem{{SceneID: "default", Field: "sceneID", Message: "missing"}}},
		{name: "missing default group", edit: func(l *Layout) { l.Groups = nil },
			want: []Problem{{GroupID: "default", Field: "groupID", Message: "missing"}}},
		{name: "group on unknown scene", edit: func(l *Layout) { l.Groups = append(l.Groups, Group{GroupID: "vip", SceneID: "nope"}) },
			want: []Problem{{GroupID: "vip", Field: "sceneID", Message: `"nope" does not exist`}}},
		{name: "group without scene", edit: func(l *Layout) { l.Groups = append(l.Groups, Group{GroupID: "vip"}) },
			want: []Problem{{GroupID: "vip", Field: "sceneID", Message: "needs a scene"}}},
		{name: "duplicate scene", edit: func(l *Layout) { l.Scenes = append(l.Scenes, Scene{SceneID: "default"}) },
			want: []Problem{{SceneID: "default", Field: "sceneID", Message: "same id"}}},
		{name: "empty scene id", edit: func(l *Layout) { l.Scenes = append(l.Scenes, Scene{}) },
			want: []Problem{{Field: "sceneID", Message: "needs an id"}}},
		{name: "duplicate group", edit: func(l *Layout) { l.Groups = append(l.Groups, Group{GroupID: "default", SceneID: "default"}) },
			want: []Problem{{GroupID: "default", Field: "groupID", Message: "same id"}}},
		{name: "duplicate control", edit: func(l *Layout) { l.Scenes[0].Controls = []Control{button("a"), button("a")} },
			want: []Problem{{SceneID: "default", ControlID: "a", Field: "controlID", Message: "same id"}}},
		{name: "empty control id", edit: func(l *Layout) { l.Scenes[0].Controls = []Control{button("")} },
			want: []Problem{{SceneID: "default", Field: "controlID", Message: "needs an id"}}},
		{name: "control id with newline", edit: func(l *Layout) { l.Scenes[0].Controls = []Control{button("a\nb")} },
			want: []Problem{{SceneID: "default", ControlID: "a\nb", Field: "controlID", Message: "control characters"}}},
		{name: "too long id", edit: func(l *Layout) { l.Scenes[0].Controls = []Control{button(strings.Repeat("x", 256))} },
			want: []Problem{{SceneID: "default", ControlID: strings.Repeat("x", 256), Field: "controlID", Message: "256 bytes"}}},
		{name: "unknown kind", edit: func(l *Layout) { l.Scenes[0].Controls = []Control{{ControlID: "a", Kind: "slider!"}} },
			want: []Problem{{SceneID: "default", ControlID: "a", Field: "kind", Message: `unknown kind "slider!"`}}},
		{name: "unknown format", edit: func(l *Layout) { l.Format = "other/2" },
			want: []Problem{{Field: "format", Message: "unknown format"}}},
		{name: "custom property shadowing a built-in", edit: func(l *Layout) {
			l.Scenes[0].Controls = []Control{{ControlID: "a", Kind: KindButton, Custom: map[string]json.RawMessage{"text": json.RawMessage(`"x"`)}}}
		}, want: []Problem{{SceneID: "default", ControlID: "a", Field: "text", Message: "built-in"}}},
		{name: "too many scenes", edit: func(l *Layout) {
			for i := 0; i <= MaxScenes; i++ {
				l.Scenes = append(l.Scenes, Scene{SceneID: strings.Repeat("s", i+1)})
			}
		}, want: []Problem{{Field: "scenes", Message: "at most 500"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLayout("test")
			tt.edit(&l)
			got := problemsOf(t, l.Validate())
			if tt.wantOK {
				if len(got) != 0 {
					t.Fatalf("want valid, got %v", got)
				}
				return
			}
			for _, w := range tt.want {
				if !hasProblem(got, w) {
					t.Errorf("missing problem %+v in %+v", w, got)
				}
			}
		})
	}
}

func hasProblem(ps []Problem, w Problem) bool {
	for _, p := range ps {
		if p.SceneID == w.SceneID && p.ControlID == w.ControlID && p.GroupID == w.GroupID &&
			p.Grid == w.Grid && p.Field == w.Field && strings.Contains(p.Message, w.Message) {
			return true
		}
	}
	return false
}

func TestValidatePositions(t *testing.T) {
	tests := []struct {
		name    string
		control Control
		want    []Problem // empty: valid
	}{
		{"fits exactly in large corner", button("b", pos(Large, 70, 15, 10, 5)), nil},
		{"no positions hides, valid", button("b"), nil},
		{"past the right edge", button("b", pos(Large, 71, 0, 10, 5)),
			[]Problem{{ControlID: "b", Grid: Large, Field: "position", Message: "does not fit on the large grid (80x20)"}}},
		{"past the bottom of medium", button("b", pos(Medium, 0, 21, 10, 5)),
			[]Problem{{ControlID: "b", Grid: Medium, Field: "position", Message: "does not fit"}}},
		{"negative x", button("b", pos(Small, -1, 0, 10, 5)),
			[]Problem{{ControlID: "b", Grid: Small, Field: "position", Message: "does not fit"}}},
		{"unknown grid", button("b", pos("huge", 0, 0, 10, 5)),
			[]Problem{{ControlID: "b", Field: "position", Message: `unknown grid size "huge"`}}},
		{"two large positions", button("b", pos(Large, 0, 0, 10, 5), pos(Large, 20, 0, 10, 5)),
			[]Problem{{ControlID: "b", Grid: Large, Field: "position", Message: "two positions"}}},
		{"button too narrow", button("b", pos(Large, 0, 0, 2, 5)),
			[]Problem{{ControlID: "b", Grid: Large, Field: "width", Message: "3 to 80 units wide"}}},
		{"button too low", button("b", pos(Small, 0, 0, 5, 1)),
			[]Problem{{ControlID: "b", Grid: Small, Field: "height", Message: "2 to 40 units high"}}},
		{"joystick not square", Control{ControlID: "j", Kind: KindJoystick, Position: []Position{pos(Large, 0, 0, 10, 8)}},
			[]Problem{{ControlID: "j", Grid: Large, Field: "width", Message: "square"}}},
		{"joystick too small", Control{ControlID: "j", Kind: KindJoystick, Position: []Position{pos(Large, 0, 0, 4, 4)}},
			[]Problem{{ControlID: "j", Grid: Large, Field: "width", Message: "5 to 20"}}},
		{"joystick wider than small grid", Control{ControlID: "j", Kind: KindJoystick, Position: []Position{pos(Small, 0, 0, 31, 31)}},
			[]Problem{{ControlID: "j", Grid: Small, Field: "width", Message: "5 to 30"}}},
		{"joystick square ok", Control{ControlID: "j", Kind: KindJoystick, Position: []Position{pos(Large, 0, 0, 20, 20)}}, nil},
		{"label 2x1 ok", Control{ControlID: "l", Kind: KindLabel, Position: []Position{pos(Small, 0, 0, 2, 1)}}, nil},
		{"textbox too low", Control{ControlID: "t", Kind: KindTextbox, Position: []Position{pos(Large, 0, 0, 10, 3)}},
			[]Problem{{ControlID: "t", Grid: Large, Field: "height", Message: "4 to 20"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(t, tt.control.Validate())
			if len(tt.want) == 0 && len(got) > 0 {
				t.Fatalf("want valid, got %v", got)
			}
			for _, w := range tt.want {
				if !hasProblem(got, w) {
					t.Errorf("missing problem %+v in %+v", w, got)
				}
			}
		})
	}
}

func TestValidateOverlaps(t *testing.T) {
	tests := []struct {
		name     string
		controls []Control
		want     []Problem
	}{
		{"side by side", []Control{button("a", pos(Large, 0, 0, 10, 5)), button("b", pos(Large, 10, 0, 10, 5))}, nil},
		{"one cell shared", []Control{button("a", pos(Large, 0, 0, 10, 5)), button("b", pos(Large, 9, 4, 10, 5))},
			[]Problem{{SceneID: "default", ControlID: "b", Grid: Large, Field: "position", Message: `overlaps control "a"`}}},
		{"same place on different grids is fine", []Control{button("a", pos(Large, 0, 0, 10, 5)), button("b", pos(Medium, 0, 0, 10, 5))}, nil},
		{"overlap only on small", []Control{
			button("a", pos(Large, 0, 0, 10, 5), pos(Small, 0, 0, 10, 5)),
			button("b", pos(Large, 20, 0, 10, 5), pos(Small, 5, 2, 10, 5))},
			[]Problem{{SceneID: "default", ControlID: "b", Grid: Small, Field: "position", Message: `overlaps control "a" on the small grid`}}},
		{"hidden control overlaps nothing", []Control{button("a", pos(Large, 0, 0, 10, 5)), button("b")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := layoutWith(tt.controls...)
			got := problemsOf(t, l.Validate())
			if len(tt.want) != len(got) {
				t.Fatalf("got %d problems %+v, want %+v", len(got), got, tt.want)
			}
			for _, w := range tt.want {
				if !hasProblem(got, w) {
					t.Errorf("missing problem %+v in %+v", w, got)
				}
			}
		})
	}
}

func TestValidatePropertyRanges(t *testing.T) {
	tests := []struct {
		kind, field, value string
		ok                 bool
	}{
		{KindButton, "progress", "0", true},
		{KindButton, "progress", "1", true},
		{KindButton, "progress", "1.01", false},
		{KindButton, "progress", "-0.1", false},
		{KindButton, "progress", "NaN", false},
		{KindButton, "cost", "0", true},
		{KindButton, "cost", "-1", false},
		{KindButton, "cost", "1.5", false},
		{KindButton, "cooldown", "-5", false},
		{KindButton, "keyCode", "255", true},
		{KindButton, "keyCode", "256", false},
		{KindButton, "gamepadButton", "15", true},
		{KindButton, "gamepadButton", "16", false},
		{KindButton, "disabled", "yes", false},
		{KindButton, "disabled", "true", true},
		{KindButton, "text", strings.Repeat("é", MaxTextLen), true},
		{KindButton, "text", strings.Repeat("é", MaxTextLen+1), false},
		{KindButton, "textColor", "#fff", true},
		{KindButton, "textColor", "#ffffff80", true},
		{KindButton, "textColor", "rgb(255, 0, 0)", true},
		{KindButton, "textColor", "hsl(120deg 50% 50% / .5)", true},
		{KindButton, "textColor", "RebeccaPurple", true},
		{KindButton, "textColor", "#ggg", false},
		{KindButton, "textColor", "red; background: url(x)", false},
		{KindButton, "backgroundColor", "expression(alert(1))", false},
		{KindButton, "backgroundImage", "https://example.com/a.png", true},
		{KindButton, "backgroundImage", "javascript:alert(1)", false},
		{KindButton, "textSize", "14px", true},
		{KindButton, "textSize", "1.5em", true},
		{KindButton, "textSize", "big", false},
		{KindJoystick, "angle", "0", true},
		{KindJoystick, "angle", "6.28", true},
		{KindJoystick, "angle", "6.2832", false}, // ≥ 2π
		{KindJoystick, "intensity", "1", true},
		{KindJoystick, "intensity", "1.5", false},
		{KindJoystick, "sampleRate", "0", false},
		{KindJoystick, "sampleRate", "50", true},
		{KindJoystick, "gamepadJoystick", "1", true},
		{KindJoystick, "gamepadJoystick", "2", false},
		{KindJoystick, "text", "x", false}, // not a joystick property
		{KindLabel, "bold", "true", true},
		{KindTextbox, "placeholder", "say hi", true},
		{KindTextbox, "cost", "-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.field+"="+truncate(tt.value), func(t *testing.T) {
			c := Control{ControlID: "c", Kind: tt.kind}
			err := c.Set(tt.field, tt.value)
			if tt.ok != (err == nil) {
				t.Fatalf("Set(%s, %q) = %v, want ok=%v", tt.field, tt.value, err, tt.ok)
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Field != tt.field || e.Code != EINVALID {
					t.Fatalf("error %#v should be EINVALID on field %s", err, tt.field)
				}
				if _, set := c.Get(tt.field); set {
					t.Fatalf("a refused value was stored")
				}
				return
			}
			if got, _ := c.Get(tt.field); got == "" {
				t.Fatalf("Get(%s) after Set is empty", tt.field)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate after Set: %v", err)
			}
		})
	}
}

func TestValidateReportsValuesSetInCode(t *testing.T) {
	c := Control{ControlID: "j", Kind: KindJoystick}
	c.Angle = Ptr(2 * math.Pi)
	c.Text = Ptr("joysticks have no text")
	got := problemsOf(t, c.Validate())
	if !hasProblem(got, Problem{ControlID: "j", Field: "angle", Message: "[0, 2π)"}) ||
		!hasProblem(got, Problem{ControlID: "j", Field: "text", Message: "has no property"}) {
		t.Fatalf("problems: %+v", got)
	}
}

func TestSetEmptyUnsets(t *testing.T) {
	c := Control{ControlID: "c", Kind: KindButton}
	if err := c.Set("cost", "5"); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("cost", ""); err != nil || c.Cost != nil {
		t.Fatalf("empty value should unset: %v %v", err, c.Cost)
	}
}

func TestValidationErrorListsEveryProblem(t *testing.T) {
	a := button("a", pos(Large, 75, 0, 10, 5))
	a.Progress = Ptr(2.0)
	l := layoutWith(a, button("a"), Control{ControlID: "x", Kind: "dial!"})
	got := problemsOf(t, l.Validate())
	if len(got) < 4 {
		t.Fatalf("want every problem (position, progress, duplicate, kind), got %+v", got)
	}
	v := &ValidationError{Problems: got}
	if len(v.For("default", "a")) < 3 {
		t.Fatalf("For(a) = %+v", v.For("default", "a"))
	}
	if !strings.Contains(v.Error(), "problems") {
		t.Fatalf("Error() = %q", v.Error())
	}
}

func TestLimitsAndGrids(t *testing.T) {
	for _, g := range Grids {
		for _, k := range Kinds {
			l := Limits(k, g)
			if l.MinWidth > l.DefaultWidth || l.DefaultWidth > l.MaxWidth || l.MinHeight > l.DefaultHeight || l.DefaultHeight > l.MaxHeight {
				t.Errorf("%s on %s: default %dx%d outside %+v", k, g.Name, l.DefaultWidth, l.DefaultHeight, l)
			}
		}
	}
	for _, tt := range []struct {
		px   int
		want string
	}{{1920, Large}, {900, Large}, {899, Medium}, {540, Medium}, {539, Small}, {0, Small}} {
		if got := GridForViewport(tt.px).Name; got != tt.want {
			t.Errorf("GridForViewport(%d) = %s, want %s", tt.px, got, tt.want)
		}
	}
}

func TestValidationErrorIsCapped(t *testing.T) {
	var cs []Control
	for i := range 1500 {
		cs = append(cs, Control{ControlID: strings.Repeat("x", i%7+1) + string(rune('a'+i%26)) + strings.Repeat("y", i/26), Kind: "dial!"})
	}
	l := layoutWith(cs...)
	got := problemsOf(t, l.Validate())
	if len(got) != MaxProblems || !strings.Contains(got[MaxProblems-1].Message, "and 501 more problems") {
		t.Fatalf("%d problems, last %+v", len(got), got[len(got)-1])
	}
}
