package mediator

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/mixstudio/mixstudio/internal/testkit"
)

// What Mixer-era clients expect of the server beyond the spec's letter
// (issue 13): scenes listed with their groups, errors for deleting what
// does not exist, one echo per change, refusals that leave a trace.

func TestGetScenesListsEachScenesGroupsToTheGameClient(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("createGroups", map[string]any{"groups": []any{
		map[string]any{"groupID": "waiting", "sceneID": "lobby", "team": "blue"},
	}})
	type sceneWithGroups struct {
		SceneID string `json:"sceneID"`
		Groups  []struct {
			GroupID string `json:"groupID"`
			SceneID string `json:"sceneID"`
			Team    string `json:"team"`
		} `json:"groups"`
	}
	groupsBy := func() map[string]string {
		res := g.call("getScenes", nil)
		got := decodeJSON[struct{ Scenes []sceneWithGroups }](t, res)
		out := map[string]string{}
		for _, sc := range got.Scenes {
			if sc.Groups == nil {
				t.Fatalf("scene %s without groups: %s", sc.SceneID, res)
			}
			var ids []string
			for _, gr := range sc.Groups {
				if gr.SceneID != sc.SceneID {
					t.Fatalf("group %s under scene %s says %s", gr.GroupID, sc.SceneID, gr.SceneID)
				}
				ids = append(ids, gr.GroupID+"/"+gr.Team)
			}
			out[sc.SceneID] = strings.Join(ids, ",")
		}
		return out
	}
	if got := groupsBy(); got["default"] != "default/" || got["lobby"] != "waiting/blue" {
		t.Fatalf("getScenes groups %v", got)
	}
	// A group moved to another scene shows up under that scene.
	g.call("updateGroups", map[string]any{"groups": []any{map[string]any{"groupID": "waiting", "sceneID": "default"}}})
	if got := groupsBy(); got["default"] != "default/,waiting/blue" || got["lobby"] != "" {
		t.Fatalf("after moving a group: %v", got)
	}

	// "groups" is reserved: create and update ignore it, it never becomes
	// a custom property.
	res := g.call("createScenes", map[string]any{"scenes": []any{
		map[string]any{"sceneID": "x", "groups": []any{map[string]any{"groupID": "fake"}}, "mood": "ok"},
	}})
	if strings.Contains(string(res), "fake") || !strings.Contains(string(res), `"mood":"ok"`) {
		t.Fatalf("createScenes kept a groups member: %s", res)
	}
	g.expect("onSceneCreate")
	res = g.call("updateScenes", map[string]any{"scenes": []any{map[string]any{"sceneID": "x", "groups": "nope", "mood": "fine"}}})
	if strings.Contains(string(res), "nope") || strings.Contains(string(res), `"groups"`) || !strings.Contains(string(res), `"mood":"fine"`) {
		t.Fatalf("updateScenes kept a groups member: %s", res)
	}
	if ev := g.expect("onSceneUpdate"); strings.Contains(string(ev.Params), "nope") {
		t.Fatalf("onSceneUpdate %s", ev.Params)
	}
	all := string(g.call("getScenes", nil))
	if strings.Contains(all, "fake") || strings.Contains(all, "nope") || !strings.Contains(all, `{"sceneID":"x","controls":[],"groups":[],"mood":"fine"}`) {
		t.Fatalf("getScenes after reserved members: %s", all)
	}

	// A participant sees only its own scene, without other groups.
	p := e.participant("")
	got := string(p.call("getScenes", nil))
	if strings.Contains(got, "lobby") || strings.Contains(got, `"sceneID":"x"`) || strings.Contains(got, "waiting") {
		t.Fatalf("participant getScenes shows more than its scene: %s", got)
	}
}

