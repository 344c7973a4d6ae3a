package mediator

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type scenesJSON struct {
	Scenes []struct {
		SceneID  string                       `json:"sceneID"`
		Controls []map[string]json.RawMessage `json:"controls"`
	} `json:"scenes"`
}

func TestScenesAndControlsAllOrNothingWithEvents(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	p := e.participant("")

	// createScenes: replies and onSceneCreate carry the scenes.
	res := g.call("createScenes", map[string]any{"scenes": []any{
		map[string]any{"sceneID": "red", "controls": []any{map[string]any{"controlID": "a", "kind": "button", "glow": map[string]any{"color": "#f00"}}}},
	}})
	if got := decodeJSON[scenesJSON](t, res); len(got.Scenes) != 1 || got.Scenes[0].SceneID != "red" || len(got.Scenes[0].Controls) != 1 {
		t.Fatalf("createScenes reply %s", res)
	}
	g.expect("onSceneCreate")
	errCases := []struct {
		method string
		params string
		code   int
		path   string
	}{
		{"createScenes", `{"scenes":[{"sceneID":"blue"},{"sceneID":"red"}]}`, 4011, "scenes.1.sceneID"},
		{"createScenes", `{"scenes":[{"sceneID":"blue","controls":[{"controlID":"x","kind":"bad kind!"}]}]}`, 4014, "scenes.0.controls.0.kind"},
		{"createScenes", `{"scenes":[{"controls":[]}]}`, 4004, "scenes.0.sceneID"},
		{"updateScenes", `{"scenes":[{"sceneID":"red","x":1},{"sceneID":"nope"}]}`, 4010, "scenes.1.sceneID"},
		{"deleteScene", `{"sceneID":"default"}`, 4018, "sceneID"},
		{"deleteScene", `{"sceneID":"red","reassignSceneID":"nope"}`, 4010, "reassignSceneID"},
		{"createControls", `{"sceneID":"nope","controls":[]}`, 4010, "sceneID"},
		{"createControls", `{"sceneID":"red","controls":[{"controlID":"b","kind":"button"},{"controlID":"a","kind":"button"}]}`, 4013, "controls.1.controlID"},
		{"createControls", `{"sceneID":"red","controls":[{"controlID":"b","kind":"button"},{"controlID":"b","kind":"button"}]}`, 4013, "controls.1.controlID"},
		{"createControls", `{"sceneID":"red","controls":[{"controlID":"b"}]}`, 4014, "controls.0.kind"},
		{"createControls", `{"sceneID":"red","controls":[{"controlID":"b","kind":"button","cost":-1}]}`, 4004, "controls.0.cost"},
		{"updateControls", `{"sceneID":"red","controls":[{"controlID":"a","text":"x"},{"controlID":"zz"}]}`, 4012, "controls.1.controlID"},
		{"updateControls", `{"sceneID":"red","controls":[{"controlID":"a","kind":"joystick"}]}`, 4004, "controls.0.kind"},
		{"updateControls", `{"sceneID":"nope","controls":[]}`, 4010, "sceneID"},
		{"deleteControls", `{"sceneID":"red","controlIDs":["a","zz"]}`, 4012, "controlIDs.1"},
		{"deleteControls", `{"sceneID":"nope","controlIDs":[]}`, 4010, "sceneID"},
		{"createScenes", `{"scenes":"red"}`, 4004, "scenes"},
	}
	for _, tc := range errCases {
		r := g.reply(g.send(tc.method, json.RawMessage(tc.params)))
		if r.Error == nil || r.Error.Code != tc.code || r.Error.Path != tc.path {
			t.Errorf("%s %s: %s, want %d at %s", tc.method, tc.params, r.raw, tc.code, tc.path)
		}
	}
	// Nothing of the failed batches was applied.
	all := decodeJSON[scenesJSON](t, g.call("getScenes", nil))
	var ids []string
	for _, s := range all.Scenes {
		ids = append(ids, fmt.Sprintf("%s:%d", s.SceneID, len(s.Controls)))
	}
	if got := strings.Join(ids, ","); got != "default:4,lobby:1,red:1" {
		t.Fatalf("scenes after failed batches: %s", got)
	}
	red := decodeJSON[scenesJSON](t, g.call("getScenes", nil)).Scenes[2].Controls[0]
	if string(red["text"]) != "" {
		t.Fatalf("updateControls applied partially: %v", red)
	}

	// Controls on the participant's scene: the participant hears of them.
	cr := g.call("createControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "new", "kind": "button", "text": "New"}}})
	if !strings.HasPrefix(string(cr), `{"sceneID":"default","controls":[{"controlID":"new","kind":"button","text":"New"}]`) {
		t.Fatalf("createControls reply %s", cr)
	}
	for _, c := range []*tclient{g, p} {
		if ev := c.expect("onControlCreate"); !strings.HasPrefix(string(ev.Params), `{"sceneID":"default","controls":[`) {
			t.Fatalf("onControlCreate %s", ev.Params)
		}
	}
	ur := g.call("updateControls", map[string]any{"sceneID": "default", "priority": 1, "controls": []any{map[string]any{"controlID": "new", "text": "Newer", "kind": "button"}}})
	if string(ur) != `{"controls":[{"controlID":"new","kind":"button","text":"Newer"}]}` {
		t.Fatalf("updateControls reply %s", ur)
	}
	for _, c := range []*tclient{g, p} {
		if ev := c.expect("onControlUpdate"); string(ev.Params) != `{"sceneID":"default","controls":[{"controlID":"new","kind":"button","text":"Newer"}]}` {
			t.Fatalf("onControlUpdate %s", ev.Params)
		}
	}
	// A stale lower-priority update loses to the priority-1 change (same seq).
	g.call("updateControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "new", "text": "stale"}}})
	after := g.call("updateControls", map[string]any{"sceneID": "default", "controls": []any{map[string]any{"controlID": "new"}}})
	if !strings.Contains(string(after), `"text":"Newer"`) {
		t.Fatalf("priority lost: %s", after)
	}
	g.call("deleteControls", map[string]any{"sceneID": "default", "controlIDs": []string{"new"}})
	for _, c := range []*tclient{g, p} {
		if ev := c.expect("onControlDelete"); string(ev.Params) != `{"sceneID":"default","controls":[{"controlID":"new"}]}` {
			t.Fatalf("onControlDelete %s", ev.Params)
		}
	}
	// Events about other scenes don't reach the participant.
	g.call("updateControls", map[string]any{"sceneID": "red", "controls": []any{map[string]any{"controlID": "a", "text": "R"}}})
	g.expect("onControlUpdate")
	p.none("onControlUpdate")

	us := g.call("updateScenes", map[string]any{"scenes": []any{map[string]any{"sceneID": "default", "mood": "calm", "controls": []any{}}}})
	if got := decodeJSON[scenesJSON](t, us); len(got.Scenes) != 1 || len(got.Scenes[0].Controls) != 4 || !strings.Contains(string(us), `"mood":"calm"`) {
		t.Fatalf("updateScenes reply %s", us)
	}
	p.expect("onSceneUpdate")
	g.expect("onSceneUpdate")

	// Deleting a scene moves its groups (and their participants) elsewhere.
	g.call("createGroups", map[string]any{"groups": []any{map[string]any{"groupID": "reds", "sceneID": "red"}}})
	g.call("deleteScene", map[string]any{"sceneID": "red", "reassignSceneID": "lobby"})
	if ev := g.expect("onSceneDelete"); string(ev.Params) != `{"sceneID":"red","reassignSceneID":"lobby"}` {
		t.Fatalf("onSceneDelete %s", ev.Params)
	}
	if ev := g.expect("onGroupUpdate"); !strings.Contains(string(ev.Params), `"groupID":"reds","sceneID":"lobby"`) {
		t.Fatalf("onGroupUpdate after deleteScene %s", ev.Params)
	}
	if got := g.callErr("deleteScene", map[string]any{"sceneID": "gone-already"}); got != 4010 {
		t.Fatalf("deleteScene of an unknown scene: %d, want 4010", got)
	}
}

func TestGroupsAndParticipantsSeeTheirGroupsScene(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	p := e.participant("")
	sid := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0].SessionID

	cg := g.call("createGroups", map[string]any{"groups": []any{map[string]any{"groupID": "red_team", "sceneID": "lobby"}, map[string]any{"groupID": "blue_team"}}})
	if string(cg) != `{"groups":[{"groupID":"red_team","sceneID":"lobby"},{"groupID":"blue_team","sceneID":"default"}]}` {
		t.Fatalf("createGroups reply %s", cg)
	}
	if ev := g.expect("onGroupCreate"); string(ev.Params) != string(cg) {
		t.Fatalf("onGroupCreate %s", ev.Params)
	}
	for _, tc := range []struct {
		method, params string
		code           int
	}{
		{"createGroups", `{"groups":[{"groupID":"green"},{"groupID":"red_team"}]}`, 4009},
		{"createGroups", `{"groups":[{"groupID":"green","sceneID":"nope"}]}`, 4010},
		{"updateGroups", `{"groups":[{"groupID":"nope"}]}`, 4008},
		{"updateGroups", `{"groups":[{"groupID":"red_team","sceneID":"nope"}]}`, 4010},
		{"deleteGroup", `{"groupID":"default"}`, 4018},
		{"deleteGroup", `{"groupID":"red_team","reassignGroupID":"nope"}`, 4008},
		{"updateParticipants", `{"participants":[{"sessionID":"` + sid + `","groupID":"nope"}]}`, 4008},
		{"updateParticipants", `{"participants":[{"sessionID":"` + sid + `","disabled":"yes"}]}`, 4004},
		{"updateParticipants", `{"participants":[{"groupID":"red_team"}]}`, 4004},
	} {
		if got := g.callErr(tc.method, json.RawMessage(tc.params)); got != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.params, got, tc.code)
		}
	}
	if got := g.call("getGroups", nil); string(got) != `{"groups":[{"groupID":"default","sceneID":"default"},{"groupID":"red_team","sceneID":"lobby"},{"groupID":"blue_team","sceneID":"default"}]}` {
		t.Fatalf("getGroups %s", got)
	}

	// Moving the participant: it receives the lobby scene, then its update.
	up := g.call("updateParticipants", map[string]any{"participants": []any{
		map[string]any{"sessionID": sid, "groupID": "red_team", "is_awesome": true, "username": "hacker"},
		map[string]any{"sessionID": "00000000-0000-4000-8000-000000000000", "groupID": "red_team"}, // gone: ignored
	}})
	upd := decodeJSON[participantsParamsJSON](t, up)
	if len(upd.Participants) != 1 || upd.Participants[0].GroupID != "red_team" || upd.Participants[0].Username != "" || !strings.Contains(string(up), `"is_awesome":true`) {
		t.Fatalf("updateParticipants reply %s", up)
	}
	if sc := decodeJSON[scenesJSON](t, p.expect("onSceneCreate").Params); sc.Scenes[0].SceneID != "lobby" {
		t.Fatalf("moved participant got scene %+v", sc)
	}
	if gc := p.expect("onGroupCreate"); string(gc.Params) != `{"groups":[{"groupID":"red_team","sceneID":"lobby"}]}` {
		t.Fatalf("moved participant got group %s", gc.Params)
	}
	if ev := p.expect("onParticipantUpdate"); !strings.Contains(string(ev.Params), `"groupID":"red_team"`) {
		t.Fatalf("participant's own update %s", ev.Params)
	}
	g.expect("onParticipantUpdate")
	// Its input now goes to the lobby's controls only.
	if got := p.callErr("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"}); got != 4099 {
		t.Fatalf("input on the old scene: %d", got)
	}
	p.call("giveInput", map[string]any{"controlID": "wait", "event": "mousedown"})
	g.expect("giveInput")

	// Changing the group's scene shows the participant the new scene.
	ug := g.call("updateGroups", map[string]any{"groups": []any{map[string]any{"groupID": "red_team", "sceneID": "default", "color": "red"}}})
	if string(ug) != `{"groups":[{"groupID":"red_team","sceneID":"default","color":"red"}]}` {
		t.Fatalf("updateGroups reply %s", ug)
	}
	if sc := decodeJSON[scenesJSON](t, p.expect("onSceneCreate").Params); sc.Scenes[0].SceneID != "default" {
		t.Fatalf("group's new scene %+v", sc)
	}
	// The group arrives (onGroupCreate) before its update, in that order.
	gi, ui := -1, -1
	p.call("getTime", nil)
	for i, m := range p.pending {
		switch m.Method {
		case "onGroupCreate":
			gi = i
		case "onGroupUpdate":
			ui = i
		}
	}
	if gi < 0 || ui < gi {
		t.Fatalf("onGroupCreate at %d, onGroupUpdate at %d", gi, ui)
	}
	p.expect("onGroupUpdate")
	g.expect("onGroupUpdate")

	// Deleting the group reassigns its participants.
	g.call("deleteGroup", map[string]any{"groupID": "red_team", "reassignGroupID": "blue_team"})
	if ev := g.expect("onGroupDelete"); string(ev.Params) != `{"groupID":"red_team","reassignGroupID":"blue_team"}` {
		t.Fatalf("onGroupDelete %s", ev.Params)
	}
	if ev := g.expect("onParticipantUpdate"); !strings.Contains(string(ev.Params), `"groupID":"blue_team"`) {
		t.Fatalf("reassigned participant %s", ev.Params)
	}
	p.expect("onParticipantUpdate")
	if got := g.callErr("deleteGroup", map[string]any{"groupID": "never-was"}); got != 4008 {
		t.Fatalf("deleteGroup of an unknown group: %d, want 4008", got)
	}
}

