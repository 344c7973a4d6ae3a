package client

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/mixstudio/mixstudio/live/wire"
)

// fakeWorld is the session state a fresh server starts with (a default
// scene and group), kept just well enough to check what a client restores.
type fakeWorld struct {
	mu       sync.Mutex
	scenes   []*fakeScene
	groups   []map[string]json.RawMessage
	world    json.RawMessage
	throttle json.RawMessage
	ready    bool
	methods  []string
}

type fakeScene struct {
	id       string
	props    json.RawMessage
	controls []map[string]json.RawMessage
}

func newFakeWorld() *fakeWorld {
	return &fakeWorld{
		scenes: []*fakeScene{{id: "default"}},
		groups: []map[string]json.RawMessage{{"groupID": jsonString("default"), "sceneID": jsonString("default")}},
	}
}

func (w *fakeWorld) scene(id string) *fakeScene {
	for _, s := range w.scenes {
		if s.id == id {
			return s
		}
	}
	return nil
}

func idOf(m map[string]json.RawMessage, key string) string {
	var s string
	json.Unmarshal(m[key], &s)
	return s
}

func (w *fakeWorld) sceneJSON(s *fakeScene) map[string]json.RawMessage {
	m, _ := asObject(s.props)
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	m["sceneID"] = jsonString(s.id)
	cs, _ := json.Marshal(s.controls)
	if s.controls == nil {
		cs = []byte("[]")
	}
	m["controls"] = cs
	return m
}

