package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mixstudio/mixstudio/live/client"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// Console states as the page shows them.
const (
	StateStopped      = "stopped"
	StateConnecting   = "connecting"
	StateLive         = "live"
	StateReconnecting = "reconnecting"
)

// Status is where a channel's console stands.
type Status struct {
	State     string `json:"state"`
	VersionID int64  `json:"versionID,omitempty"`
	// Remote is the remote mediator's URL, empty for the embedded one.
	Remote    string `json:"remote,omitempty"`
	Host      string `json:"host,omitempty"`
	Attempt   int    `json:"attempt,omitempty"`
	RetryInMs int64  `json:"retryInMs,omitempty"`
	// Reason and Code say why the last connection ended (or was refused).
	Reason string `json:"reason,omitempty"`
	Code   int    `json:"code,omitempty"`
	Since  int64  `json:"since"` // unix ms
}

// Errors a caller can match with errors.Is.
var (
	ErrNotLive     = studio.Errorf(studio.ECONFLICT, "the channel is not live: go live first")
	ErrAlreadyLive = studio.Errorf(studio.ECONFLICT, "the channel is already live: stop it first")
	ErrShutdown    = errors.New("console: shutting down")
)

// Channel is one channel's console.
type Channel struct {
	id    int64
	m     *Manager
	feed  *feed
	stats *stats

	mu          sync.Mutex
	live        *session // nil when stopped
	starting    bool
	status      Status
	autoCapture map[string]bool

	overlayOnce sync.Once
	overlay     *feed // the overlay's events (reactions_overlay.go)
	// state is what the streamer changed live in this session, saved with
	// the channel's live row (livestate.go).
	state liveState
}

// ID is the channel's id.
func (ch *Channel) ID() int64 { return ch.id }

// Status is the console's current state.
func (ch *Channel) Status() Status {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.status
}

// session is one go-live: a game client and the goroutines around it.
type session struct {
	c         *client.Client
	versionID int64
	userID    int64
	tokenID   int64 // minted for the embedded mediator; 0 for a remote token
	remote    string
	// stopReason is set (under Channel.mu) by Stop or a shutdown before
	// the client is closed; empty when the mediator ended the session.
	stopReason string
	captures   chan client.GiveInput
	done       chan struct{} // closed when the event loop and its helpers have returned
	rx         *reactor      // the version's reactions; nil when it has none
}

// LiveOptions say what to run and where.
type LiveOptions struct {
	VersionID int64
	// RemoteURL is a remote mediator's base URL (its hosts are discovered
	// there); empty means the embedded mediator. RemoteToken is then the
	// bearer token, and RemoteVersion the version id there (default
	// VersionID).
	RemoteURL     string
	RemoteToken   string
	RemoteVersion string
}

// GoLive connects a game client as the channel's owner, pushes the
// version's scenes, controls and groups (the mediator already started the
// session from the saved ones, so only what differs is sent) and readies
// the session. The channel is recorded as live, so that a restart of the
// server resumes it (see Manager.Resume).
func (ch *Channel) GoLive(ctx context.Context, owner studio.User, opts LiveOptions) error {
	return ch.goLive(ctx, owner, opts, liveState{}, 0)
}