func TestParticipantQueries(t *testing.T) {
	e := newEnv(t, Options{SocketsPerAddress: -1}) // 105 viewers, all on loopback
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	viewer, key := e.user("viewer")
	named := e.participant(key)
	var sids []string
	sids = append(sids, decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0].SessionID)
	// 104 more anonymous viewers, all joining in the same millisecond.
	for range 104 {
		e.participant("")
		sids = append(sids, decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0].SessionID)
	}
	seen := map[string]bool{}
	from := int64(0)
	pages := 0
	for {
		pg := decodeJSON[participantsParamsJSON](t, g.call("getAllParticipants", map[string]any{"from": from}))
		pages++
		if pg.Total != 105 {
			t.Fatalf("total %d", pg.Total)
		}
		for _, x := range pg.Participants {
			if seen[x.SessionID] {
				t.Fatalf("%s listed twice", x.SessionID)
			}
			seen[x.SessionID] = true
		}
		if !pg.HasMore {
			break
		}
		from = pg.Participants[len(pg.Participants)-1].ConnectedAt
	}
	if len(seen) != 105 || pages != 2 {
		t.Fatalf("paged %d participants in %d pages", len(seen), pages)
	}
	// Active participants: only the one who gave input.
	named.call("giveInput", map[string]any{"controlID": "btn", "event": "mousedown"})
	act := decodeJSON[participantsParamsJSON](t, g.call("getActiveParticipants", map[string]any{"threshold": 1_699_999_999_999}))
	if act.Total != 1 || act.HasMore || act.Participants[0].SessionID != sids[0] {
		t.Fatalf("active %+v", act)
	}
	by := g.call("getParticipantsByMixerID", map[string]any{"userIDs": []int64{viewer.ID, 999}})
	if !strings.HasPrefix(string(by), fmt.Sprintf(`{"users":{"%d":{"sessionID":"%s"`, viewer.ID, sids[0])) || !strings.HasSuffix(string(by), `,"999":null}}`) {
		t.Fatalf("byMixerID %s", by)
	}
	bs := g.call("getParticipantsBySessionID", map[string]any{"sessionIDs": []string{sids[3], "nope"}})
	if !strings.HasPrefix(string(bs), `{"users":{"`+sids[3]+`":{"sessionID":"`+sids[3]+`"`) || !strings.HasSuffix(string(bs), `,"nope":null}}`) {
		t.Fatalf("bySessionID %s", bs)
	}
	// Leaving is announced.
	named.ws.Close()
	if left := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantLeave").Params); left.Participants[0].SessionID != sids[0] {
		t.Fatalf("leave %+v", left)
	}
}