func TestDeletingWhatDoesNotExistAnswers4008And4010(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	for _, tc := range []struct {
		method, params string
		code           int
		path           string
	}{
		{"deleteGroup", `{"groupID":"ghost"}`, 4008, "groupID"},
		{"deleteGroup", `{"groupID":"ghost","reassignGroupID":"default"}`, 4008, "groupID"},
		{"deleteScene", `{"sceneID":"ghost"}`, 4010, "sceneID"},
		{"deleteScene", `{"sceneID":"ghost","reassignSceneID":"lobby"}`, 4010, "sceneID"},
	} {
		r := g.reply(g.send(tc.method, json.RawMessage(tc.params)))
		if r.Error == nil || r.Error.Code != tc.code || r.Error.Path != tc.path {
			t.Errorf("%s %s: %s, want %d at %s", tc.method, tc.params, r.raw, tc.code, tc.path)
		}
	}
	// What exists still goes, once; a second delete is the error.
	g.call("createGroups", map[string]any{"groups": []any{map[string]any{"groupID": "g1"}}})
	g.call("deleteGroup", map[string]any{"groupID": "g1"})
	if got := g.callErr("deleteGroup", map[string]any{"groupID": "g1"}); got != 4008 {
		t.Fatalf("second deleteGroup: %d, want 4008", got)
	}
	g.call("deleteScene", map[string]any{"sceneID": "lobby"})
	if got := g.callErr("deleteScene", map[string]any{"sceneID": "lobby"}); got != 4010 {
		t.Fatalf("second deleteScene: %d, want 4010", got)
	}
}

// Mixer's server echoed a game client's own changes back to it, exactly
// once per change; the Java SDK's integration tests (written against it)
// count those events. Every change method here is followed by a getTime
// round trip, so everything the change queued has arrived before it is
// counted.
func TestGameClientHearsEachOfItsChangesExactlyOnce(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	p := e.participant("")
	steps := []struct {
		method string
		params string
		echo   string // the event the game client hears once
		seen   bool   // the participant (on the default scene) hears it too
	}{
		{"createScenes", `{"scenes":[{"sceneID":"s1"}]}`, "onSceneCreate", false},
		{"updateScenes", `{"scenes":[{"sceneID":"default","mood":"calm"}]}`, "onSceneUpdate", true},
		{"createControls", `{"sceneID":"default","controls":[{"controlID":"c1","kind":"button"}]}`, "onControlCreate", true},
		{"updateControls", `{"sceneID":"default","controls":[{"controlID":"c1","text":"Hi"}]}`, "onControlUpdate", true},
		{"deleteControls", `{"sceneID":"default","controlIDs":["c1"]}`, "onControlDelete", true},
		{"createGroups", `{"groups":[{"groupID":"g1","sceneID":"s1"}]}`, "onGroupCreate", false},
		{"updateGroups", `{"groups":[{"groupID":"g1","color":"red"}]}`, "onGroupUpdate", false},
		{"deleteGroup", `{"groupID":"g1"}`, "onGroupDelete", false},
		{"deleteScene", `{"sceneID":"s1"}`, "onSceneDelete", false},
		{"updateWorld", `{"world":{"round":1}}`, "onWorldUpdate", true},
	}
	count := func(c *tclient, method string) int {
		n := 0
		for _, m := range c.pending {
			if m.Type == "method" && m.Method == method {
				n++
			}
		}
		return n
	}
	for _, st := range steps {
		g.pending, p.pending = nil, nil
		if r := g.reply(g.send(st.method, json.RawMessage(st.params))); r.Error != nil {
			t.Fatalf("%s: %s", st.method, r.raw)
		}
		g.call("getTime", nil)
		p.call("getTime", nil)
		if n := count(g, st.echo); n != 1 {
			t.Errorf("%s: the game client heard %s %d times, want exactly 1", st.method, st.echo, n)
		}
		want := 0
		if st.seen {
			want = 1
		}
		if n := count(p, st.echo); n != want {
			t.Errorf("%s: the participant heard %s %d times, want %d", st.method, st.echo, n, want)
		}
	}
}

