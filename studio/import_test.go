package studio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// richLayout uses every kind, every kind of property and custom data.
func richLayout() Layout {
	l := NewLayout("Everything")
	b := button("fire", pos(Large, 0, 0, 10, 5), pos(Medium, 0, 0, 10, 5), pos(Small, 0, 0, 10, 5))
	b.Text, b.Tooltip, b.Cost, b.Progress, b.Cooldown = Ptr("Fire! \"now\" <b>"), Ptr("shoots"), Ptr[int64](3), Ptr(0.1), Ptr[int64](1700000000000)
	b.Disabled, b.KeyCode, b.GamepadButton = Ptr(false), Ptr[int64](70), Ptr[int64](0)
	b.TextSize, b.TextColor, b.AccentColor, b.BorderColor = Ptr("14px"), Ptr("#fff"), Ptr("red"), Ptr("rgb(1,2,3)")
	b.FocusColor, b.BackgroundColor, b.BackgroundImage = Ptr("#000"), Ptr("hsl(0, 0%, 0%)"), Ptr("https://example.com/i.png?a=1&b=2")
	b.Custom = map[string]json.RawMessage{"zeta": json.RawMessage(`{"b":1,"a":[1,2]}`), "alpha": json.RawMessage(`"x"`), "ünï": json.RawMessage(`1e3`)}
	j := Control{ControlID: "stick", Kind: KindJoystick, Position: []Position{pos(Large, 20, 0, 10, 10)}}
	j.SampleRate, j.Angle, j.Intensity, j.GamepadJoystick = Ptr[int64](50), Ptr(math.Pi), Ptr(0.75), Ptr[int64](1)
	lb := Control{ControlID: "title", Kind: KindLabel, Position: []Position{pos(Large, 40, 0, 10, 2)}}
	lb.Text, lb.Bold, lb.Italic, lb.Underline = Ptr("Title"), Ptr(true), Ptr(false), Ptr(true)
	tb := Control{ControlID: "say", Kind: KindTextbox, Position: []Position{pos(Small, 0, 10, 15, 4)}}
	tb.Placeholder, tb.SubmitText, tb.HasSubmit, tb.Multiline, tb.Cost = Ptr("Say"), Ptr("Send"), Ptr(true), Ptr(false), Ptr[int64](0)
	hidden := button("hidden")
	l.Scenes[0].Controls = []Control{b, j, lb, tb, hidden}
	l.Scenes[0].Custom = map[string]json.RawMessage{"background": json.RawMessage(`"#123"`)}
	l.Scenes = append(l.Scenes, Scene{SceneID: "shop 🛒"})
	l.Groups = append(l.Groups, Group{GroupID: "vip", SceneID: "shop 🛒", Custom: map[string]json.RawMessage{"color": json.RawMessage(`"gold"`)}})
	return l
}

func TestExportImportExportIsByteIdentical(t *testing.T) {
	l := richLayout()
	if err := l.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	first, err := Export(l)
	if err != nil {
		t.Fatal(err)
	}
	back, rep, err := Import(first)
	if err != nil {
		t.Fatalf("import of an export: %v", err)
	}
	if rep.Format != FormatMixstudio || len(rep.Warnings) != 0 {
		t.Fatalf("report %+v", rep)
	}
	second, err := Export(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("export changed after a round trip:\n%s\n---\n%s", first, second)
	}
}

func TestControlJSONKeyOrder(t *testing.T) {
	c := button("b", pos(Small, 0, 0, 3, 2), pos(Large, 1, 2, 3, 4))
	c.Cost, c.Text = Ptr[int64](1), Ptr("t")
	c.Custom = map[string]json.RawMessage{"z": json.RawMessage(`1`), "a": json.RawMessage(`{ "k" : 2 }`)}
	c.Position = []Position{pos(Small, 0, 0, 3, 2), pos(Large, 1, 2, 3, 4)}
	sortPositions(c.Position)
	got, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"controlID":"b","kind":"button","position":[{"size":"large","width":3,"height":4,"x":1,"y":2},{"size":"small","width":3,"height":2,"x":0,"y":0}],"text":"t","cost":1,"a":{"k":2},"z":1}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var back Control
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != want {
		t.Fatalf("unmarshal/marshal changed it: %s", again)
	}
}