func TestBroadcastEventScopes(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("createGroups", map[string]any{"groups": []any{map[string]any{"groupID": "lobbyists", "sceneID": "lobby"}}})
	a := e.participant("")
	b := e.participant("")
	c := e.participant("")
	var sids []string
	for range 3 {
		sids = append(sids, decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0].SessionID)
	}
	g.call("updateParticipants", map[string]any{"participants": []any{map[string]any{"sessionID": sids[1], "groupID": "lobbyists"}}})
	send := func(scope ...string) {
		g.call("broadcastEvent", map[string]any{"scope": scope, "data": map[string]any{"scope": scope[0]}})
	}
	send("everyone")
	for _, x := range []*tclient{a, b, c} {
		if ev := x.expect("event"); string(ev.Params) != `{"scope":"everyone"}` {
			t.Fatalf("event %s", ev.raw)
		}
	}
	send("group:lobbyists")
	b.expect("event")
	send("scene:default", "participant:"+sids[1])
	a.expect("event")
	c.expect("event")
	b.expect("event")
	send("participant:" + sids[2])
	if ev := c.expect("event"); string(ev.Params) != `{"scope":"participant:`+sids[2]+`"}` {
		t.Fatalf("event %s", ev.raw)
	}
	a.none("event")
	for _, bad := range []string{"foo", "group:", "team:x", ""} {
		if got := g.callErr("broadcastEvent", map[string]any{"scope": []string{"everyone", bad}, "data": 1}); got != 4024 {
			t.Errorf("scope %q: %d, want 4024", bad, got)
		}
	}
	b.none("event")
}

