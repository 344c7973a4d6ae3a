package mediator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/mediator/internal/transport"
	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/studio"
)

// Paths the mediator serves (Mixer's, so existing clients only change host).
const (
	HostsPath       = "/api/v1/interactive/hosts"
	GameClientPath  = "/gameClient"
	ParticipantPath = "/participant"
	FilesPath       = "/interactive/files/"
)

// Handler serves every mediator path (for `mixstudio mediator` and tests).
func (m *Mediator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HostsPath, m.ServeHosts)
	mux.HandleFunc(GameClientPath, m.ServeGameClient)
	mux.HandleFunc(ParticipantPath, m.ServeParticipant)
	mux.HandleFunc(FilesPath, m.ServeFiles)
	return mux
}

// param reads a handshake header, or the query parameter of the same name
// in any case (for clients that cannot set headers).
func param(r *http.Request, name string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	for k, vs := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// bearer accepts "Bearer TOKEN" and a bare token (some C++/Unity callers).
func bearer(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return v
}

// protocolOK accepts 2.0 (the version this document specifies).
func protocolOK(v string) bool {
	return v == "2.0" || v == "2"
}

// baseURL is scheme://host for URLs handed back to this request's client.
func (m *Mediator) baseURL(r *http.Request, ws bool) string {
	if m.opts.PublicURL != "" {
		u := strings.TrimRight(m.opts.PublicURL, "/")
		if ws {
			u = wsURL(u)
		}
		return u
	}
	secure := r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
	switch {
	case ws && secure:
		return "wss://" + r.Host
	case ws:
		return "ws://" + r.Host
	case secure:
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// ServeHosts is endpoint discovery: this server, then (in a cluster) every
// other live node. A game client that loses its node reconnects to the
// next one in the list (the SDKs rotate through it), which takes the
// channel's lease once the dead node's expires.
func (m *Mediator) ServeHosts(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	hosts := []map[string]string{}
	if !m.opts.EdgeOnly {
		hosts = append(hosts, map[string]string{"address": m.baseURL(r, true) + GameClientPath})
	}
	if m.opts.Bus != nil {
		me := m.opts.Bus.NodeID()
		for _, n := range m.opts.Bus.Nodes() {
			if n.ID != me && n.URL != "" && !n.EdgeOnly {
				hosts = append(hosts, map[string]string{"address": wsURL(n.URL) + GameClientPath})
			}
		}
	}
	w.Write(mustJSON(hosts))
}

// wsURL turns a node's http(s) base URL into its ws(s) one.
func wsURL(u string) string {
	return strings.Replace(strings.Replace(strings.TrimRight(u, "/"), "https://", "wss://", 1), "http://", "ws://", 1)
}

// NodeSockets are the ws(s) base URLs of the cluster's live nodes (none
// when the mediator is not in a cluster): a play page may open its socket
// on any.
func (m *Mediator) NodeSockets() []string {
	if m.opts.Bus == nil {
		return nil
	}
	var out []string
	for _, n := range m.opts.Bus.Nodes() {
		if n.URL != "" {
			out = append(out, wsURL(n.URL))
		}
	}
	return out
}

// ViewerSocket is the ws(s) base URL of the least-loaded live node of the
// cluster, for handing a viewer its socket; "" when the mediator is not in
// a cluster.
func (m *Mediator) ViewerSocket() string {
	if m.opts.Bus == nil {
		return ""
	}
	best, load := "", 0
	for _, n := range m.opts.Bus.Nodes() {
		if n.URL != "" && (best == "" || n.Participants < load) {
			best, load = n.URL, n.Participants
		}
	}
	if best == "" {
		return ""
	}
	return wsURL(best)
}

// rejectAfterUpgrade completes the handshake and closes with code: that is
// how clients see 4019, 4020, 4021 and 4022.
func (m *Mediator) rejectAfterUpgrade(w http.ResponseWriter, r *http.Request, code int, reason string) {
	m.logRefusal(r, code, reason)
	ws, sock, err := m.upgrade(w, r)
	if err != nil {
		return
	}
	c := newConn(ws, sock, m.writers, transport.Options{MaxItems: 4, MaxBytes: 1 << 16, Timeouts: m.timeouts()})
	c.CloseWith(code, reason)
	// Read until the peer answers the close (or the timeout cuts it off).
	for {
		if _, _, err := ws.NextReader(); err != nil {
			c.Kill()
			return
		}
	}
}

// logRefusal records a refused handshake with its code (a close code, or
// an HTTP status before the upgrade) and reason: a client that gives up
// after a refusal leaves no other trace of why.
func (m *Mediator) logRefusal(r *http.Request, code int, reason string) {
	m.log.Warn("handshake refused", "path", r.URL.Path, "remote", r.RemoteAddr, "code", code, "reason", reason)
}

// refuseHTTP answers a handshake refused before the upgrade.
func (m *Mediator) refuseHTTP(w http.ResponseWriter, r *http.Request, status int, reason string) {
	m.logRefusal(r, status, reason)
	http.Error(w, reason, status)
}

func (m *Mediator) timeouts() transport.Timeouts {
	return transport.Timeouts{Write: m.opts.WriteTimeout, Pong: 2 * m.opts.PingInterval, Close: 2 * 1e9}
}

// ServeGameClient is the game client's socket. The checks run in the
// spec's order: credentials (4019), version and access (4020), protocol
// version (HTTP 400: before the upgrade), a session already running (4021).
func (m *Mediator) ServeGameClient(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := bearer(param(r, "Authorization"))
	user, authErr := m.authenticate(ctx, token)
	if !websocket.IsWebSocketUpgrade(r) {
		// The Unity plugin checks its token with a plain GET.
		if authErr != nil {
			m.refuseHTTP(w, r, http.StatusUnauthorized, "authentication failed")
			return
		}
		m.refuseHTTP(w, r, http.StatusBadRequest, "this endpoint speaks WebSocket")
		return
	}
	if m.isStopping() {
		m.rejectAfterUpgrade(w, r, wire.CodeRestart, "server restarting")
		return
	}
	if m.opts.EdgeOnly {
		m.rejectAfterUpgrade(w, r, wire.CodeRestart, "This node holds viewers only: connect to a host from "+HostsPath+".")
		return
	}
	if authErr != nil {
		code, reason := wire.CodeAuthFailed, "Authentication failed."
		if !refused(authErr) {
			m.log.Error("game client authentication", "err", authErr)
			code, reason = wire.CodeInternal, "internal error"
		}
		m.rejectAfterUpgrade(w, r, code, reason)
		return
	}
	versionID, err := strconv.ParseInt(strings.TrimSpace(param(r, "X-Interactive-Version")), 10, 64)
	if err != nil {
		m.rejectAfterUpgrade(w, r, wire.CodeVersionNotFound, "The interactive version is not found, or you do not have access to it.")
		return
	}
	layout, err := m.store.LayoutForGameClient(ctx, versionID, user.ID, param(r, "X-Interactive-Sharecode"))
	if err != nil {
		code, reason := wire.CodeVersionNotFound, "The interactive version is not found, or you do not have access to it."
		if !errors.Is(err, studio.ErrNotFound) && !errors.Is(err, studio.ErrForbidden) {
			m.log.Error("game client layout", "version", versionID, "err", err)
			code, reason = wire.CodeInternal, "internal error"
		}
		m.rejectAfterUpgrade(w, r, code, reason)
		return
	}
	if !protocolOK(param(r, "X-Protocol-Version")) {
		m.refuseHTTP(w, r, http.StatusBadRequest, "unsupported X-Protocol-Version (this server speaks 2.0)")
		return
	}
	s, err := m.newSession(user, layout, m.baseURL(r, false))
	if err != nil {
		m.log.Warn("game client layout refused", "version", versionID, "err", err)
		m.rejectAfterUpgrade(w, r, wire.CodeVersionNotFound, "The interactive version's layout is not usable: "+err.Error())
		return
	}
	s.versionID = versionID
	if s.withBundle = wantsBundle(r); s.withBundle {
		if s.hasBundle, err = m.versionHasBundle(ctx, versionID); err != nil {
			m.log.Error("game client bundle", "version", versionID, "err", err)
			m.rejectAfterUpgrade(w, r, wire.CodeInternal, "internal error")
			return
		}
	}
	if m.sessionFor(s.channelID) != nil {
		m.rejectAfterUpgrade(w, r, wire.CodeAlreadyRunning, "A different interactive session is already running for the channel.")
		return
	}
	if m.opts.Bus != nil {
		s.home = newHome(s, m.opts.Bus)
		if code, reason := s.home.claimLease(ctx); code != 0 {
			m.rejectAfterUpgrade(w, r, code, reason)
			return
		}
		defer s.home.stop()
	}
	ws, sock, err := m.upgrade(w, r)
	if err != nil {
		return
	}
	c := newConn(ws, sock, m.writers, transport.Options{Urgent: true, Batch: param(r, "batch") == "1",
		MaxItems: m.opts.GameClientQueue, MaxBytes: 256 << 20, Timeouts: m.timeouts()})
	// The streamer's game hears input and replies while a fan-out to
	// 10,000 viewers is still being written.
	if !m.addConn(c) {
		c.Abort(wire.CodeRestart, "server restarting")
		return
	}
	defer m.removeConn(c)
	// The session becomes visible with its game client set and hello
	// queued, so that nothing about a participant can come before hello.
	if !m.claim(s, func() { s.game = c; s.toGame("hello", nil) }) {
		if m.isStopping() {
			m.logRefusal(r, wire.CodeRestart, "server restarting")
			c.CloseWith(wire.CodeRestart, "server restarting")
		} else {
			// Lost the race with another game client of the channel.
			const reason = "A different interactive session is already running for the channel."
			m.logRefusal(r, wire.CodeAlreadyRunning, reason)
			c.CloseWith(wire.CodeAlreadyRunning, reason)
		}
		c.ReadLoop(4<<10, func(*wire.Packet, *Error) {})
		return
	}
	if s.home != nil {
		if err := s.home.start(); err != nil {
			m.log.Error("cluster subscribe", "channel", s.channelID, "err", err)
			c.CloseWith(wire.CodeRestart, "The cluster's bus cannot be reached; try again.")
		}
	}
	m.log.Info("game client connected", "channel", s.channelID, "user", user.Username, "version", versionID)
	c.ReadLoop(4<<20, func(p *wire.Packet, e *Error) { s.handleGame(c, p, e) })
	s.end()
	m.release(s)
	m.log.Info("game client disconnected", "channel", s.channelID)
}

// scopedTokens is implemented by stores that can require a token's scope
// (*persistence.DB does): a game client's token must carry
// interactive:robot:self, a participant's key may be of any scope.
type scopedTokens interface {
	UserByTokenScope(ctx context.Context, token, scope string) (User, error)
}

// authenticate checks a game client's token; the error wraps
// studio.ErrUnauthorized or studio.ErrForbidden (a token without the
// robot scope) when the token will not do, both 4019.
func (m *Mediator) authenticate(ctx context.Context, token string) (User, error) {
	if token == "" {
		return User{}, studio.ErrUnauthorized
	}
	if st, ok := m.store.(scopedTokens); ok {
		return st.UserByTokenScope(ctx, token, studio.ScopeRobotSelf)
	}
	return m.store.UserByToken(ctx, token)
}

func refused(err error) bool {
	return errors.Is(err, studio.ErrUnauthorized) || errors.Is(err, studio.ErrForbidden)
}

// claim makes s the channel's session, unless one is running; start runs
// under s.mu before anyone else can see s.
func (m *Mediator) claim(s *session, start func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, busy := m.sessions[s.channelID]; busy || m.stopping {
		return false
	}
	s.mu.Lock()
	start()
	s.mu.Unlock()
	m.sessions[s.channelID] = s
	m.files[s.storageID] = s
	if started := m.started[s.channelID]; started != nil {
		close(started) // wake the participants waiting for it
		delete(m.started, s.channelID)
	}
	return true
}

func (m *Mediator) release(s *session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sessions[s.channelID] == s {
		delete(m.sessions, s.channelID)
	}
	delete(m.files, s.storageID)
}

func (m *Mediator) sessionFor(channelID int64) *session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions[channelID]
}

// ServeParticipant is a viewer's socket: /participant?channel=ID with an
// optional key (or Authorization); no credential means anonymous.
func (m *Mediator) ServeParticipant(w http.ResponseWriter, r *http.Request) {
	if v := param(r, "X-Protocol-Version"); v != "" && !protocolOK(v) {
		m.refuseHTTP(w, r, http.StatusBadRequest, "unsupported X-Protocol-Version (this server speaks 2.0)")
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		m.refuseHTTP(w, r, http.StatusBadRequest, "this endpoint speaks WebSocket")
		return
	}
	if m.isStopping() {
		m.rejectAfterUpgrade(w, r, wire.CodeRestart, "server restarting")
		return
	}
	// One address may hold only so many sockets: refused before the
	// upgrade, so that a flood costs no socket state at all.
	var addr string
	if m.addrs != nil {
		addr = m.opts.ClientAddr(r)
		if !m.addrs.Enter(addr) {
			w.Header().Set("Retry-After", "60")
			m.refuseHTTP(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many participant sockets from your address: at most %d at once.", m.opts.SocketsPerAddress))
			return
		}
		defer func() {
			if addr != "" { // not handed to a conn
				m.addrs.Leave(addr)
			}
		}()
	}
	token := param(r, "key")
	if token == "" {
		token = bearer(param(r, "Authorization"))
	}
	if m.opts.Bus != nil { // the channel's home checks the key and the ban
		m.serveClusterParticipant(w, r, token, addr)
		addr = ""
		return
	}
	var user User
	anonymous := token == ""
	if !anonymous {
		u, err := m.store.UserByToken(r.Context(), token)
		if err != nil {
			code, reason := wire.CodeAuthFailed, "Authentication failed."
			if !errors.Is(err, studio.ErrUnauthorized) {
				m.log.Error("participant authentication", "err", err)
				code, reason = wire.CodeInternal, "internal error"
			}
			m.rejectAfterUpgrade(w, r, code, reason)
			return
		}
		user = u
	}
	channelID, err := strconv.ParseInt(param(r, "channel"), 10, 64)
	if err != nil {
		m.rejectAfterUpgrade(w, r, wire.CodeChannelOffline, "The channel is not online.")
		return
	}
	viewer := ""
	if anonymous {
		viewer = viewerID(r)
	}
	standing, err := m.standing(r.Context(), channelID, user, viewer)
	if err != nil {
		m.log.Error("participant standing", "channel", channelID, "err", err)
		m.rejectAfterUpgrade(w, r, wire.CodeInternal, "internal error")
		return
	}
	if standing.Banned {
		m.rejectAfterUpgrade(w, r, wire.CodeAccessRevoked, BannedReason)
		return
	}
	s := m.sessionFor(channelID)
	if s == nil {
		// A channel that exists but has no session yet may get one soon
		// (the game client reconnecting after a restart): wait for it.
		if _, err := m.store.UserByChannel(r.Context(), channelID); err != nil {
			code, reason := wire.CodeChannelOffline, "The channel is not online."
			if !errors.Is(err, studio.ErrNotFound) {
				m.log.Error("participant channel", "channel", channelID, "err", err)
				code, reason = wire.CodeInternal, "internal error"
			}
			m.rejectAfterUpgrade(w, r, code, reason)
			return
		}
	}
	ws, sock, err := m.upgrade(w, r)
	if err != nil {
		return
	}
	c := newConn(ws, sock, m.writers, transport.Options{Batch: param(r, "batch") == "1",
		MaxItems: m.opts.ParticipantQueue, MaxBytes: 4 << 20, Timeouts: m.timeouts()})
	if !m.addConn(c) {
		c.Abort(wire.CodeRestart, "server restarting")
		return
	}
	var muted int64
	if !standing.MutedUntil.IsZero() {
		muted = standing.MutedUntil.UnixMilli()
	}
	c.addr, addr = addr, "" // removeConn gives it back
	go m.serveParticipant(c, s, channelID, user, anonymous, viewer, muted)
}

// serveParticipant joins c to the channel's session, waiting up to
// Options.ParticipantWait for one to start, then reads until c closes.
// The reader is a goroutine of its own: waiting for input, its stack then
// holds only ReadLoop's frames, and the GC can halve it (see transport.Conn.ReadLoop).
func (m *Mediator) serveParticipant(c *conn, s *session, channelID int64, user User, anonymous bool, viewer string, mutedUntil int64) {
	if s == nil {
		s = m.waitForSession(channelID, m.opts.ParticipantWait)
	}
	p := &participant{
		sessionID:  uuid.NewString(),
		userID:     user.ID,
		username:   user.Username,
		level:      user.Level,
		anonymous:  anonymous,
		viewerID:   viewer,
		mutedUntil: mutedUntil,
		conn:       c,
	}
	if s != nil && s.missingBundle() {
		m.refuseNoBundle(c, channelID)
		return
	}
	if s == nil || !s.join(p) {
		defer m.removeConn(c)
		m.log.Warn("handshake refused", "path", ParticipantPath, "channel", channelID,
			"code", wire.CodeChannelOffline, "reason", "no game client came within the wait")
		c.CloseWith(wire.CodeChannelOffline, "The channel is not online.")
		c.ReadLoop(64<<10, func(*wire.Packet, *Error) {}) // until the peer's close
		return
	}
	go func() {
		defer m.removeConn(c)
		c.ReadLoop(64<<10, func(pk *wire.Packet, e *Error) { s.handleParticipant(p, pk, e) })
		s.leave(p)
	}()
}

// waitForSession returns the channel's session once one starts, or nil
// after d or at shutdown.
func (m *Mediator) waitForSession(channelID int64, d time.Duration) *session {
	m.mu.Lock()
	if s := m.sessions[channelID]; s != nil {
		m.mu.Unlock()
		return s
	}
	started := m.started[channelID]
	if started == nil {
		started = make(chan struct{})
		m.started[channelID] = started
	}
	m.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-started:
		return m.sessionFor(channelID)
	case <-t.C:
	case <-m.stopPing:
	}
	return nil
}

func (m *Mediator) isStopping() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stopping
}

// serveClusterParticipant upgrades a viewer's socket and hands it to the
// channel's edge here; addr is the client address it holds a socket of.
func (m *Mediator) serveClusterParticipant(w http.ResponseWriter, r *http.Request, token, addr string) {
	channelID, err := strconv.ParseInt(param(r, "channel"), 10, 64)
	if err != nil {
		if addr != "" {
			m.addrs.Leave(addr)
		}
		m.rejectAfterUpgrade(w, r, wire.CodeChannelOffline, "The channel is not online.")
		return
	}
	viewer := ""
	if token == "" {
		viewer = viewerID(r)
	}
	ws, sock, err := m.upgrade(w, r)
	if err != nil {
		if addr != "" {
			m.addrs.Leave(addr)
		}
		return
	}
	c := newConn(ws, sock, m.writers, transport.Options{Batch: param(r, "batch") == "1",
		MaxItems: m.opts.ParticipantQueue, MaxBytes: 4 << 20, Timeouts: m.timeouts()})
	if !m.addConn(c) {
		if addr != "" {
			m.addrs.Leave(addr)
		}
		c.Abort(wire.CodeRestart, "server restarting")
		return
	}
	c.addr = addr // removeConn gives it back
	go m.serveEdge(c, channelID, token, viewer)
}
