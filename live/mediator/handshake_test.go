package mediator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

func TestHostsListsThisServersGameClientAddress(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		proto, want string
	}{
		{"", "ws://" + strings.TrimPrefix(e.srv.URL, "http://") + "/gameClient"},
		{"https", "wss://" + strings.TrimPrefix(e.srv.URL, "http://") + "/gameClient"},
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+HostsPath, nil)
		if tc.proto != "" {
			req.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := decodeJSON[[]map[string]string](t, body)
		if len(got) != 1 || got[0]["address"] != tc.want {
			t.Fatalf("hosts %s, want address %s", body, tc.want)
		}
	}
	tlsSrv := httptest.NewTLSServer(e.m.Handler())
	defer tlsSrv.Close()
	resp, err := tlsSrv.Client().Get(tlsSrv.URL + HostsPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `[{"address":"wss://` + strings.TrimPrefix(tlsSrv.URL, "https://") + `/gameClient"}]`; string(body) != want {
		t.Fatalf("over TLS: %s, want %s", body, want)
	}
	m := New(e.store, nil, nil, Options{PublicURL: "https://play.example.com/"})
	rec := httptestRecorder(m.ServeHosts, "/api/v1/interactive/hosts")
	if !strings.Contains(rec, `"wss://play.example.com/gameClient"`) {
		t.Fatalf("with a public https URL: %s", rec)
	}
}