// goLive is GoLive with what was changed live before (restored before
// ready) and, when resuming, when the show first started.
func (ch *Channel) goLive(ctx context.Context, owner studio.User, opts LiveOptions, restore liveState, startedAt int64) error {
	if owner.ChannelID != ch.id {
		return studio.Errorf(studio.EFORBIDDEN, "channel %d is not yours", ch.id)
	}
	if err := ch.beginStart(); err != nil {
		return err
	}
	defer ch.endStart()
	v, err := ch.m.cfg.DB.FindUserVersion(ctx, owner.ID, opts.VersionID)
	if err != nil {
		return err
	}
	scenes, groups, err := protocolLayout(v)
	if err != nil {
		return err
	}
	s := &session{versionID: v.ID, userID: owner.ID, remote: opts.RemoteURL, captures: make(chan client.GiveInput, 1024), done: make(chan struct{}),
		rx: newReactor(ch, v)}
	cfg, err := ch.clientConfig(ctx, s, opts)
	if err != nil {
		return err
	}
	if err := ch.dial(ctx, s, cfg, opts.RemoteURL, restore); err != nil {
		return err
	}
	if err := s.c.PushLayout(ctx, scenes, groups); err != nil {
		ch.stop(context.WithoutCancel(ctx), "could not go live: "+err.Error())
		return fmt.Errorf("go live: %w", err)
	}
	ch.restore(ctx, s, restore)
	// A page that took its snapshot while connecting learns the list now.
	ch.feed.publish(TypeNotice, ch.m.cfg.Now(), noticeData{Action: "liveChanges", Detail: ch.LiveChanges()})
	if err := s.c.Ready(ctx, true); err != nil {
		ch.stop(context.WithoutCancel(ctx), "could not go live: "+err.Error())
		return fmt.Errorf("go live: %w", err)
	}
	if startedAt == 0 {
		startedAt = ch.m.cfg.Now().UnixMilli()
	}
	row := persistence.LiveChannel{ChannelID: ch.id, UserID: owner.ID, VersionID: v.ID, RemoteURL: opts.RemoteURL,
		RemoteToken: opts.RemoteToken, RemoteVersion: opts.RemoteVersion, State: ch.stateJSON(), StartedAt: startedAt}
	if err := ch.m.cfg.DB.SaveLiveChannel(ctx, row); err != nil {
		// Live all the same; only a restart would not bring it back.
		ch.m.log.Warn("live console: record the live channel", "channel", ch.id, "err", err)
	}
	return nil
}

// beginStart claims the channel for one go-live at a time; endStart
// releases the claim.
func (ch *Channel) beginStart() error {
	ch.mu.Lock()
	if ch.live != nil || ch.starting {
		ch.mu.Unlock()
		return ErrAlreadyLive
	}
	ch.starting = true
	ch.mu.Unlock()
	ch.m.mu.Lock()
	closed := ch.m.closed
	ch.m.mu.Unlock()
	if closed {
		ch.endStart()
		return ErrShutdown
	}
	return nil
}

func (ch *Channel) endStart() {
	ch.mu.Lock()
	ch.starting = false
	ch.mu.Unlock()
}

// clientConfig is the game client's configuration: the remote mediator's
// discovery and token, or the embedded mediator with a token minted for
// this session (s.tokenID, revoked when it ends).
func (ch *Channel) clientConfig(ctx context.Context, s *session, opts LiveOptions) (client.Config, error) {
	cfg := client.Config{Now: ch.m.cfg.Now, Logger: ch.m.log, EventBuffer: ch.m.cfg.ClientEventBuffer}
	if opts.RemoteURL != "" {
		cfg.DiscoveryURL, cfg.Token, cfg.VersionID = opts.RemoteURL, opts.RemoteToken, opts.RemoteVersion
		if cfg.VersionID == "" {
			cfg.VersionID = strconv.FormatInt(s.versionID, 10)
		}
		return cfg, nil
	}
	secret, tok, err := ch.m.cfg.DB.CreateAccessToken(ctx, persistence.NewToken{
		UserID: s.userID, Scope: studio.ScopeRobotSelf, Label: "live console", TTL: 24 * time.Hour,
	})
	if err != nil {
		return cfg, fmt.Errorf("mint a token for the live console: %w", err)
	}
	s.tokenID = tok.ID
	// The embedded mediator is dialled directly: discovery would answer
	// the public URL, a detour (or unreachable) from inside the server.
	cfg.Hosts = []string{embeddedHost(ch.m.cfg.EmbeddedURL)}
	// Same machine: compressing would only cost CPU on both ends.
	cfg.Compression = []string{}
	cfg.Token, cfg.VersionID = secret, strconv.FormatInt(s.versionID, 10)
	return cfg, nil
}

