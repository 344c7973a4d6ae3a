package console

import (
	"context"
	"log/slog"
	"sync"
	"time"

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
	Now         func() time.Time
	Logger      *slog.Logger
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
	return &Manager{cfg: cfg, log: cfg.Logger, channels: map[int64]*Channel{}}
}

// Channel returns the console of a channel, creating it if needed.
func (m *Manager) Channel(channelID int64) *Channel {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := m.channels[channelID]
	if ch == nil {
		ch = &Channel{id: channelID, m: m, feed: newFeed(m.cfg.BufferSize, m.cfg.SubscriberQueue),
			stats: newStats(), autoCapture: map[string]bool{}, status: Status{State: StateStopped}}
		m.channels[channelID] = ch
	}
	return ch
}

// Shutdown stops every live channel and ends every subscription.
func (m *Manager) Shutdown(ctx context.Context) {
	m.mu.Lock()
	m.closed = true
	chs := make([]*Channel, 0, len(m.channels))
	for _, ch := range m.channels {
		chs = append(chs, ch)
	}
	m.mu.Unlock()
	for _, ch := range chs {
		ch.Stop(ctx)
		ch.feed.closeAll()
		ch.overlayFeed().closeAll() // OBS reconnects to the next server
	}
}

// Heartbeat is the event streams' heartbeat interval.
func (m *Manager) Heartbeat() time.Duration { return m.cfg.Heartbeat }