func TestWorldUpdatesShowAParticipantOnlyItsGroupsScene(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("createScenes", map[string]any{"scenes": []any{map[string]any{"sceneID": "paid", "controls": []any{
		map[string]any{"controlID": "secret", "kind": "button", "text": "surprise"},
	}}}})
	g.call("createGroups", map[string]any{"groups": []any{map[string]any{"groupID": "vip", "sceneID": "paid"}}})
	fan := e.participant("")
	vip := e.participant("")
	g.call("updateParticipants", map[string]any{"participants": []any{map[string]any{"sessionID": sessionIDOf(t, vip), "groupID": "vip"}}})
	vip.expect("onSceneCreate")
	fan.pending, vip.pending = nil, nil

	res := g.call("updateWorld", map[string]any{"world": map[string]any{"round": 2}})
	if !strings.Contains(string(res), `"sceneID":"paid"`) || !strings.Contains(string(res), `"sceneID":"lobby"`) {
		t.Fatalf("the game client's world lacks scenes: %s", res)
	}
	type world struct {
		Scenes []struct {
			SceneID string `json:"sceneID"`
		} `json:"scenes"`
		Round int `json:"round"`
	}
	if ev := g.expect("onWorldUpdate"); string(ev.Params) != string(res) {
		t.Fatalf("game client's onWorldUpdate %s, want %s", ev.Params, res)
	}
	for _, tc := range []struct {
		who   *tclient
		scene string
	}{{fan, "default"}, {vip, "paid"}} {
		ev := tc.who.expect("onWorldUpdate")
		w := decodeJSON[world](t, ev.Params)
		if len(w.Scenes) != 1 || w.Scenes[0].SceneID != tc.scene || w.Round != 2 {
			t.Fatalf("participant on %s got onWorldUpdate %s", tc.scene, ev.Params)
		}
		if tc.scene == "default" && strings.Contains(string(ev.Params), "surprise") {
			t.Fatalf("a fan learned the paid scene: %s", ev.Params)
		}
		got := decodeJSON[world](t, tc.who.call("getScenes", nil))
		if len(got.Scenes) != 1 || got.Scenes[0].SceneID != tc.scene {
			t.Fatalf("participant on %s: getScenes %+v", tc.scene, got)
		}
	}
}

// sessionIDOf reads a participant's own sessionID from its arrival
// packets (onParticipantJoin about itself).
func sessionIDOf(t *testing.T, c *tclient) string {
	for _, m := range c.arrival {
		if m.Method == "onParticipantJoin" {
			ps := decodeJSON[struct {
				Participants []struct {
					SessionID string `json:"sessionID"`
				} `json:"participants"`
			}](t, m.Params).Participants
			if len(ps) == 1 {
				return ps[0].SessionID
			}
		}
	}
	t.Fatal("no onParticipantJoin among the arrival packets")
	return ""
}

func TestEveryHandshakeRefusalIsLoggedWithCodeAndReason(t *testing.T) {
	e := newEnv(t, Options{})
	logs := &testkit.Buffer{}
	e.m.log = slog.New(slog.NewTextHandler(logs, nil)) // before any socket
	e.game()
	h := http.Header{"Authorization": {"Bearer " + e.streamerToken}, "X-Interactive-Version": {fmt.Sprint(e.version)}, "X-Protocol-Version": {"2.0"}}
	second, _, err := e.dial(GameClientPath, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := second.closeCode(); got != 4021 {
		t.Fatalf("second game client: %d, want 4021", got)
	}
	h.Set("Authorization", "Bearer wrong")
	bad, _, err := e.dial(GameClientPath, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := bad.closeCode(); got != 4019 {
		t.Fatalf("bad token: %d, want 4019", got)
	}
	resp, err := http.Get(e.srv.URL + GameClientPath) // no token, no upgrade
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := logs.String()
	for _, want := range []string{
		`msg="handshake refused" path=/gameClient`,
		`code=4021 reason="A different interactive session is already running for the channel."`,
		`code=4019 reason="Authentication failed."`,
		`code=401 reason="authentication failed"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