func TestUpdateWorldAlwaysCarriesScenes(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	p := e.participant("")
	res := g.call("updateWorld", map[string]any{"priority": 0, "world": map[string]any{"isOnGlobalCooldown": false, "scenes": "ignored"}})
	w := decodeJSON[struct {
		Scenes             []json.RawMessage `json:"scenes"`
		IsOnGlobalCooldown *bool             `json:"isOnGlobalCooldown"`
	}](t, res)
	if len(w.Scenes) != 2 || w.IsOnGlobalCooldown == nil {
		t.Fatalf("updateWorld reply %s", res)
	}
	if ev := g.expect("onWorldUpdate"); string(ev.Params) != string(res) {
		t.Fatalf("onWorldUpdate %s", ev.Params)
	}
	// A participant's world holds its own scene only (see
	// TestWorldUpdatesShowAParticipantOnlyItsGroupsScene).
	if ev := p.expect("onWorldUpdate"); !strings.HasPrefix(string(ev.Params), `{"scenes":[{"sceneID":"default",`) || strings.Contains(string(ev.Params), "lobby") || !strings.HasSuffix(string(ev.Params), `],"isOnGlobalCooldown":false}`) {
		t.Fatalf("participant's onWorldUpdate %s", ev.Params)
	}
	res = g.call("updateWorld", map[string]any{"world": map[string]any{"isOnGlobalCooldown": nil, "mood": "great"}})
	if !strings.HasSuffix(string(res), `],"mood":"great"}`) {
		t.Fatalf("merge patch on the world: %s", res)
	}
	if got := g.callErr("updateWorld", map[string]any{"world": 3}); got != 4004 {
		t.Fatalf("world not an object: %d", got)
	}
}