// handlers answers the scene, control, group and core methods.
func (w *fakeWorld) handlers() map[string]handler {
	lock := func(h func(p wire.Packet) (any, *wire.Error)) handler {
		return func(_ *session, p wire.Packet) (any, *wire.Error, bool) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.methods = append(w.methods, p.Method)
			r, e := h(p)
			return r, e, false
		}
	}
	type sceneParams struct {
		SceneID    string                       `json:"sceneID"`
		Reassign   string                       `json:"reassignSceneID"`
		Scenes     []map[string]json.RawMessage `json:"scenes"`
		Controls   []map[string]json.RawMessage `json:"controls"`
		ControlIDs []string                     `json:"controlIDs"`
		Groups     []map[string]json.RawMessage `json:"groups"`
		GroupID    string                       `json:"groupID"`
		IsReady    bool                         `json:"isReady"`
		World      json.RawMessage              `json:"world"`
	}
	parse := func(p wire.Packet) sceneParams {
		var v sceneParams
		json.Unmarshal(p.Params, &v)
		return v
	}
	return map[string]handler{
		"ready": lock(func(p wire.Packet) (any, *wire.Error) {
			w.ready = parse(p).IsReady
			return nil, nil
		}),
		"updateWorld": lock(func(p wire.Packet) (any, *wire.Error) {
			w.world = mergePatch(w.world, parse(p).World)
			return json.RawMessage(w.world), nil
		}),
		"setBandwidthThrottle": lock(func(p wire.Packet) (any, *wire.Error) {
			w.throttle = append(json.RawMessage(nil), p.Params...)
			return nil, nil
		}),
		"getScenes": lock(func(p wire.Packet) (any, *wire.Error) {
			var out []any
			for _, s := range w.scenes {
				out = append(out, w.sceneJSON(s))
			}
			return map[string]any{"scenes": out}, nil
		}),
		"createScenes": lock(func(p wire.Packet) (any, *wire.Error) {
			v := parse(p)
			for i, sc := range v.Scenes {
				if w.scene(idOf(sc, "sceneID")) != nil {
					return nil, &wire.Error{Code: wire.CodeSceneExists, Message: "exists", Path: "scenes." + string(rune('0'+i)) + ".sceneID"}
				}
			}
			for _, sc := range v.Scenes {
				s := &fakeScene{id: idOf(sc, "sceneID")}
				json.Unmarshal(sc["controls"], &s.controls)
				delete(sc, "controls")
				delete(sc, "sceneID")
				s.props, _ = json.Marshal(sc)
				w.scenes = append(w.scenes, s)
			}
			return map[string]any{"scenes": v.Scenes}, nil
		}),
		"updateScenes": lock(func(p wire.Packet) (any, *wire.Error) {
			for _, sc := range parse(p).Scenes {
				s := w.scene(idOf(sc, "sceneID"))
				if s == nil {
					return nil, &wire.Error{Code: wire.CodeUnknownScene, Message: "unknown scene"}
				}
				delete(sc, "sceneID")
				patch, _ := json.Marshal(sc)
				s.props = mergePatch(s.props, patch)
			}
			return map[string]any{"scenes": []any{}}, nil
		}),
		"deleteScene": lock(func(p wire.Packet) (any, *wire.Error) {
			id := parse(p).SceneID
			if id == "default" {
				return nil, &wire.Error{Code: wire.CodeDeleteDefault, Message: "default"}
			}
			w.scenes = slices.DeleteFunc(w.scenes, func(s *fakeScene) bool { return s.id == id })
			return nil, nil
		}),
		"createControls": lock(func(p wire.Packet) (any, *wire.Error) {
			v := parse(p)
			s := w.scene(v.SceneID)
			if s == nil {
				return nil, &wire.Error{Code: wire.CodeUnknownScene, Message: "unknown scene", Path: "sceneID"}
			}
			for _, c := range v.Controls {
				if slices.ContainsFunc(s.controls, func(m map[string]json.RawMessage) bool { return idOf(m, "controlID") == idOf(c, "controlID") }) {
					return nil, &wire.Error{Code: wire.CodeControlExists, Message: "exists"}
				}
			}
			s.controls = append(s.controls, v.Controls...)
			return map[string]any{"sceneID": v.SceneID, "controls": v.Controls}, nil
		}),
		"updateControls": lock(func(p wire.Packet) (any, *wire.Error) {
			v := parse(p)
			s := w.scene(v.SceneID)
			if s == nil {
				return nil, &wire.Error{Code: wire.CodeUnknownScene, Message: "unknown scene"}
			}
			for _, c := range v.Controls {
				i := slices.IndexFunc(s.controls, func(m map[string]json.RawMessage) bool { return idOf(m, "controlID") == idOf(c, "controlID") })
				if i < 0 {
					return nil, &wire.Error{Code: wire.CodeUnknownControl, Message: "unknown control"}
				}
				old, _ := json.Marshal(s.controls[i])
				patch, _ := json.Marshal(c)
				s.controls[i], _ = asObject(mergePatch(old, patch))
			}
			return map[string]any{"controls": v.Controls}, nil
		}),
		"deleteControls": lock(func(p wire.Packet) (any, *wire.Error) {
			v := parse(p)
			if s := w.scene(v.SceneID); s != nil {
				s.controls = slices.DeleteFunc(s.controls, func(m map[string]json.RawMessage) bool { return slices.Contains(v.ControlIDs, idOf(m, "controlID")) })
			}
			return nil, nil
		}),
		"getGroups": lock(func(p wire.Packet) (any, *wire.Error) {
			return map[string]any{"groups": w.groups}, nil
		}),
		"createGroups": lock(func(p wire.Packet) (any, *wire.Error) {
			v := parse(p)
			w.groups = append(w.groups, v.Groups...)
			return map[string]any{"groups": v.Groups}, nil
		}),
		"updateGroups": lock(func(p wire.Packet) (any, *wire.Error) {
			for _, g := range parse(p).Groups {
				i := slices.IndexFunc(w.groups, func(m map[string]json.RawMessage) bool { return idOf(m, "groupID") == idOf(g, "groupID") })
				if i < 0 {
					return nil, &wire.Error{Code: wire.CodeUnknownGroup, Message: "unknown group"}
				}
				old, _ := json.Marshal(w.groups[i])
				patch, _ := json.Marshal(g)
				w.groups[i], _ = asObject(mergePatch(old, patch))
			}
			return map[string]any{"groups": []any{}}, nil
		}),
		"deleteGroup": lock(func(p wire.Packet) (any, *wire.Error) {
			id := parse(p).GroupID
			w.groups = slices.DeleteFunc(w.groups, func(m map[string]json.RawMessage) bool { return idOf(m, "groupID") == id })
			return nil, nil
		}),
	}
}

// dump is the world as comparable JSON: scenes with controls, groups, ready.
func (w *fakeWorld) dump() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var scenes []any
	for _, s := range w.scenes {
		scenes = append(scenes, w.sceneJSON(s))
	}
	b, _ := json.Marshal(map[string]any{"scenes": scenes, "groups": w.groups, "ready": w.ready, "world": w.world, "throttle": w.throttle})
	return string(b)
}
