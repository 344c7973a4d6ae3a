package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// Webhooks: one sender per URL, each with its own bounded queue. A sender
// has at most one POST in flight; events that arrive meanwhile go out
// together in the next POST (the body is {"events": [...]}, oldest first),
// so a slow receiver gets fewer, larger requests instead of a growing
// backlog of connections, and never holds up another URL, other reactions
// or input.

// Webhook limits.
const (
	// WebhookQueue is how many events wait per URL; a press that would
	// overflow it is refused (and not charged).
	WebhookQueue = 65536
	// webhookBatch is the most events one POST carries.
	webhookBatch = 1000
)

// webhookEvent is one press as a webhook receives it.
type webhookEvent struct {
	Channel       int64           `json:"channel"`
	Press         uint64          `json:"press"` // numbered per go-live: a receiver can spot a repeat
	At            int64           `json:"at"`    // unix ms
	Scene         string          `json:"scene"`
	Control       string          `json:"control"`
	Event         string          `json:"event"`
	Participant   string          `json:"participant"`
	Username      string          `json:"username,omitempty"`
	UserID        uint64          `json:"userID,omitempty"`
	Text          string          `json:"text,omitempty"`
	Cost          int64           `json:"cost,omitempty"`
	TransactionID string          `json:"transactionID,omitempty"`
	Input         json.RawMessage `json:"input,omitempty"`
}

type webhooks struct {
	ch      *Channel
	client  *http.Client
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	senders map[string]*webhookSender
	wg      sync.WaitGroup
}

type webhookSender struct {
	url     string
	timeout time.Duration
	retries int
	wake    chan struct{}
	mu      sync.Mutex
	queue   []webhookEvent
}

func newWebhooks(ch *Channel) *webhooks {
	ctx, cancel := context.WithCancel(context.Background())
	return &webhooks{ch: ch, client: webhookClient(ch.m.cfg.WebhookAllowPrivate), ctx: ctx, cancel: cancel,
		senders: map[string]*webhookSender{}}
}

func (w *webhooks) sender(r studio.Reaction) *webhookSender {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.senders[r.URL]
	if s == nil {
		s = &webhookSender{url: r.URL, timeout: time.Duration(r.WebhookTimeout() * float64(time.Second)),
			retries: r.WebhookRetries(), wake: make(chan struct{}, 1)}
		w.senders[r.URL] = s
		w.wg.Add(1)
		go func() { defer w.wg.Done(); w.run(s) }()
	}
	return s
}

// room reports whether every webhook of a press can take one more event.
func (w *webhooks) room(hooks []studio.Reaction) bool {
	for _, r := range hooks {
		s := w.sender(r)
		s.mu.Lock()
		n := len(s.queue)
		s.mu.Unlock()
		if n >= WebhookQueue {
			return false
		}
	}
	return true
}

// send queues the event for each webhook (room was checked).
func (w *webhooks) send(hooks []studio.Reaction, ev webhookEvent) {
	for _, r := range hooks {
		s := w.sender(r)
		s.mu.Lock()
		s.queue = append(s.queue, ev)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (w *webhooks) stop() {
	w.cancel()
	w.wg.Wait()
}

// run delivers one URL's events until the session ends.
func (w *webhooks) run(s *webhookSender) {
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			n := min(len(s.queue), webhookBatch)
			batch := append([]webhookEvent(nil), s.queue[:n]...)
			s.queue = s.queue[n:]
			if len(s.queue) == 0 {
				s.queue = nil // let the big array go
			}
			s.mu.Unlock()
			if n == 0 {
				break
			}
			if err := w.deliver(s, batch); err != nil {
				if w.ctx.Err() != nil {
					return
				}
				w.ch.feed.publish(TypeReaction, w.ch.m.cfg.Now(), ReactionNotice{Kind: studio.ReactWebhook, Result: "failed",
					URL: s.url, Events: len(batch), Press: batch[0].Press, Control: batch[0].Control,
					Message: fmt.Sprintf("webhook failed after %d tries, %d events not delivered: %v", s.retries+1, len(batch), err)})
			}
		}
	}
}

// deliver POSTs one batch, retrying with a growing pause.
func (w *webhooks) deliver(s *webhookSender, batch []webhookEvent) error {
	body, err := json.Marshal(struct {
		Events []webhookEvent `json:"events"`
	}{batch})
	if err != nil {
		return err
	}
	pause := 500 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err = w.post(s, body)
		if err == nil || attempt >= s.retries {
			return err
		}
		select {
		case <-w.ctx.Done():
			return w.ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
}

func (w *webhooks) post(s *webhookSender, body []byte) error {
	ctx, cancel := context.WithTimeout(w.ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mixstudio-webhook")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return nil
}

// errPrivateTarget refuses a webhook that reaches this machine or its
// network: a board's designer must not make the server probe it.
var errPrivateTarget = errors.New("webhooks may not reach loopback, private or link-local addresses (the server's operator can allow them with --allow-private-webhooks)")

// webhookClient is the HTTP client of webhooks. Unless allowPrivate, every
// connection's address is checked as it is dialled, after DNS resolution,
// so a name that resolves to 127.0.0.1 and a redirect to one are refused
// alike. No proxy from the environment: the check must see the target.
func webhookClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook address %q: %w", address, err)
			}
			if privateAddr(ap.Addr()) {
				return errPrivateTarget
			}
			return nil
		}
	}
	tr := &http.Transport{Proxy: nil, DialContext: d.DialContext, MaxIdleConnsPerHost: 4,
		IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 0}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("more than 3 redirects")
		}
		return nil
	}}
}

// privateAddr reports whether a is not on the public internet.
func privateAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(a) || // carrier-grade NAT
		netip.MustParsePrefix("192.0.0.0/24").Contains(a) ||
		netip.MustParsePrefix("198.18.0.0/15").Contains(a) || // benchmarking
		netip.MustParsePrefix("0.0.0.0/8").Contains(a) ||
		netip.MustParsePrefix("64:ff9b::/96").Contains(a) // NAT64 of any IPv4
}
