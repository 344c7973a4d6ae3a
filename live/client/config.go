package client

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// Config says where and as whom to connect. Zero values get the defaults
// written beside each field.
type Config struct {
	// Hosts are game-client addresses (ws://HOST/gameClient) tried in order.
	// When empty, DiscoveryURL is asked for them on every (re)connect.
	Hosts []string
	// DiscoveryURL is the API base, e.g. "http://127.0.0.1:8080"; the client
	// GETs {DiscoveryURL}/api/v1/interactive/hosts.
	DiscoveryURL string
	HTTPClient   *http.Client      // discovery; default: 10s timeout
	Dialer       *websocket.Dialer // default: 10s handshake timeout

	// AcceptBatches asks the server for JSON array batches (several packets
	// in one frame) by adding batch=1 to the address; our mediator then
	// combines queued packets, others ignore it. The client reads batches
	// whether or not it asked.
	AcceptBatches bool

	Token     string // OAuth bearer token (Authorization: Bearer TOKEN)
	VersionID string // X-Interactive-Version
	Sharecode string // X-Interactive-Sharecode, optional
	// Bundle, when set, runs the version with its control bundle
	// (X-Interactive-Bundle: a name or "true"): viewers are refused with
	// 4023 if the version has none (docs/custom-controls.md).
	Bundle string

	// Compression lists schemes in preference order for setCompression.
	// nil means lz4 then gzip; an empty non-nil slice (or ["none"]) keeps
	// plain text and skips the call.
	Compression []string

	// RequestTimeout bounds a call whose context has no deadline (10s).
	RequestTimeout time.Duration
	// ConnectTimeout bounds one host's dial plus the wait for hello (10s).
	ConnectTimeout time.Duration
	// EventBuffer is the capacity of the event channel (8192). When it is
	// full, events are dropped and counted, never waited for.
	EventBuffer int
	// MinBackoff and MaxBackoff bound the reconnect delay (250ms, 30s); the
	// delay doubles per failed attempt, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// StaleSessionGrace is how long after losing a connection a 4021
	// ("a session is already running") refusal is taken for our own old
	// session, which the server has not noticed is gone yet, and retried
	// (90s: the mediator drops a silent socket after 40s). After it, 4021
	// stops the client like any final refusal.
	StaleSessionGrace time.Duration
	// PingInterval is how often the client pings; a connection that shows
	// no traffic for two intervals counts as lost (20s).
	PingInterval time.Duration
	// MaxFrameBytes caps an incoming frame (2,000,000, the wire cap).
	MaxFrameBytes int64

	Now    func() time.Time // clock for ServerNow and events (time.Now)
	Logger *slog.Logger     // default: slog.Default()
	// Jitter returns a float in [0,1) for backoff jitter (math/rand/v2).
	Jitter func() float64
}

const defaultMaxFrame = 2_000_000

func (c Config) withDefaults() (Config, error) {
	if len(c.Hosts) == 0 && c.DiscoveryURL == "" {
		return c, errors.New("interactive client: config needs Hosts or DiscoveryURL")
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Dialer == nil {
		c.Dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	}
	if c.Compression == nil {
		c.Compression = []string{"lz4", "gzip"}
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.EventBuffer <= 0 {
		c.EventBuffer = 8192
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 250 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.StaleSessionGrace <= 0 {
		c.StaleSessionGrace = 90 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = defaultMaxFrame
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Jitter == nil {
		c.Jitter = rand.Float64
	}
	return c, nil
}

// backoff is the delay before reconnect attempt n (0-based): "equal
// jitter", a random point in the upper half of min*2^n (capped at max), so
// clients restarted together spread out yet never retry in a tight loop.
func (c Config) backoff(n int) time.Duration {
	d := c.MinBackoff
	for i := 0; i < n && d < c.MaxBackoff; i++ {
		d *= 2
	}
	if d > c.MaxBackoff {
		d = c.MaxBackoff
	}
	half := d / 2
	return half + time.Duration(c.Jitter()*float64(d-half))
}
