package console

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
)

// Defaults of Config.
const (
	DefaultBufferSize      = 16384
	DefaultSubscriberQueue = 4096
	DefaultStatsInterval   = time.Second
	DefaultHeartbeat       = 15 * time.Second
)

// Config is what a Manager needs.
type Config struct {
	DB *persistence.DB
	// EmbeddedURL is the base URL of the mediator this process serves
	// ("http://127.0.0.1:8080"), asked for its hosts when going live
	// without a remote mediator.
	EmbeddedURL string
	// Mediator is the embedded mediator, asked directly for what the
	// protocol cannot do (closing a banned viewer's socket); nil: the
	// console moderates through the protocol only.
	Mediator *mediator.Mediator
	Now      func() time.Time
	Logger   *slog.Logger
	// BufferSize is how many events each channel keeps for Last-Event-ID
	// resumption (DefaultBufferSize).
	BufferSize int
	// SubscriberQueue bounds each subscriber's queue; a subscriber that
	// lets it fill is dropped (DefaultSubscriberQueue).
	SubscriberQueue int
	// StatsInterval is how often a live channel publishes a stats event.
	StatsInterval time.Duration
	// ClientEventBuffer is the game client's event queue (live/client's
	// default when zero).
	ClientEventBuffer int
	// Heartbeat is how often an idle event stream gets a comment line, so
	// proxies and browsers see it is alive (DefaultHeartbeat).
	Heartbeat time.Duration
	// WebhookAllowPrivate lets reactions' webhooks reach loopback, private
	// and link-local addresses (serve --allow-private-webhooks).
	WebhookAllowPrivate bool
	// MaxQueuedAlerts bounds the alerts waiting for the overlay
	// (DefaultMaxQueuedAlerts).
	MaxQueuedAlerts int
}

// Manager holds the console state of every channel.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	channels map[int64]*Channel
	closed   bool
	// firstEventID numbers this run's events after every id an earlier run
	// gave out (unix ms × 1000 at start), so a page that reconnects after
	// a restart is told to reset instead of resuming at a wrong place.
	firstEventID uint64
}

// New builds a manager; channels are created on first use.
func New(cfg Config) *Manager {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	if cfg.SubscriberQueue <= 0 {
		cfg.SubscriberQueue = DefaultSubscriberQueue
	}
	if cfg.StatsInterval <= 0 {
		cfg.StatsInterval = DefaultStatsInterval
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.MaxQueuedAlerts <= 0 {
		cfg.MaxQueuedAlerts = DefaultMaxQueuedAlerts
	}
	return &Manager{cfg: cfg, log: cfg.Logger, channels: map[int64]*Channel{}, firstEventID: uint64(max(cfg.Now().UnixMilli(), 0)) * 1000}
}

// Channel returns the console of a channel, creating it if needed.
func (m *Manager) Channel(channelID int64) *Channel {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := m.channels[channelID]
	if ch == nil {
		f := newFeed(m.cfg.BufferSize, m.cfg.SubscriberQueue)
		f.last = m.firstEventID
		ch = &Channel{id: channelID, m: m, feed: f,
			stats: newStats(), autoCapture: map[string]bool{}, status: Status{State: StateStopped}}
		m.channels[channelID] = ch
	}
	return ch
}

// BeginShutdown marks every live channel as stopping for a restart: the
// mediator's sockets may close from now on, and the channels stay
// recorded as live so that the next start resumes them. Nothing can go
// live afterwards.
func (m *Manager) BeginShutdown() {
	m.mu.Lock()
	m.closed = true
	chs := make([]*Channel, 0, len(m.channels))
	for _, ch := range m.channels {
		chs = append(chs, ch)
	}
	m.mu.Unlock()
	for _, ch := range chs {
		ch.mu.Lock()
		if ch.live != nil && ch.live.stopReason == "" {
			ch.live.stopReason = ReasonRestart
		}
		ch.mu.Unlock()
	}
}

// Shutdown stops every live channel ("server restarting": they resume on
// the next start) and ends every subscription.
func (m *Manager) Shutdown(ctx context.Context) {
	m.BeginShutdown()
	m.mu.Lock()
	chs := make([]*Channel, 0, len(m.channels))
	for _, ch := range m.channels {
		chs = append(chs, ch)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, ch := range chs {
		wg.Add(1)
		go func() { defer wg.Done(); ch.stop(ctx, ReasonRestart) }()
	}
	wg.Wait()
	for _, ch := range chs {
		ch.feed.closeAll()
		ch.overlayFeed().closeAll() // OBS reconnects to the next server
	}
}

// Heartbeat is the event streams' heartbeat interval.
func (m *Manager) Heartbeat() time.Duration { return m.cfg.Heartbeat }
