// Package mediator is the server side of the Interactive 2 protocol: one
// session per channel, the game client's and the participants' sockets,
// every method the server implements, throttling, spark transactions and
// session-bound file storage.
package mediator

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/live/mediator/internal/transport"
	"github.com/mixstudio/mixstudio/live/wire"
)

// Store is what the mediator needs from the database. *persistence.DB
// implements it.
type Store interface {
	// UserByToken returns the token's user; the error wraps
	// studio.ErrUnauthorized for unknown, expired or revoked tokens.
	UserByToken(ctx context.Context, token string) (User, error)
	// UserByChannel returns the channel's owner (studio.ErrNotFound).
	UserByChannel(ctx context.Context, channelID int64) (User, error)
	// LayoutForGameClient returns the version's saved scenes and groups if
	// the user may run it (studio.ErrNotFound / studio.ErrForbidden).
	LayoutForGameClient(ctx context.Context, versionID int64, userID int64, sharecode string) (Layout, error)
	Transactions
}

// Options tune the limits; zero values take the defaults.
type Options struct {
	// PublicURL is the base URL clients reach this server at; empty means
	// the request's own host.
	PublicURL string
	// MemoryLimit is the per-session estimate past which the game client
	// is closed with 4017 (a warning is issued at 80%).
	MemoryLimit int64
	// UploadQuota is the total size of the files one session may store.
	UploadQuota int64
	// ParticipantQueue and GameClientQueue bound each socket's outgoing
	// queue (packets); past them the socket is a slow reader and dropped.
	ParticipantQueue int
	GameClientQueue  int
	// PingInterval is how often sockets are pinged; a socket silent for
	// twice that long is dropped.
	PingInterval time.Duration
	// WriteTimeout bounds one frame's write.
	WriteTimeout time.Duration
	// InputRate is how many inputs a second one participant may give on
	// average (bursts of twice that pass); faster input is refused with
	// 4099, so that one viewer cannot use up the game client's bandwidth.
	// 0: limits.InputPerSecond; negative: no limit (load tools and
	// benchmarks press far faster than people).
	InputRate float64
	// SocketsPerAddress bounds the participant sockets one client address
	// may hold open; past it the upgrade is refused with HTTP 429.
	// 0: limits.ParticipantSocketsPerAddress; negative: no bound.
	SocketsPerAddress int
	// ClientAddr says which client a request comes from (a reverse proxy's
	// X-Forwarded-For, see limits.Addresses); nil: the TCP peer.
	ClientAddr func(*http.Request) string
	// CompressionBudget is the memory all participants' compression
	// streams may hold together; past it, setCompression picks a viewer's
	// next preference that fits (none at worst). Game clients are exempt.
	CompressionBudget int64
	// ParticipantWait is how long a participant of an existing channel
	// without a session waits for one (a game client coming back after a
	// restart) before 4022.
	ParticipantWait time.Duration
	// Bus joins the mediator to a cluster (docs/scaling.md); nil: one
	// process holds every channel, as always.
	Bus Bus
	// EdgeOnly makes a node of a cluster hold viewers only: game clients
	// are refused with 1012 (to try the next host), so the node needs no
	// database of its own.
	EdgeOnly bool
}

func (o *Options) defaults() {
	if o.MemoryLimit == 0 {
		o.MemoryLimit = 16 << 20
	}
	if o.UploadQuota == 0 {
		o.UploadQuota = 32 << 20
	}
	if o.ParticipantQueue == 0 {
		o.ParticipantQueue = 512
	}
	if o.GameClientQueue == 0 {
		o.GameClientQueue = 1 << 16
	}
	if o.PingInterval == 0 {
		o.PingInterval = 20 * time.Second
	}
	if o.CompressionBudget == 0 {
		o.CompressionBudget = 256 << 20 // ~250 gzip or ~1,300 lz4 viewers
	}
	if o.InputRate == 0 {
		o.InputRate = limits.InputPerSecond
	}
	if o.SocketsPerAddress == 0 {
		o.SocketsPerAddress = limits.ParticipantSocketsPerAddress
	}
	if o.ClientAddr == nil {
		o.ClientAddr = limits.Addresses{}.Of
	}
	if o.ParticipantWait == 0 {
		o.ParticipantWait = 15 * time.Second
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 10 * time.Second
	}
}

// Mediator holds every live session.
type Mediator struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
	opts  Options

	upgrader websocket.Upgrader

	mu       sync.Mutex
	sessions map[int64]*session // by channel ID
	files    map[string]*session
	started  map[int64]chan struct{} // closed when the channel's session starts
	conns    map[*conn]struct{}
	stopping bool
	// edges are the channels whose viewers this node holds in a cluster
	// (edge.go); edgeViewers counts those viewers, the node's load.
	edges       map[int64]*edge
	edgeViewers atomic.Int64

	writers *transport.Writers
	streams streamBudget // participants' compression streams
	// addrs counts the participant sockets of each client address; nil
	// when Options.SocketsPerAddress is negative.
	addrs *limits.Gate

	stopPing      chan struct{}
	pingerRunning bool
	pingOnce      sync.Once
}

