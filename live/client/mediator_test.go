package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
	kitrig "github.com/mixstudio/mixstudio/internal/testkit/rig"
	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// mediatorEnv is our real mediator on 127.0.0.1 over a real SQLite file
// (the kit's rig); Restart swaps in a new Mediator, as a deploy does.
type mediatorEnv struct {
	*kitrig.Rig
	t *testing.T
	// The names tests used before the kit.
	db      *persistence.DB
	srv     *httptest.Server
	user    studio.User
	token   string
	version int64
}

const mediatorLayout = `{"format":"mixstudio/1","name":"client test","scenes":[
	{"sceneID":"default","controls":[
		{"controlID":"btn","kind":"button","text":"Go","position":[{"size":"large","width":10,"height":5,"x":0,"y":0}]}
	]},
	{"sceneID":"lobby","controls":[]}
],"groups":[{"groupID":"default","sceneID":"default"}]}`

func newMediatorEnv(t *testing.T) *mediatorEnv {
	t.Helper()
	r := kitrig.Start(t, kitrig.Options{Streamer: "streamer", Layout: mediatorLayout})
	return &mediatorEnv{Rig: r, t: t, db: r.DB, srv: r.Server, user: r.User, token: r.Token, version: r.Version}
}

func (e *mediatorEnv) restart() { e.Restart() }

func (e *mediatorEnv) config() Config {
	cfg := testConfig()
	cfg.DiscoveryURL = e.Server.URL
	cfg.Token = e.Token
	cfg.VersionID = strconv.FormatInt(e.Version, 10)
	return cfg
}

// participant joins the channel as a viewer named after the streamer.
func (e *mediatorEnv) participant() *testkit.Participant {
	e.t.Helper()
	return e.Join(e.t, "streamer")
}

func TestMediatorPushDesignAndRelayInput(t *testing.T) {
	noLeaks(t)
	e := newMediatorEnv(t)
	c, err := Dial(ctxT(t), e.config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st := c.Status(); st.Scheme != "lz4" || !strings.HasSuffix(st.Host, "/gameClient") {
		t.Errorf("status %+v", st)
	}
	ctx := ctxT(t)
	fire := Control{ControlID: "fire", Kind: "button", Props: Props{
		"text":     json.RawMessage(`"Fire"`),
		"position": json.RawMessage(`[{"size":"large","width":10,"height":5,"x":20,"y":0}]`),
	}}
	if _, err := c.CreateControls(ctx, "default", []Control{fire}); err != nil {
		t.Fatal(err)
	}
	if err := c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, c, "onReady")

	ws := e.participant()
	pj, err := nextEvent(t, c, "onParticipantJoin").Participants()
	if err != nil || len(pj) != 1 || pj[0].Username != "streamer" {
		t.Fatalf("join %+v %v", pj, err)
	}
	msg := wire.Method(1, "giveInput", json.RawMessage(`{"controlID":"fire","event":"mousedown","button":0}`), false)
	ws.Write(msg.AppendJSON(nil))
	in, err := nextEvent(t, c, "giveInput").Input()
	if err != nil || in.ParticipantID != pj[0].SessionID || in.Input.ControlID != "fire" || in.Input.Event != "mousedown" {
		t.Errorf("input %+v %v", in, err)
	}
}

