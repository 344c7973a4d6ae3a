package client

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// layoutView is a session's scenes and groups in a form that ignores
// order: scene → control → its JSON, plus group → scene.
type layoutView struct {
	Scenes map[string]map[string]string
	Props  map[string]string
	Groups map[string]string
}

func viewOf(t *testing.T, scenes []Scene, groups []Group) layoutView {
	t.Helper()
	v := layoutView{Scenes: map[string]map[string]string{}, Props: map[string]string{}, Groups: map[string]string{}}
	for _, s := range scenes {
		cs := map[string]string{}
		for _, c := range s.Controls {
			b, _ := json.Marshal(c)
			cs[c.ControlID] = canonical(t, b)
		}
		v.Scenes[s.SceneID] = cs
		props := s.Props
		delete(props, "groups")
		b, _ := json.Marshal(props)
		v.Props[s.SceneID] = canonical(t, b)
	}
	for _, g := range groups {
		b, _ := json.Marshal(g)
		v.Groups[g.GroupID] = canonical(t, b)
	}
	return v
}

func canonical(t *testing.T, b []byte) string {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(x)
	return string(out)
}

func serverView(t *testing.T, c *Client) layoutView {
	t.Helper()
	scenes, err := c.GetScenes(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.GetGroups(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return viewOf(t, scenes, groups)
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestMediatorPushLayoutThenRestart(t *testing.T) {
	noLeaks(t)
	e := newMediatorEnv(t)
	c, err := Dial(ctxT(t), e.config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)
	pos := raw(`[{"size":"large","width":10,"height":5,"x":0,"y":0}]`)
	first := []Scene{
		{SceneID: "default", Props: Props{"mood": raw(`"calm"`)}, Controls: []Control{
			{ControlID: "btn", Kind: "label", Props: Props{"text": raw(`"Now a label"`), "position": pos}},
			{ControlID: "fire", Kind: "button", Props: Props{"text": raw(`"Fire"`), "tooltip": raw(`"shoot"`), "position": pos}},
		}},
		{SceneID: "arena", Controls: []Control{{ControlID: "jump", Kind: "button", Props: Props{"text": raw(`"Jump"`), "position": pos}}}},
	}
	groups := []Group{{GroupID: "default", SceneID: "arena"}, {GroupID: "vip", SceneID: "default", Props: Props{"tier": raw(`2`)}}}
	if err := c.PushLayout(ctx, first, groups); err != nil {
		t.Fatal(err)
	}
	if got, want := serverView(t, c), viewOf(t, first, groups); !reflect.DeepEqual(got, want) {
		t.Fatalf("after first push:\n got %+v\nwant %+v", got, want)
	}
	if _, ok := serverView(t, c).Scenes["lobby"]; ok {
		t.Error("lobby is not in the layout and should be gone")
	}

	// Second push: a property, a control and a scene property go away, a
	// group's scene moves; btn stays a label (the saved version has it as
	// a button, which the restore below must undo).
	second := slices.Clone(first)
	second[0] = Scene{SceneID: "default", Controls: []Control{
		{ControlID: "fire", Kind: "button", Props: Props{"text": raw(`"Fire!"`), "position": pos}},
		{ControlID: "btn", Kind: "label", Props: Props{"text": raw(`"Still a label"`), "position": pos}},
	}}
	second[1].Controls = nil // arena's jump goes
	groups2 := []Group{{GroupID: "default", SceneID: "default"}, {GroupID: "vip", SceneID: "arena", Props: Props{"tier": raw(`2`)}}}
	if err := c.PushLayout(ctx, second, groups2); err != nil {
		t.Fatal(err)
	}
	want := viewOf(t, second, groups2)
	if got := serverView(t, c); !reflect.DeepEqual(got, want) {
		t.Fatalf("after second push:\n got %+v\nwant %+v", got, want)
	}
	if err := c.SwitchScene(ctx, "default", "arena"); err != nil {
		t.Fatal(err)
	}
	want.Groups["default"] = `{"groupID":"default","sceneID":"arena"}`

	// The restarted mediator starts from the saved version (btn a button,
	// lobby present); the client brings back exactly what it pushed.
	e.restart()
	waitFor(t, c, "reconnecting", func(s Status) bool { return s.State == Reconnecting })
	waitFor(t, c, "live again", func(s Status) bool { return s.State == Live })
	if got := serverView(t, c); !reflect.DeepEqual(got, want) {
		t.Errorf("after restart:\n got %+v\nwant %+v", got, want)
	}
	if s := c.Stats(); s.RestoreErrors != 0 {
		t.Errorf("restore errors %d", s.RestoreErrors)
	}
}

func TestPropsPatch(t *testing.T) {
	got := propsPatch(raw(`{"a":1,"b":{"x":1},"c":"gone"}`), Props{"a": raw(`1`), "b": raw(`{ "x" : 2 }`), "d": raw(`true`)})
	want := Props{"b": raw(`{ "x" : 2 }`), "c": raw(`null`), "d": raw(`true`)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("propsPatch = %s", mustJSON(got))
	}
	if p := propsPatch(raw(`{"a":[1,2]}`), Props{"a": raw(`[1, 2]`)}); len(p) != 0 {
		t.Errorf("equal values patched: %s", mustJSON(p))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzComposePatch: applying the composition is applying both patches,
// on targets without objects in the way (a merge patch cannot say "replace
// this object by that one", so composition over those is approximate).
func FuzzComposePatch(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":{"c":null,"d":2}}`), []byte(`{"b":{"c":3,"e":null},"a":null}`), []byte(`{"a":0,"z":"s"}`))
	f.Add([]byte(`{"a":null}`), []byte(`{"a":{"x":null,"y":1}}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, a, b, target []byte) {
		if !json.Valid(a) || !json.Valid(b) || !json.Valid(target) {
			return
		}
		tm, ok := asObject(target)
		if !ok {
			return
		}
		for _, v := range tm {
			if _, obj := asObject(v); obj {
				return
			}
		}
		if _, ok := asObject(a); !ok {
			return
		}
		stepwise := mergePatch(mergePatch(target, a), b)
		composed := mergePatch(target, composePatch(a, b))
		if canonical(t, stepwise) != canonical(t, composed) {
			t.Fatalf("compose(%s, %s) on %s: stepwise %s, composed %s (patch %s)", a, b, target, stepwise, composed, composePatch(a, b))
		}
	})
}

func TestParticipantKeepsCustomProperties(t *testing.T) {
	in := `{"sessionID":"s","userID":3,"username":"ann","level":2,"lastInputAt":5,"connectedAt":4,"disabled":false,"groupID":"default","anonymous":false,"score":9.5,"team":{"name":"red"}}`
	var p Participant
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if canonical(t, out) != canonical(t, []byte(in)) {
		t.Errorf("round trip lost something:\n%s\n%s", in, out)
	}
}