// dial connects the game client and makes s the live session (its event
// loop running); a refusal is the console's stopped state with its reason.
func (ch *Channel) dial(ctx context.Context, s *session, cfg client.Config, remote string, restore liveState) error {
	ch.setStatus(Status{State: StateConnecting, VersionID: s.versionID, Remote: remote})
	c, err := client.Dial(ctx, cfg)
	if err != nil {
		ch.revoke(s)
		st := Status{State: StateStopped, VersionID: s.versionID, Remote: remote, Reason: err.Error()}
		var he *client.HandshakeError
		if errors.As(err, &he) {
			st.Code = he.Code
		}
		ch.setStatus(st)
		return fmt.Errorf("go live: %w", err)
	}
	s.c = c
	ch.publishOverlay(ch.m.cfg.Now(), overlayClear{Kind: OverlayClear, VersionID: s.versionID})
	ch.stats.reset()
	ch.mu.Lock()
	ch.live = s
	ch.state = restore.clone()
	for _, id := range restore.AutoCapture {
		ch.autoCapture[id] = true
	}
	ch.mu.Unlock()
	go ch.run(s, remote)
	return nil
}

// protocolLayout turns a version into the protocol's scenes and groups
// (studio types marshal to exactly the protocol's objects).
func protocolLayout(v studio.Version) ([]client.Scene, []client.Group, error) {
	var out struct {
		Scenes []client.Scene `json:"scenes"`
		Groups []client.Group `json:"groups"`
	}
	b, err := json.Marshal(struct {
		Scenes []studio.Scene `json:"scenes"`
		Groups []studio.Group `json:"groups"`
	}{v.Scenes, v.Groups})
	if err != nil {
		return nil, nil, fmt.Errorf("encode version %d: %w", v.ID, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, nil, fmt.Errorf("decode version %d: %w", v.ID, err)
	}
	return out.Scenes, out.Groups, nil
}

// Stop reasons the console shows.
const (
	ReasonStreamer = "stopped by the streamer"
	ReasonRestart  = "server restarting"
)

// Stop closes the game client (the session ends for participants) and
// waits until every goroutine of the session has returned. The channel is
// no longer live after a restart either.
func (ch *Channel) Stop(ctx context.Context) { ch.stop(ctx, ReasonStreamer) }

// stop ends the live session with a reason, unless one was already given
// (a shutdown's "server restarting" stands).
func (ch *Channel) stop(ctx context.Context, reason string) {
	ch.mu.Lock()
	s := ch.live
	if s != nil && s.stopReason == "" {
		s.stopReason = reason
	}
	ch.mu.Unlock()
	if s == nil {
		return
	}
	s.c.Close()
	select {
	case <-s.done:
	case <-ctx.Done():
	}
}

// current is the live session or ErrNotLive.
func (ch *Channel) current() (*session, error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.live == nil {
		return nil, ErrNotLive
	}
	return ch.live, nil
}

// LiveVersion is the version the channel runs (0 when stopped).
func (ch *Channel) LiveVersion() int64 {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.live == nil {
		return 0
	}
	return ch.live.versionID
}

func (ch *Channel) setStatus(st Status) {
	st.Since = ch.m.cfg.Now().UnixMilli()
	ch.mu.Lock()
	ch.status = st
	ch.mu.Unlock()
	ch.feed.publish(TypeState, ch.m.cfg.Now(), st)
}

func (ch *Channel) revoke(s *session) {
	if s.tokenID == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ch.m.cfg.DB.RevokeToken(ctx, s.userID, s.tokenID); err != nil {
		ch.m.log.Warn("live console: revoke its token", "channel", ch.id, "err", err)
	}
}

// embeddedHost is the game-client address of the mediator at base
// ("http://127.0.0.1:8080" → "ws://127.0.0.1:8080/gameClient").
func embeddedHost(base string) string {
	base = strings.TrimRight(base, "/")
	switch {
	case strings.HasPrefix(base, "https://"):
		base = "wss://" + strings.TrimPrefix(base, "https://")
	case strings.HasPrefix(base, "http://"):
		base = "ws://" + strings.TrimPrefix(base, "http://")
	}
	return base + "/gameClient"
}