func TestGameClientHandshakeFailuresCloseWithTheSpecsCodes(t *testing.T) {
	e := newEnv(t, Options{})
	other, otherToken := e.user("other")
	// A participant key (not the robot scope) is no game client token.
	keyOnly, _, err := e.store.CreateAccessToken(context.Background(), persistence.NewToken{UserID: e.streamer.ID, Scope: studio.ScopeParticipant, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_ = other
	v1 := fmt.Sprint(e.version)
	v2 := fmt.Sprint(e.importLayout(e.streamer.ID, testLayout()))
	cases := []struct {
		name   string
		header map[string]string
		query  map[string]string
		code   int // close code after the upgrade
		status int // HTTP status instead of an upgrade
	}{
		{name: "no token", header: map[string]string{"X-Interactive-Version": v1, "X-Protocol-Version": "2.0"}, code: 4019},
		{name: "bad token", header: map[string]string{"Authorization": "Bearer nope", "X-Interactive-Version": v1, "X-Protocol-Version": "2.0"}, code: 4019},
		{name: "participant key as a game token", header: map[string]string{"Authorization": "Bearer " + keyOnly, "X-Interactive-Version": v1, "X-Protocol-Version": "2.0"}, code: 4019},
		{name: "auth checked before protocol", header: map[string]string{"Authorization": "Bearer nope", "X-Protocol-Version": "9"}, code: 4019},
		{name: "unknown version", header: map[string]string{"Authorization": "Bearer " + e.streamerToken, "X-Interactive-Version": "99", "X-Protocol-Version": "2.0"}, code: 4020},
		{name: "version not a number", header: map[string]string{"Authorization": "Bearer " + e.streamerToken, "X-Interactive-Version": "x", "X-Protocol-Version": "2.0"}, code: 4020},
		{name: "someone else's version", header: map[string]string{"Authorization": "Bearer " + otherToken, "X-Interactive-Version": v1, "X-Protocol-Version": "2.0"}, code: 4020},
		{name: "unsupported protocol", header: map[string]string{"Authorization": "Bearer " + e.streamerToken, "X-Interactive-Version": v1, "X-Protocol-Version": "1.0"}, status: 400},
		{name: "missing protocol", header: map[string]string{"Authorization": "Bearer " + e.streamerToken, "X-Interactive-Version": v1}, status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			q := url.Values{}
			for k, v := range tc.query {
				q.Set(k, v)
			}
			c, resp, err := e.dial(GameClientPath, q, h)
			if tc.status != 0 {
				if err == nil || resp == nil || resp.StatusCode != tc.status {
					t.Fatalf("want HTTP %d, got err %v resp %v", tc.status, err, resp)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.closeCode(); got != tc.code {
				t.Fatalf("close code %d, want %d", got, tc.code)
			}
		})
	}
	// Headers as case-insensitive query parameters, the token bare: the
	// session starts; a second game client on the channel gets 4021.
	q := url.Values{"authorization": {e.streamerToken}, "x-interactive-version": {v1}, "X-PROTOCOL-VERSION": {"2.0"}}
	first, _, err := e.dial(GameClientPath, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	first.expect("hello")
	q.Set("x-interactive-version", v2)
	second, _, err := e.dial(GameClientPath, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := second.closeCode(); got != 4021 {
		t.Fatalf("second game client: close %d, want 4021", got)
	}
	// The first one is unharmed.
	if r := first.call("getTime", nil); !strings.Contains(string(r), `"time":1700000000000`) {
		t.Fatalf("getTime %s", r)
	}
}

func TestSharecodeLetsAnotherUserRunAVersion(t *testing.T) {
	e := newEnv(t, Options{})
	_, tok := e.user("guest")
	ctx := context.Background()
	v, err := e.store.FindVersion(ctx, e.version)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Authorization": {"Bearer " + tok}, "X-Interactive-Version": {fmt.Sprint(e.version)}, "X-Protocol-Version": {"2.0"}}
	c, _, err := e.dial(GameClientPath, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.closeCode(); got != 4020 {
		t.Fatalf("another user's version without a sharecode: %d, want 4020", got)
	}
	code, err := e.store.SetSharecode(ctx, v.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("X-Interactive-Sharecode", code)
	c, _, err = e.dial(GameClientPath, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	c.expect("hello")
}

func TestPlainGetOnGameClientIs401ForABadTokenAnd400Otherwise(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", 401},
		{"Bearer wrong", 401},
		{"Bearer " + e.streamerToken, 400},
		{e.streamerToken, 400}, // a bare token (C++/Unity)
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+GameClientPath, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Authorization %q: %d, want %d", tc.auth, resp.StatusCode, tc.want)
		}
	}
}

func TestParticipantHandshakeFailures(t *testing.T) {
	e := newEnv(t, Options{ParticipantWait: 50 * time.Millisecond})
	// No session on the channel, none within the wait: 4022.
	q := url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}}
	c, _, err := e.dial(ParticipantPath, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.closeCode(); got != 4022 {
		t.Fatalf("offline channel: %d, want 4022", got)
	}
	e.game()
	// A bad key: 4019, whether as key or as a bearer header.
	q.Set("key", "bogus")
	c, _, _ = e.dial(ParticipantPath, q, nil)
	if got := c.closeCode(); got != 4019 {
		t.Fatalf("bad key: %d, want 4019", got)
	}
	q.Del("key")
	c, _, _ = e.dial(ParticipantPath, q, http.Header{"Authorization": {"Bearer bogus"}})
	if got := c.closeCode(); got != 4019 {
		t.Fatalf("bad bearer: %d, want 4019", got)
	}
	// An unknown channel: 4022. An unsupported protocol: 400.
	c, _, _ = e.dial(ParticipantPath, url.Values{"channel": {"424242"}}, nil)
	if got := c.closeCode(); got != 4022 {
		t.Fatalf("unknown channel: %d, want 4022", got)
	}
	_, resp, err := e.dial(ParticipantPath, url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}, "x-protocol-version": {"3.0"}}, nil)
	if err == nil || resp.StatusCode != 400 {
		t.Fatalf("unsupported protocol: %v %v", err, resp)
	}
}

func TestHelloIsTheFirstPacketWithTheShapeSDKsNeed(t *testing.T) {
	e := newEnv(t, Options{})
	h := http.Header{"Authorization": {"Bearer " + e.streamerToken}, "X-Interactive-Version": {fmt.Sprint(e.version)}, "X-Protocol-Version": {"2.0"}}
	c, _, err := e.dial(GameClientPath, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.readFrame(5e9); err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^\{"id":[1-9][0-9]*,"type":"method","method":"hello","params":null,"discard":true,"seq":[0-9]+\}$`)
	if !want.Match(c.frames[0]) {
		t.Fatalf("hello %s", c.frames[0])
	}
	p := e.participant("")
	if !want.Match(p.frames[0]) {
		t.Fatalf("participant's first packet %s", p.frames[0])
	}
}

func TestParticipantObjectsAreCompleteAndJoinComesFirst(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	viewer, key := e.user("viewer")
	p := e.participant(key)
	join := g.expect("onParticipantJoin")
	var raw struct {
		Participants []map[string]json.RawMessage `json:"participants"`
	}
	if err := json.Unmarshal(join.Params, &raw); err != nil || len(raw.Participants) != 1 {
		t.Fatalf("onParticipantJoin %s", join.Params)
	}
	for _, k := range []string{"sessionID", "userID", "username", "level", "lastInputAt", "connectedAt", "disabled", "groupID", "anonymous"} {
		if _, ok := raw.Participants[0][k]; !ok {
			t.Errorf("participant lacks %s: %s", k, join.Params)
		}
	}
	pj := decodeJSON[participantsParamsJSON](t, join.Params).Participants[0]
	if pj.UserID != viewer.ID || pj.Username != "viewer" || pj.Anonymous || pj.GroupID != "default" ||
		pj.ConnectedAt != 1_700_000_000_000 || !uuidRE.MatchString(pj.SessionID) {
		t.Fatalf("participant %+v", pj)
	}
	// The participant itself got its scene, group and join, in that order
	// before onReady.
	var order []string
	for _, m := range p.arrival {
		order = append(order, m.Method)
	}
	if got := strings.Join(order, ","); got != "hello,onSceneCreate,onGroupCreate,onParticipantJoin" {
		t.Fatalf("participant's arrival packets: %s", got)
	}
	sc := decodeJSON[struct {
		Scenes []struct {
			SceneID  string `json:"sceneID"`
			Controls []struct {
				ControlID string `json:"controlID"`
			} `json:"controls"`
		} `json:"scenes"`
	}](t, p.arrival[1].Params)
	if len(sc.Scenes) != 1 || sc.Scenes[0].SceneID != "default" || len(sc.Scenes[0].Controls) != 4 {
		t.Fatalf("onSceneCreate %s", p.arrival[1].Params)
	}
	// An anonymous viewer: userID 0, anonymous true.
	e.participant("")
	aj := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0]
	if !aj.Anonymous || aj.UserID != 0 {
		t.Fatalf("anonymous participant %+v", aj)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestASecondSocketOfTheSameUserReplacesTheFirst(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	_, key := e.user("viewer")
	first := e.participant(key)
	j1 := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0]
	e.participant(key)
	left := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantLeave").Params).Participants[0]
	j2 := decodeJSON[participantsParamsJSON](t, g.expect("onParticipantJoin").Params).Participants[0]
	if left.SessionID != j1.SessionID || j2.SessionID == j1.SessionID {
		t.Fatalf("left %s, joined %s then %s", left.SessionID, j1.SessionID, j2.SessionID)
	}
	if got := first.closeCode(); got != 4025 {
		t.Fatalf("replaced socket closed with %d", got)
	}
	all := decodeJSON[participantsParamsJSON](t, g.call("getAllParticipants", map[string]any{"from": 0}))
	if all.Total != 1 || all.Participants[0].SessionID != j2.SessionID {
		t.Fatalf("after replacement: %+v", all)
	}
}

func TestGameClientLeavingEndsTheSessionFor4016(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game()
	p := e.participant("")
	g.ws.Close()
	if got := p.closeCode(); got != 4016 {
		t.Fatalf("participant closed with %d, want 4016", got)
	}
	// The channel is free again.
	e.game()
}

// httptestRecorder runs a handler and returns its body.
func httptestRecorder(h http.HandlerFunc, path string) string {
	req, _ := http.NewRequest("GET", "http://internal"+path, nil)
	w := &bodyRecorder{header: http.Header{}}
	h(w, req)
	return w.body.String()
}

type bodyRecorder struct {
	header http.Header
	body   strings.Builder
}

func (r *bodyRecorder) Header() http.Header         { return r.header }
func (r *bodyRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *bodyRecorder) WriteHeader(int)             {}

var _ = studio.ErrNotFound

func TestParticipantWaitsForTheGameClientAfterARestart(t *testing.T) {
	e := newEnv(t, Options{})
	// The viewer's SDK reconnects before the game client does.
	q := url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}, "x-protocol-version": {"2.0"}}
	p, _, err := e.dial(ParticipantPath, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.send("getTime", nil) // the node SDK's clock sync, sent at once
	g := e.game()
	p.expect("hello")
	p.expect("onReady")
	if r := p.reply(1); r.Error != nil {
		t.Fatalf("getTime sent while waiting: %s", r.raw)
	}
	g.expect("onParticipantJoin")
	// An unknown channel is refused at once.
	start := time.Now()
	c, _, err := e.dial(ParticipantPath, url.Values{"channel": {"424242"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.closeCode(); got != 4022 || time.Since(start) > 2*time.Second {
		t.Fatalf("unknown channel: %d after %v", got, time.Since(start))
	}
}

func TestConcurrentGameClientsOnlyOneWins(t *testing.T) {
	e := newEnv(t, Options{})
	h := http.Header{"Authorization": {"Bearer " + e.streamerToken}, "X-Interactive-Version": {fmt.Sprint(e.version)}, "X-Protocol-Version": {"2.0"}}
	type result struct {
		hello bool
		code  int
	}
	results := make(chan result, 6)
	counted := make(chan struct{})
	for range 6 {
		go func() {
			ws, _, err := websocket.DefaultDialer.Dial(e.wsURL(GameClientPath, nil), h)
			if err != nil {
				results <- result{code: -1}
				return
			}
			defer ws.Close()
			ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, data, err := ws.ReadMessage()
			if err == nil && strings.Contains(string(data), `"method":"hello"`) {
				results <- result{hello: true}
				<-counted // stay connected until the others are refused

				return
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				results <- result{code: ce.Code}
				return
			}
			results <- result{code: -2}
		}()
	}
	hellos, refused := 0, 0
	for range 6 {
		r := <-results
		switch {
		case r.hello:
			hellos++
		case r.code == 4021:
			refused++
		default:
			t.Errorf("unexpected result %+v", r)
		}
	}
	close(counted)
	if hellos != 1 || refused != 5 {
		t.Fatalf("%d sessions started, %d refused with 4021", hellos, refused)
	}
}