func TestMediatorRestartRestoresState(t *testing.T) {
	noLeaks(t)
	e := newMediatorEnv(t)
	c, err := Dial(ctxT(t), e.config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)
	arena := Scene{SceneID: "arena", Props: Props{"mood": json.RawMessage(`"tense"`)}, Controls: []Control{
		{ControlID: "jump", Kind: "button", Props: Props{"text": json.RawMessage(`"Jump"`), "position": json.RawMessage(`[]`)}},
	}}
	if _, err := c.CreateScenes(ctx, []Scene{arena}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateControls(ctx, 0, "default", []Control{{ControlID: "btn", Props: Props{"text": json.RawMessage(`"Changed"`), "disabled": json.RawMessage(`true`)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroups(ctx, []Group{{GroupID: "vip", SceneID: "arena"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateGroups(ctx, 0, []Group{{GroupID: "default", SceneID: "arena"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteScene(ctx, "lobby", "default"); err != nil {
		t.Fatal(err)
	}
	if err := c.Ready(ctx, true); err != nil {
		t.Fatal(err)
	}
	before := liveState(t, c)

	e.Restart()
	waitFor(t, c, "reconnecting", func(s Status) bool { return s.State == Reconnecting })
	if st := c.Status(); st.Code != wire.CodeRestart {
		t.Errorf("status %+v, want close code 1012", st)
	}
	waitFor(t, c, "live again", func(s Status) bool { return s.State == Live })
	after := liveState(t, c)
	if after != before {
		t.Errorf("state after restart differs:\nbefore %s\nafter  %s", before, after)
	}
	if s := c.Stats(); s.RestoreErrors != 0 || s.Reconnects != 1 {
		t.Errorf("stats %+v", s)
	}
	// getScenes lists each scene's groups, read into Scene.Groups and never
	// into Props, so restoring does not send them back as a property.
	scenes, err := c.GetScenes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groupsOn := map[string]string{}
	for _, sc := range scenes {
		if _, ok := sc.Props["groups"]; ok {
			t.Errorf("scene %s has groups among its properties", sc.SceneID)
		}
		for _, g := range sc.Groups {
			groupsOn[sc.SceneID] += g.GroupID + ";"
		}
	}
	if groupsOn["arena"] != "default;vip;" || groupsOn["default"] != "" {
		t.Errorf("groups by scene after the restart %v", groupsOn)
	}
	if b, _ := json.Marshal(scenes[0]); strings.Contains(string(b), `"groups"`) {
		t.Errorf("a scene is sent with its groups: %s", b)
	}
	// The restored session is ready: a participant gets in and is seen.
	e.participant()
	nextEvent(t, c, "onParticipantJoin")
}

// liveState is what the server holds: scenes with controls and groups.
func liveState(t *testing.T, c *Client) string {
	t.Helper()
	scenes, err := c.GetScenes(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.GetGroups(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// Scenes are written without their groups: list them apart.
	on := map[string][]Group{}
	for _, sc := range scenes {
		on[sc.SceneID] = sc.Groups
	}
	b, _ := json.Marshal(map[string]any{"scenes": scenes, "groups": groups, "groupsOn": on})
	return string(b)
}

func TestMediatorFallbackToSecondHost(t *testing.T) {
	noLeaks(t)
	e := newMediatorEnv(t)
	refused := freeAddr(t)
	cfg := e.config()
	cfg.DiscoveryURL = ""
	cfg.Hosts = []string{refused, "ws" + strings.TrimPrefix(e.Server.URL, "http") + "/gameClient"}
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st := c.Status(); st.Host != cfg.Hosts[1] {
		t.Errorf("host %s", st.Host)
	}
}

func TestMediatorRefusals(t *testing.T) {
	noLeaks(t)
	e := newMediatorEnv(t)
	cases := []struct {
		name   string
		change func(*Config)
		code   int
		status int
	}{
		{"bad token", func(c *Config) { c.Token = "nope" }, wire.CodeAuthFailed, 0},
		{"unknown version", func(c *Config) { c.VersionID = "999" }, wire.CodeVersionNotFound, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := e.config()
			tc.change(&cfg)
			_, err := Dial(ctxT(t), cfg)
			var he *HandshakeError
			if !errors.As(err, &he) || he.Code != tc.code || !he.Fatal() {
				t.Errorf("err = %v", err)
			}
		})
	}
	t.Run("already running", func(t *testing.T) {
		c, err := Dial(ctxT(t), e.config())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = Dial(ctxT(t), e.config())
		var he *HandshakeError
		if !errors.As(err, &he) || he.Code != wire.CodeAlreadyRunning {
			t.Errorf("second client: %v", err)
		}
	})
}

func TestMediatorTimeoutKeepsConnection(t *testing.T) {
	noLeaks(t)
	e := newMediatorEnv(t)
	c, err := Dial(ctxT(t), e.config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
	defer cancel()
	<-ctx.Done()
	if _, err := c.GetScenes(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if _, err := c.GetScenes(ctxT(t)); err != nil {
		t.Errorf("after a timeout: %v", err)
	}
}

// Every typed call against the real mediator: the params we send are the
// shapes it reads, and the replies decode.
func TestMediatorEveryMethod(t *testing.T) {
	noLeaks(t)
	e := newMediatorEnv(t)
	cfg := e.config()
	cfg.Compression = []string{"gzip"}
	c, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("ready", c.Ready(ctx, true))
	_, err = c.GetTime(ctx)
	must("getTime", err)
	ms, err := c.GetMemoryStats(ctx)
	must("getMemoryStats", err)
	if ms.UsedBytes <= 0 {
		t.Errorf("memory stats %+v", ms)
	}
	must("setBandwidthThrottle", c.SetBandwidthThrottle(ctx, map[string]*ThrottleRule{"giveInput": {Capacity: 1 << 20, DrainRate: 1 << 16}, "onParticipantJoin": nil}))
	_, err = c.GetThrottleState(ctx)
	must("getThrottleState", err)
	world, err := c.UpdateWorld(ctx, 0, json.RawMessage(`{"round":1}`))
	must("updateWorld", err)
	if !strings.Contains(string(world), `"round":1`) {
		t.Errorf("world %s", world)
	}

	e.participant()
	joined, err := nextEvent(t, c, "onParticipantJoin").Participants()
	must("join", err)
	sid := joined[0].SessionID
	page, err := c.GetAllParticipants(ctx, 0)
	must("getAllParticipants", err)
	if page.Total != 1 || len(page.Participants) != 1 || page.Participants[0].SessionID != sid {
		t.Errorf("page %+v", page)
	}
	_, err = c.GetActiveParticipants(ctx, 0)
	must("getActiveParticipants", err)
	byUser, err := c.GetParticipantsByMixerID(ctx, []uint64{uint64(e.User.ID), 999})
	must("getParticipantsByMixerID", err)
	if p := byUser[strconv.FormatInt(e.User.ID, 10)]; p == nil || p.SessionID != sid {
		t.Errorf("by mixer id %+v", byUser)
	}
	if p, ok := byUser["999"]; !ok || p != nil {
		t.Errorf("absent user should map to null: %+v", byUser)
	}
	bySession, err := c.GetParticipantsBySessionID(ctx, []string{sid})
	must("getParticipantsBySessionID", err)
	if bySession[sid] == nil {
		t.Errorf("by session %+v", bySession)
	}

	_, err = c.CreateScenes(ctx, []Scene{{SceneID: "red", Controls: []Control{}}})
	must("createScenes", err)
	_, err = c.UpdateScenes(ctx, 0, []Scene{{SceneID: "red", Props: Props{"color": json.RawMessage(`"#f00"`)}}})
	must("updateScenes", err)
	created, err := c.CreateControls(ctx, "red", []Control{{ControlID: "a", Kind: "button", Props: Props{"text": json.RawMessage(`"A"`), "position": json.RawMessage(`[]`)}}})
	must("createControls", err)
	if len(created) != 1 || created[0].ControlID != "a" {
		t.Errorf("created %+v", created)
	}
	updated, err := c.UpdateControls(ctx, 1, "red", []Control{{ControlID: "a", Props: Props{"text": json.RawMessage(`"B"`)}}})
	must("updateControls", err)
	if len(updated) != 1 || string(updated[0].Props["text"]) != `"B"` {
		t.Errorf("updated %+v", updated)
	}
	_, err = c.CreateGroups(ctx, []Group{{GroupID: "team", SceneID: "red"}})
	must("createGroups", err)
	groupID := "team"
	parts, err := c.UpdateParticipants(ctx, 0, []ParticipantUpdate{{SessionID: sid, GroupID: &groupID, Props: Props{"score": json.RawMessage(`5`)}}})
	must("updateParticipants", err)
	if len(parts) != 1 || parts[0].GroupID != "team" || string(parts[0].Props["score"]) != "5" {
		t.Errorf("participants %+v", parts)
	}
	groups, err := c.UpdateGroups(ctx, 0, []Group{{GroupID: "team", SceneID: "default"}})
	must("updateGroups", err)
	if len(groups) != 1 || groups[0].SceneID != "default" {
		t.Errorf("groups %+v", groups)
	}
	must("deleteControls", c.DeleteControls(ctx, "red", []string{"a"}))
	must("deleteGroup", c.DeleteGroup(ctx, "team", "default"))
	must("deleteScene", c.DeleteScene(ctx, "red", "default"))
	must("broadcastEvent", c.BroadcastEvent(ctx, []string{"everyone"}, json.RawMessage(`{"hello":"world"}`)))

	var re *ReplyError
	if err := c.BroadcastEvent(ctx, []string{"nowhere"}, nil); !errors.As(err, &re) || re.Code != wire.CodeBadBroadcastScope {
		t.Errorf("bad scope: %v", err)
	}
	if err := c.Capture(ctx, "00000000-0000-0000-0000-000000000000"); !errors.As(err, &re) || re.Code != wire.CodeUnknownTransaction {
		t.Errorf("capture unknown: %v", err)
	}
	target, err := c.UploadFile(ctx, "img/a.png")
	must("uploadFile", err)
	if target.URL == "" || target.Authorization == "" {
		t.Errorf("upload target %+v", target)
	}
	must("deleteFile", c.DeleteFile(ctx, "img/a.png"))
	raw, err := c.Call(ctx, "getScenes", nil)
	must("Call", err)
	if !strings.Contains(string(raw), `"sceneID":"default"`) {
		t.Errorf("raw getScenes %s", raw)
	}
	if _, err := c.Call(ctx, "noSuchMethod", nil); !errors.As(err, &re) || re.Code != wire.CodeUnknownMethod {
		t.Errorf("unknown method: %v", err)
	}
}

// The console holds designs as studio.Layout; its scenes and groups are
// the protocol's objects, so a JSON round trip gives the client's types,
// and a session started from that version shows exactly them.
func TestStudioLayoutIsWhatTheSessionShows(t *testing.T) {
	noLeaks(t)
	e := newMediatorEnv(t)
	var l studio.Layout
	if err := json.Unmarshal([]byte(mediatorLayout), &l); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"scenes": l.Scenes, "groups": l.Groups})
	if err != nil {
		t.Fatal(err)
	}
	var design struct {
		Scenes []Scene `json:"scenes"`
		Groups []Group `json:"groups"`
	}
	if err := json.Unmarshal(b, &design); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(ctxT(t), e.config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, want := serverView(t, c), viewOf(t, design.Scenes, design.Groups); !reflect.DeepEqual(got, want) {
		t.Errorf("session:\n got %+v\nwant %+v", got, want)
	}
	// Pushing the same design changes nothing.
	if err := c.PushLayout(ctxT(t), design.Scenes, design.Groups); err != nil {
		t.Fatal(err)
	}
	if snap := c.model.snapshot(); len(snap.scenes) != 0 || len(snap.groups) != 0 || len(snap.deletedScenes) != 0 {
		t.Errorf("an identical push made changes: %+v", snap)
	}
}