// New builds a mediator. clock is the time source for cooldowns,
// transaction expiry and throttles.
func New(store Store, clock func() time.Time, logger *slog.Logger, opts Options) *Mediator {
	if clock == nil {
		clock = time.Now
	}
	if logger == nil {
		logger = slog.Default()
	}
	opts.defaults()
	m := &Mediator{
		store:    store,
		now:      clock,
		log:      logger,
		opts:     opts,
		sessions: map[int64]*session{},
		files:    map[string]*session{},
		started:  map[int64]chan struct{}{},
		conns:    map[*conn]struct{}{},
		edges:    map[int64]*edge{},
		stopPing: make(chan struct{}),
		writers:  transport.NewWriters(),
	}
	m.streams.limit = opts.CompressionBudget
	if opts.Bus != nil {
		opts.Bus.OnConnection(m.busIs)
	}
	if opts.SocketsPerAddress > 0 {
		m.addrs = limits.NewGate(opts.SocketsPerAddress)
	}
	m.upgrader = websocket.Upgrader{
		// Small: an idle participant should cost little. The handler
		// returns after the upgrade, so net/http's own buffers are freed.
		// Frames are written by the transport's writers (Conn.flush), never through
		// gorilla's message writer: the pool keeps gorilla from holding a
		// write buffer per socket for the handshake.
		ReadBufferSize:  512,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		// Game clients and SDKs are not browsers; the participant page is
		// served from this origin or embedded elsewhere on purpose.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return m
}

// Shutdown closes every socket with 1012 (clients should reconnect) and
// waits until they are gone or ctx ends.
func (m *Mediator) Shutdown(ctx context.Context) {
	m.mu.Lock()
	m.stopping = true
	conns := make([]*conn, 0, len(m.conns))
	for c := range m.conns {
		conns = append(conns, c)
	}
	m.mu.Unlock()
	m.pingOnce.Do(func() { close(m.stopPing) })
	for _, c := range conns {
		c.CloseWith(wire.CodeRestart, "server restarting")
	}
	for _, c := range conns {
		select {
		case <-c.Done():
		case <-ctx.Done():
			c.Kill()
		}
	}
}

func (m *Mediator) addConn(c *conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopping {
		return false
	}
	if len(m.conns) == 0 {
		m.startPinger()
	}
	m.conns[c] = struct{}{}
	return true
}

// removeConn forgets c; its reader calls it, last.
func (m *Mediator) removeConn(c *conn) {
	m.mu.Lock()
	delete(m.conns, c)
	m.mu.Unlock()
	m.streams.tryAdd(-c.streamCost)
	if c.addr != "" {
		m.addrs.Leave(c.addr)
	}
}

// pingSlices is how many steps a ping round is spread over: pinging
// 10,000 sockets at once would put 10,000 writes ahead of every input.
const pingSlices = 50

// startPinger runs one goroutine for all sockets: every PingInterval a
// round pings each socket (queued, never blocking on a slow one), a slice
// at a time over the first half of the interval, so no socket waits more
// than 1.5 intervals between pings (a newcomer included) against a pong
// timeout of 2; pongs extend the read deadline.
func (m *Mediator) startPinger() {
	if m.pingerRunning {
		return
	}
	m.pingerRunning = true
	go func() {
		t := time.NewTicker(max(m.opts.PingInterval/(2*pingSlices), time.Millisecond))
		defer t.Stop()
		var round []*conn // this round's sockets not yet pinged
		per := 0
		for step := 1; ; step = (step + 1) % (2 * pingSlices) {
			select {
			case <-m.stopPing:
				return
			case <-t.C:
			}
			if step == 0 {
				m.mu.Lock()
				round = make([]*conn, 0, len(m.conns))
				for c := range m.conns {
					round = append(round, c)
				}
				m.mu.Unlock()
				per = (len(round) + pingSlices - 1) / pingSlices
			}
			n := min(per, len(round))
			for _, c := range round[:n] {
				c.Ping()
			}
			round = round[n:]
		}
	}()
}

// busIs tells every edge of this node that the bus went down or came back.
func (m *Mediator) busIs(up bool) {
	m.mu.Lock()
	edges := make([]*edge, 0, len(m.edges))
	for _, e := range m.edges {
		edges = append(edges, e)
	}
	m.mu.Unlock()
	for _, e := range edges {
		<-e.subscribed
		e.busIs(up)
	}
}
