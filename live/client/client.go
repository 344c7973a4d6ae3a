// Package client is a game client for an Interactive 2 server (our
// mediator or any other): discovery, connect with host fallback,
// compression negotiation, typed calls with request/reply correlation, a
// bounded event stream, and reconnection that restores what the client
// pushed (scenes, controls, groups, world, throttles, ready).
package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/wire"
)

// Client is a game client connection that survives restarts of the server.
// All methods are safe for concurrent use.
type Client struct {
	cfg   Config
	log   *slog.Logger
	model pushed

	events chan Event
	stats  counters

	// offset is server time minus client time, in nanoseconds.
	offset atomic.Int64

	mu      sync.Mutex
	status  Status
	cur     *conn         // the live connection, nil when not live
	changed chan struct{} // closed and replaced on every status change

	closing   chan struct{}
	closeOnce sync.Once
	stopped   chan struct{} // closed when run has returned and events is closed
}

type counters struct {
	eventsDelivered, eventsDropped, repliesDropped, unknownReplies,
	badPackets, reconnects, restoreErrors atomic.Uint64
}

// Dial connects (trying each host in order), negotiates compression,
// synchronises the clock, and returns a live client that keeps itself
// connected until Close. It fails if no host could be reached or one
// refused for good (a *HandshakeError: bad token, unknown version, session
// already running); it does not retry the first connection, so a caller
// sees a wrong configuration at once. ctx bounds only this first
// connection; afterwards the client lives until Close or a final refusal.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:     cfg,
		log:     cfg.Logger,
		events:  make(chan Event, cfg.EventBuffer),
		changed: make(chan struct{}),
		closing: make(chan struct{}),
		stopped: make(chan struct{}),
	}
	c.status = Status{State: Connecting, Since: cfg.Now()}
	cn, err := c.connect(ctx)
	if err != nil {
		close(c.events)
		close(c.stopped)
		return nil, err
	}
	c.setLive(cn)
	go c.run(cn)
	return c, nil
}

// Events is the stream of server methods and connection state changes.
// It is closed after the client stops. The client never waits for the
// consumer: when the buffer (Config.EventBuffer) is full, events are
// dropped and counted (Stats().EventsDropped, Event.Dropped).
func (c *Client) Events() <-chan Event { return c.events }

// Status is the current connection state.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Changed returns a channel closed at the next status change, for callers
// that want to wait on state rather than read events.
func (c *Client) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// Done is closed once the client has stopped for good (Close, or a
// refusal after which it does not reconnect; Status().Err says which).
func (c *Client) Done() <-chan struct{} { return c.stopped }

// Stats returns the drop and error counters.
func (c *Client) Stats() Stats {
	return Stats{
		EventsDelivered: c.stats.eventsDelivered.Load(),
		EventsDropped:   c.stats.eventsDropped.Load(),
		RepliesDropped:  c.stats.repliesDropped.Load(),
		UnknownReplies:  c.stats.unknownReplies.Load(),
		BadPackets:      c.stats.badPackets.Load(),
		Reconnects:      c.stats.reconnects.Load(),
		RestoreErrors:   c.stats.restoreErrors.Load(),
	}
}

// ServerNow is the server's clock as estimated from the last getTime
// (sent on every connect): local time plus the measured offset, with the
// reply's travel time taken as half the round trip.
func (c *Client) ServerNow() time.Time {
	return c.cfg.Now().Add(time.Duration(c.offset.Load()))
}

// ClockOffset is the estimated server time minus local time.
func (c *Client) ClockOffset() time.Duration { return time.Duration(c.offset.Load()) }

// Close ends the connection with a normal closure and stops reconnecting.
// It waits until every goroutine of the client has returned.
func (c *Client) Close() error {
	c.closeOnce.Do(func() { close(c.closing) })
	<-c.stopped
	return nil
}

// emit queues an event without waiting.
func (c *Client) emit(e Event) {
	e.Received = c.cfg.Now()
	e.Dropped = c.stats.eventsDropped.Load()
	select {
	case c.events <- e:
		c.stats.eventsDelivered.Add(1)
	default:
		if n := c.stats.eventsDropped.Add(1); n == 1 || n%1000 == 0 {
			c.log.Warn("interactive client: event buffer full, dropping events", "dropped", n, "method", e.Method)
		}
	}
}

// setStatus records a state change and announces it as an event.
func (c *Client) setStatus(s Status) {
	s.Since = c.cfg.Now()
	c.mu.Lock()
	c.status = s
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	c.emit(Event{Method: StateChange, Status: &s})
}

func (c *Client) setLive(cn *conn) {
	c.mu.Lock()
	c.cur = cn
	c.mu.Unlock()
	c.setStatus(Status{State: Live, Host: cn.host, Scheme: string(cn.schemeName()), Session: int(c.stats.reconnects.Load()) + 1})
}

