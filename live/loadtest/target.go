package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// Target is a running mediator and what the game client needs to start a
// session on it.
type Target struct {
	// BaseURL is the server's http://127.0.0.1:PORT.
	BaseURL string
	// Token is a bearer token of the channel's owner; VersionID the
	// version the game client runs; ChannelID where participants go.
	Token     string
	VersionID int64
	ChannelID int64
	// PID, when set, is the server's process: its memory and CPU are
	// read from /proc (0: not readable, or this process when InProcess).
	PID int
	// InProcess: the server runs in this process (figures include the
	// driver's client sockets).
	InProcess bool
	// DebugURL, when set, serves DebugHandler (the server's Go heap).
	DebugURL string

	// A cluster (StartCluster): the game client connects to BaseURL (the
	// home node); participants to ParticipantURLs in turn (the edges).
	ParticipantURLs []string
	// Nodes are the cluster's processes, whose CPU and memory a run
	// reports one by one (PID is then 0).
	Nodes []Node
	// BusMessages reads the bus's counters: messages published to it
	// (in) and delivered by it to subscribers (out).
	BusMessages func() (in, out uint64)
}

// Node is one mediator process of a cluster.
type Node struct {
	Name string // "home", "edge1", ...
	URL  string
	PID  int
}

// participantURL is where participant i connects.
func (t Target) participantURL(i int) string {
	if len(t.ParticipantURLs) == 0 {
		return t.BaseURL
	}
	return t.ParticipantURLs[i%len(t.ParticipantURLs)]
}

// layoutJSON is the load test's layout: a textbox that carries the input
// send time, a label whose custom property carries a fan-out's send time,
// and a second scene to switch to.
const layoutJSON = `{"format":"mixstudio/1","name":"load test","scenes":[
	{"sceneID":"default","controls":[
		{"controlID":"btn","kind":"button","text":"Go","position":[]},
		{"controlID":"box","kind":"textbox","position":[]},
		{"controlID":"lbl","kind":"label","text":"0","position":[]}
	]},
	{"sceneID":"lobby","controls":[{"controlID":"wait","kind":"button","text":"Wait","position":[]}]}
],"groups":[{"groupID":"default","sceneID":"default"}]}`

// PrepareDB opens (creating it if needed) the database at path and makes
// a user "loadtest" with a token and a version of the load-test layout.
// BaseURL is left for the caller.
func PrepareDB(ctx context.Context, path string) (Target, error) {
	db, err := persistence.Open(ctx, path)
	if err != nil {
		return Target{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	u, err := db.EnsureUser(ctx, "loadtest")
	if err != nil {
		return Target{}, fmt.Errorf("user: %w", err)
	}
	tok, _, err := db.CreateAccessToken(ctx, persistence.NewToken{
		UserID: u.ID, Scope: studio.ScopeRobotSelf, Label: "mixstudio loadtest", TTL: 24 * time.Hour,
	})
	if err != nil {
		return Target{}, fmt.Errorf("token: %w", err)
	}
	layout, _, err := studio.Import([]byte(layoutJSON))
	if err != nil {
		return Target{}, fmt.Errorf("layout: %w", err)
	}
	v, err := db.ImportLayout(ctx, u.ID, layout)
	if err != nil {
		return Target{}, fmt.Errorf("import layout: %w", err)
	}
	return Target{Token: tok, VersionID: v, ChannelID: u.ChannelID}, nil
}

// CheckLoopback refuses any URL whose host is not a loopback address:
// a load test never sends traffic off this machine.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http", "ws":
	default:
		return fmt.Errorf("url %q: want http:// or ws:// on a loopback address", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("url %q: %q is not a loopback address (127.0.0.0/8, ::1, localhost); load tests stay on this machine", raw, host)
	}
	return nil
}

// LookupChannel asks the server whose channel token owns
// (GET /api/v1/users/current).
func LookupChannel(ctx context.Context, baseURL, token string) (int64, error) {
	if err := CheckLoopback(baseURL); err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/api/v1/users/current", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("users/current: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("users/current: %s (pass --channel)", resp.Status)
	}
	var me struct {
		Channel struct {
			ID json.Number `json:"id"`
		} `json:"channel"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		return 0, fmt.Errorf("users/current: %w", err)
	}
	id, err := strconv.ParseInt(me.Channel.ID.String(), 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("users/current: no channel id (pass --channel)")
	}
	return id, nil
}
