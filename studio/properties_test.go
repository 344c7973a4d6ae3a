package studio

import (
	"reflect"
	"testing"
)

// The spec's Built-In Controls section, kind by kind, plus the label and
// textbox properties and the styling Mixer's renderer honoured.
func TestBuiltInPropertiesPerKind(t *testing.T) {
	want := map[string][]string{
		KindButton: {"text", "tooltip", "cost", "progress", "cooldown", "disabled", "keyCode", "gamepadButton",
			"textSize", "textColor", "accentColor", "borderColor", "focusColor", "backgroundColor", "backgroundImage"},
		KindJoystick: {"disabled", "sampleRate", "angle", "intensity", "gamepadJoystick"},
		KindLabel:    {"text", "bold", "italic", "underline", "textSize", "textColor"},
		KindTextbox: {"placeholder", "submitText", "cost", "cooldown", "disabled", "hasSubmit", "multiline",
			"textSize", "textColor", "accentColor", "borderColor", "focusColor", "backgroundColor"},
	}
	for kind, names := range want {
		got := map[string]bool{}
		for _, p := range PropertiesOf(kind) {
			got[p.Name] = true
			if p.Help == "" || p.Type == "" {
				t.Errorf("%s.%s lacks help or type", kind, p.Name)
			}
		}
		for _, n := range names {
			if !got[n] {
				t.Errorf("%s lacks built-in %s", kind, n)
			}
			delete(got, n)
		}
		for n := range got {
			t.Errorf("%s has unexpected built-in %s", kind, n)
		}
	}
	if PropertiesOf("dial") != nil {
		t.Error("an unknown kind has properties")
	}
}

func TestGetFormatsEveryType(t *testing.T) {
	c := Control{ControlID: "b", Kind: KindButton}
	for name, value := range map[string]string{"text": "Hi", "cost": "12", "progress": "0.25", "disabled": "true", "textColor": "#abc"} {
		if err := c.Set(name, value); err != nil {
			t.Fatal(err)
		}
		if got, ok := c.Get(name); !ok || got != value {
			t.Errorf("Get(%s) = %q %v, want %q", name, got, ok, value)
		}
	}
	if _, ok := c.Get("angle"); ok {
		t.Error("a button reports a joystick property")
	}
	if _, ok := c.Get("tooltip"); ok {
		t.Error("an unset property reports set")
	}
}

func TestCloneSharesNothing(t *testing.T) {
	c := richLayout().Scenes[0].Controls[0]
	cp := c.Clone()
	if !reflect.DeepEqual(c, cp) {
		t.Fatal("clone differs")
	}
	*cp.Text = "changed"
	cp.Position[0].X = 99
	cp.Custom["alpha"][1] = 'y'
	if *c.Text == "changed" || c.Position[0].X == 99 || string(c.Custom["alpha"]) != `"x"` {
		t.Fatal("the clone shares memory with the original")
	}
}