// live waits until there is a live connection (calls made while the client
// reconnects go out once it is back), the context ends, or the client stops.
func (c *Client) live(ctx context.Context) (*conn, error) {
	for {
		c.mu.Lock()
		cn, st, ch := c.cur, c.status, c.changed
		c.mu.Unlock()
		if st.State == Live && cn != nil {
			return cn, nil
		}
		if st.State == Stopped {
			if st.Err != nil {
				return nil, fmt.Errorf("%w: %w", ErrClosed, st.Err)
			}
			return nil, ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a live connection (%s): %w", st.State, ctx.Err())
		}
	}
}

// run supervises: on loss it reconnects with backoff and restores; on a
// final refusal or Close it stops.
func (c *Client) run(cn *conn) {
	defer close(c.stopped)
	defer close(c.events)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-c.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-cn.done:
		case <-c.closing:
			c.detach()
			cn.close(websocket.CloseNormalClosure, "client closing")
			c.stop(nil, 0)
			return
		}
		cn.wait()
		c.detach()
		lost := cn.endErr
		if code := closeCode(lost); stopsForGood(code) {
			c.stop(lost, code)
			return
		}
		c.log.Info("interactive client: connection lost", "host", cn.host, "err", lost)
		next, err := c.reconnect(ctx, lost)
		if errors.Is(err, errClosing) {
			c.stop(nil, 0)
			return
		}
		if err != nil {
			c.stop(err, closeCode(err))
			return
		}
		cn = next
		c.stats.reconnects.Add(1)
		c.setLive(cn)
	}
}

// reconnect retries with growing, jittered delays until a connection is
// restored, the client is closed, or a host refuses for good. A 4021 soon
// after the loss is most likely our own previous session still held by
// the server, so it is retried until Config.StaleSessionGrace has passed.
func (c *Client) reconnect(ctx context.Context, lost error) (*conn, error) {
	lostAt := c.cfg.Now()
	for attempt := 1; ; attempt++ {
		delay := c.cfg.backoff(attempt - 1)
		c.setStatus(Status{State: Reconnecting, Attempt: attempt, RetryIn: delay, Err: lost, Code: closeCode(lost)})
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, errClosing
		}
		cn, err := c.connect(ctx)
		if err == nil {
			return cn, nil
		}
		if ctx.Err() != nil {
			return nil, errClosing
		}
		var he *HandshakeError
		if errors.As(err, &he) && he.Fatal() {
			stale := he.Code == wire.CodeAlreadyRunning && c.cfg.Now().Sub(lostAt) < c.cfg.StaleSessionGrace
			if !stale {
				return nil, err
			}
		}
		c.log.Warn("interactive client: reconnect failed", "attempt", attempt, "err", err)
		lost = err
	}
}

// connect tries each host in order until one gives a session that is set
// up (compression, clock, restored state). A host that refuses for good
// ends the search: the others share its credentials.
func (c *Client) connect(ctx context.Context) (*conn, error) {
	hosts := c.cfg.Hosts
	if len(hosts) == 0 {
		var err error
		if hosts, err = DiscoverHosts(ctx, c.cfg.HTTPClient, c.cfg.DiscoveryURL); err != nil {
			return nil, err
		}
	}
	var errs []error
	for _, host := range hosts {
		c.setStatus(Status{State: Connecting, Host: host})
		cn, err := c.dial(ctx, host)
		if err == nil {
			if err = c.setup(ctx, cn); err == nil {
				return cn, nil
			}
			cn.close(websocket.CloseNormalClosure, "setup failed")
		}
		var he *HandshakeError
		if errors.As(err, &he) && he.Fatal() {
			return nil, err
		}
		c.log.Warn("interactive client: host failed, trying the next", "host", host, "err", err)
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("no interactive host accepted the connection: %w", errors.Join(errs...))
}

// detachIf forgets cn if it is still the live connection: a caller found
// it dead before the supervisor did, and must not spin on it.
func (c *Client) detachIf(cn *conn) {
	c.mu.Lock()
	if c.cur == cn {
		c.cur = nil
	}
	c.mu.Unlock()
	<-cn.done
}

// errClosing ends reconnecting when Close was called.
var errClosing = errors.New("client closing")

// detach forgets the live connection so calls wait for the next one.
func (c *Client) detach() {
	c.mu.Lock()
	c.cur = nil
	c.mu.Unlock()
}

func (c *Client) stop(err error, code int) {
	if err != nil {
		c.log.Warn("interactive client: stopped", "err", err, "code", code)
	}
	c.setStatus(Status{State: Stopped, Err: err, Code: code})
}

// closeCode digs the close code out of an error (0 if none).
func closeCode(err error) int {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	var he *HandshakeError
	if errors.As(err, &he) {
		return he.Code
	}
	return 0
}