func TestEmptyBatchesReplyWithEmptyLists(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	for _, tc := range []struct{ method, params, want string }{
		{"createScenes", `{}`, `{"scenes":[]}`},
		{"updateScenes", `{"scenes":[]}`, `{"scenes":[]}`},
		{"createControls", `{"sceneID":"default"}`, `{"sceneID":"default","controls":[]}`},
		{"updateControls", `{"sceneID":"default"}`, `{"controls":[]}`},
		{"createGroups", `{}`, `{"groups":[]}`},
		{"updateGroups", `{}`, `{"groups":[]}`},
		{"updateParticipants", `{}`, `{"participants":[]}`},
		{"getAllParticipants", `{}`, `{"participants":[],"total":0,"hasMore":false}`},
	} {
		if got := g.call(tc.method, json.RawMessage(tc.params)); string(got) != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.method, tc.params, got, tc.want)
		}
	}
}

// An update that names the same item twice applies both patches in order,
// lists the item once, and acts on what the second patch changed.
func TestUpdatesNamingAnItemTwice(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	g.call("ready", map[string]any{"isReady": true})
	p := e.participant("")
	sid := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0].SessionID
	g.call("createGroups", map[string]any{"groups": []any{map[string]any{"groupID": "lobby_team", "sceneID": "lobby"}}})

	up := decodeJSON[participantsParamsJSON](t, g.call("updateParticipants", map[string]any{"participants": []any{
		map[string]any{"sessionID": sid, "score": 1},
		map[string]any{"sessionID": sid, "groupID": "lobby_team"}, // only the second patch moves it
	}}))
	if len(up.Participants) != 1 || up.Participants[0].GroupID != "lobby_team" {
		t.Fatalf("updateParticipants reply %+v", up)
	}
	if ev := p.expect("onSceneCreate"); !strings.Contains(string(ev.Params), `"sceneID":"lobby"`) {
		t.Fatalf("moved participant got %s", ev.Params)
	}
	if ev := p.expect("onParticipantUpdate"); !strings.Contains(string(ev.Params), `"score":1`) {
		t.Fatalf("participant update %s", ev.Params)
	}

	uc := g.call("updateControls", map[string]any{"sceneID": "default", "controls": []any{
		map[string]any{"controlID": "lbl", "text": "one"},
		map[string]any{"controlID": "lbl", "size": 20},
	}})
	if strings.Count(string(uc), `"controlID":"lbl"`) != 1 || !strings.Contains(string(uc), `"text":"one"`) || !strings.Contains(string(uc), `"size":20`) {
		t.Fatalf("updateControls reply %s", uc)
	}
	if ev := g.expect("onControlUpdate"); strings.Count(string(ev.Params), `"controlID":"lbl"`) != 1 {
		t.Fatalf("onControlUpdate %s", ev.Params)
	}
}