func TestSceneAndGroupJSON(t *testing.T) {
	s := Scene{SceneID: "s", Custom: map[string]json.RawMessage{"x": json.RawMessage(`true`)}}
	got, _ := json.Marshal(s)
	if string(got) != `{"sceneID":"s","controls":[],"x":true}` {
		t.Fatalf("scene: %s", got)
	}
	g := Group{GroupID: "g", SceneID: "s"}
	got, _ = json.Marshal(g)
	if string(got) != `{"groupID":"g","sceneID":"s"}` {
		t.Fatalf("group: %s", got)
	}
}

func TestImportBareScenes(t *testing.T) {
	l, rep, err := Import([]byte(`{"scenes":[{"sceneID":"default","controls":[{"controlID":"a","kind":"button","position":[{"size":"large","width":5,"height":5,"x":0,"y":0}]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatBare || len(l.Groups) != 1 || l.Groups[0].GroupID != DefaultGroupID || l.Name == "" {
		t.Fatalf("layout %+v report %+v", l, rep)
	}
}

func TestImportMixerLabVersion(t *testing.T) {
	data, err := os.ReadFile("testdata/mixer-lab-version.json")
	if err != nil {
		t.Fatal(err)
	}
	l, rep, err := Import(data)
	if err != nil {
		t.Fatalf("import: %v (report %+v)", err, rep)
	}
	if rep.Format != FormatMixerLab {
		t.Fatalf("format %q", rep.Format)
	}
	jump := l.Scene("default").Control("jump")
	if jump == nil || *jump.Text != "Jump" || *jump.Cost != 5 || *jump.KeyCode != 32 || *jump.Progress != 0.5 {
		t.Fatalf("jump: %+v", jump)
	}
	if string(jump.Custom["sound"]) != `"boing.mp3"` || string(jump.Custom["glow"]) != `{"color":"#f00","radius":10}` {
		t.Fatalf("meta not flattened: %s", jump.Custom)
	}
	if _, has := jump.Custom["etag"]; has {
		t.Fatal("etag kept as custom property")
	}
	if jump.Position[0].Size != Large || jump.Position[2].Size != Small {
		t.Fatalf("positions not in grid order: %+v", jump.Position)
	}
	if string(l.Scene("default").Custom["background"]) != `"#102030"` {
		t.Fatalf("scene meta: %s", l.Scene("default").Custom)
	}
	if !containsSub(rep.Warnings, "versionOrder") || !containsSub(rep.Warnings, "changelog") {
		t.Fatalf("warnings should name dropped Mixer fields: %q", rep.Warnings)
	}
	assertStableRoundTrip(t, l)
}

// A Mixer layout with a screen (Mixer's web client drew it; the node SDK
// has IScreenData) imports with its properties typed and checked.
func TestImportMixerLayoutWithAScreen(t *testing.T) {
	data, err := os.ReadFile("testdata/mixer-screen-version.json")
	if err != nil {
		t.Fatal(err)
	}
	l, rep, err := Import(data)
	if err != nil {
		t.Fatalf("import: %v (report %+v)", err, rep)
	}
	aim := l.Scene("default").Control("aim")
	if aim == nil || aim.Kind != KindScreen || *aim.SendMoveEvents != MoveOnMouseDown || *aim.MoveThrottle != 50 ||
		!*aim.SendMouseDownEvent || !*aim.SendMouseUpEvent || *aim.Disabled {
		t.Fatalf("aim: %+v", aim)
	}
	if string(aim.Custom["cursor"]) != `"crosshair"` || len(aim.Custom) != 1 {
		t.Fatalf("aim's custom properties %s", aim.Custom)
	}
	assertStableRoundTrip(t, l)

	// Bad values are reported at the property, like any other kind's.
	bad := strings.Replace(string(data), `"sendMoveEvents": "mousedown"`, `"sendMoveEvents": "sometimes"`, 1)
	bad = strings.Replace(bad, `"moveThrottle": 50`, `"moveThrottle": -1`, 1)
	_, _, err = Import([]byte(bad))
	if err == nil {
		t.Fatal("a screen with bad properties was imported")
	}
	for _, want := range []string{"sendMoveEvents", "must be one of always, mousedown, never", "moveThrottle"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal does not mention %q: %v", want, err)
		}
	}
}

// A layout made from a getScenes reply lists groups under each scene:
// they are left out with a warning, never kept as a custom property.
func TestImportLeavesOutGroupsListedUnderAScene(t *testing.T) {
	l, rep, err := Import([]byte(`{"scenes":[{"sceneID":"default","controls":[],"groups":[{"groupID":"default","sceneID":"default"}],"mood":"calm"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	sc := l.Scene("default")
	if _, kept := sc.Custom["groups"]; kept || string(sc.Custom["mood"]) != `"calm"` {
		t.Fatalf("scene custom properties %s", sc.Custom)
	}
	if !containsSub(rep.Warnings, "groups listed under it") {
		t.Fatalf("no warning about the groups: %q", rep.Warnings)
	}
	sc.Custom["groups"] = []byte(`[]`)
	if err := sc.Validate(); err == nil || !strings.Contains(err.Error(), "groups is a built-in name") {
		t.Fatalf("a scene with a custom groups property validated: %v", err)
	}
}

func TestImportFirebotProject(t *testing.T) {
	data, err := os.ReadFile("testdata/firebot-v5-project.json")
	if err != nil {
		t.Fatal(err)
	}
	l, rep, err := Import(data)
	if err != nil {
		t.Fatalf("import: %v (report %+v)", err, rep)
	}
	if rep.Format != FormatFirebot || l.Name != "Stream controls" {
		t.Fatalf("format %q name %q", rep.Format, l.Name)
	}
	main := l.Scene(DefaultSceneID)
	if main == nil || string(main.Custom["name"]) != `"Main"` {
		t.Fatalf("default scene not mapped from defaultSceneId: %+v", l.Scenes)
	}
	horn := main.Control("a1b2c3d4")
	if horn == nil || *horn.Text != "Airhorn" || *horn.Tooltip != "Honk!" || *horn.Cost != 100 || *horn.KeyCode != 72 {
		t.Fatalf("airhorn: %+v", horn)
	}
	if *horn.Progress != 0.25 || *horn.TextSize != "20px" || *horn.BackgroundColor != "#00ff00" {
		t.Fatalf("progress percent / textSize number not mapped: %v %v", *horn.Progress, *horn.TextSize)
	}
	if _, kept := horn.Custom["cooldownSeconds"]; kept || horn.Cooldown != nil {
		t.Fatalf("Firebot's cooldown must become a reaction, not a property: %s %v", horn.Custom, horn.Cooldown)
	}
	rs := ReactionsOf(l.Reactions, DefaultSceneID, "a1b2c3d4")
	want := []Reaction{
		{Kind: ReactCooldown, Seconds: 30},
		{Kind: ReactCooldown, Seconds: 10, Group: "Sounds"},
		{Kind: ReactAlert, Sound: "airhorn.mp3"},
		{Kind: ReactAlert, Text: "{username} honked (loud)", Seconds: 4},
		{Kind: ReactCounter, Name: "honks"},
	}
	if len(rs) != len(want) {
		t.Fatalf("airhorn reactions: %+v", rs)
	}
	for i := range want {
		want[i].SceneID, want[i].ControlID = DefaultSceneID, "a1b2c3d4"
		if fmt.Sprintf("%+v", rs[i]) != fmt.Sprintf("%+v", want[i]) {
			t.Errorf("reaction %d: %+v, want %+v", i, rs[i], want[i])
		}
	}
	if off := ReactionsOf(l.Reactions, DefaultSceneID, "off-switch"); len(off) != 1 || off[0].Group != "Sounds" {
		t.Fatalf("the cooldown group's other button: %+v", off)
	}
	if off := main.Control("off-switch"); off == nil || off.Disabled == nil || !*off.Disabled {
		t.Fatalf("inactive control should be disabled: %+v", off)
	}
	if l.Scene("second") == nil || l.Scene("second").Control("lbl") == nil {
		t.Fatal("second scene missing")
	}
	for _, w := range []string{"effect firebot:chat has no equivalent", "upload airhorn.mp3", "mixplay.tooltip"} {
		if !containsSub(rep.Warnings, w) {
			t.Errorf("no warning mentions %q: %q", w, rep.Warnings)
		}
	}
	assertStableRoundTrip(t, l)
}

func assertStableRoundTrip(t *testing.T, l Layout) {
	t.Helper()
	first, err := Export(l)
	if err != nil {
		t.Fatal(err)
	}
	back, _, err := Import(first)
	if err != nil {
		t.Fatalf("re-import: %v", err)
	}
	second, _ := Export(back)
	if !bytes.Equal(first, second) {
		t.Fatalf("not stable:\n%s\n---\n%s", first, second)
	}
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestImportRefusesAndReportsEverything(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code string
		want []Problem // for validation errors
	}{
		{"not json", `{"scenes": [`, EINVALID, nil},
		{"array", `[1,2]`, EINVALID, nil},
		{"null", `null`, EINVALID, nil},
		{"no scenes", `{"hello": 1}`, EINVALID, nil},
		{"not utf8", "{\"scenes\":[{\"sceneID\":\"\xff\"}]}", EINVALID, nil},
		{"wrong types", `{"format":"mixstudio/1","scenes":[{"sceneID":"default","controls":[
			{"controlID":"a","kind":"button","cost":"5","text":7,"disabled":"no","position":[{"size":"large","width":"3","height":2,"x":0,"y":0}]},
			{"controlID":"b","kind":"button","keyCode":3.5,"position":{"size":"large"}}]}]}`, EINVALID,
			[]Problem{
				{SceneID: "default", ControlID: "a", Field: "cost", Message: "whole number"},
				{SceneID: "default", ControlID: "a", Field: "text", Message: "string"},
				{SceneID: "default", ControlID: "a", Field: "disabled", Message: "true or false"},
				{SceneID: "default", ControlID: "a", Grid: Large, Field: "width", Message: "whole number"},
				{SceneID: "default", ControlID: "b", Field: "keyCode", Message: "whole number"},
				{SceneID: "default", ControlID: "b", Field: "position", Message: "JSON array"},
			}},
		{"rules", `{"scenes":[{"sceneID":"default","controls":[
			{"controlID":"a","kind":"button","progress":3,"position":[{"size":"large","width":10,"height":5,"x":75,"y":0}]},
			{"controlID":"b","kind":"button","position":[{"size":"medium","width":10,"height":5,"x":0,"y":0}]},
			{"controlID":"c","kind":"button","position":[{"size":"medium","width":10,"height":5,"x":5,"y":0}]}]}],
			"groups":[{"groupID":"vip","sceneID":"gone"}]}`, EINVALID,
			[]Problem{
				{SceneID: "default", ControlID: "a", Field: "progress", Message: "[0, 1]"},
				{SceneID: "default", ControlID: "a", Grid: Large, Field: "position", Message: "does not fit"},
				{SceneID: "default", ControlID: "c", Grid: Medium, Field: "position", Message: `overlaps control "b"`},
				{GroupID: "vip", Field: "sceneID", Message: "does not exist"},
			}},
		{"unknown format", `{"format":"mixstudio/9","scenes":[]}`, EINVALID, []Problem{{Field: "format", Message: "unknown format"}}},
		{"name with a newline", `{"format":"mixstudio/1","name":"a\nb","scenes":[]}`, EINVALID, []Problem{{Field: "name", Message: "project name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Import([]byte(tt.in))
			if err == nil {
				t.Fatal("import accepted it")
			}
			if ErrorCode(err) != tt.code {
				t.Fatalf("code %q (%v)", ErrorCode(err), err)
			}
			if tt.want == nil {
				return
			}
			var v *ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("not a ValidationError: %v", err)
			}
			for _, w := range tt.want {
				if !hasProblem(v.Problems, w) {
					t.Errorf("missing %+v in\n%+v", w, v.Problems)
				}
			}
		})
	}
}

func TestImportRefusesOversizedFile(t *testing.T) {
	big := []byte(`{"scenes":[],"pad":"` + strings.Repeat("x", MaxImportBytes) + `"}`)
	if _, _, err := Import(big); ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "bytes") {
		t.Fatalf("oversized: %v", err)
	}
}

func TestImportNamesAnUnnamedLayout(t *testing.T) {
	if _, rep, _ := Import([]byte(`{"name":"Mine","scenes":[]}`)); rep.Unnamed {
		t.Fatal("a named layout reported unnamed")
	}
	for _, in := range []string{`{"scenes":[]}`, `{"name":"   ","scenes":[]}`} {
		if l, rep, err := Import([]byte(in)); err != nil || l.Name != "Imported layout" || !rep.Unnamed {
			t.Fatalf("%s: name %q (unnamed %v), %v", in, l.Name, rep.Unnamed, err)
		}
	}
}

func TestImportWarnsAboutAddedDefaults(t *testing.T) {
	l, rep, err := Import([]byte(`{"format":"mixstudio/1","name":"n","scenes":[{"sceneID":"other","controls":[]}],"groups":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if l.Scene(DefaultSceneID) == nil || !containsSub(rep.Warnings, `no "default" scene`) || !containsSub(rep.Warnings, `no "default" group`) {
		t.Fatalf("layout %+v warnings %q", l.Scenes, rep.Warnings)
	}
}

// FuzzImport feeds arbitrary bytes to the decoder: it must never panic,
// and whatever it accepts must be valid and export stably.
func FuzzImport(f *testing.F) {
	// Small seeds, one per format: the fuzzer minimises every new input it
	// finds, which on kilobyte-sized seeds takes most of its time.
	f.Add([]byte(`{"format":"mixstudio/1","name":"n","scenes":[{"sceneID":"default","controls":[{"controlID":"b","kind":"button","position":[{"size":"large","width":5,"height":5,"x":0,"y":0}],"text":"t","cost":1,"progress":0.5,"textColor":"#fff","x":{"y":1}}]}],"groups":[{"groupID":"default","sceneID":"default"}]}`))
	f.Add([]byte(`{"scenes":[{"sceneID":"default","controls":[{"controlID":"a","kind":"joystick","angle":1,"position":[{"size":"small","width":5,"height":5,"x":0,"y":0}]}]}]}`))
	f.Add([]byte(`{"controls":{"scenes":[{"sceneID":"default","meta":{"a":{"value":1}},"controls":[{"controlID":"l","kind":"label","meta":{"b":{"value":null}}}]}]}}`))
	f.Add([]byte(`{"defaultSceneId":"x","scenes":[{"id":"x","controls":[{"id":"c","kind":"button","active":false,"mixplay":{"progress":50,"cooldown":3,"textSize":12}}]}]}`))
	f.Add([]byte(`{"scenes":[{"sceneID":"default","controls":[{"controlID":"t","kind":"textbox","position":[{"size":"medium","width":6,"height":4,"x":39,"y":21}]}]}],"groups":[{"groupID":"g"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, _, err := Import(data)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error of code %q: %v", ErrorCode(err), err)
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("accepted an invalid layout: %v", err)
		}
		first, err := Export(l)
		if err != nil {
			t.Fatalf("export of an accepted layout: %v", err)
		}
		back, _, err := Import(first)
		if err != nil {
			t.Fatalf("re-import: %v\n%s", err, first)
		}
		second, _ := Export(back)
		if !bytes.Equal(first, second) {
			t.Fatalf("unstable export:\n%s\n---\n%s", first, second)
		}
	})
}
