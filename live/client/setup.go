package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mixstudio/mixstudio/live/wire"
)

// setup prepares a fresh session before it is handed to callers:
// compression, clock offset, then the replay of what we had pushed.
func (c *Client) setup(ctx context.Context, cn *conn) error {
	if c.wantsCompression() {
		cctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
		_, err := setCompression(cctx, cn, c.cfg.Compression)
		cancel()
		if err != nil && !isReplyError(err) {
			return err
		}
		if err != nil {
			// A server without compression still serves us in plain text.
			c.log.Warn("interactive client: setCompression refused; staying uncompressed", "err", err)
		}
	}
	if _, err := c.syncClock(ctx, cn); err != nil && !isReplyError(err) {
		return err
	}
	return c.restore(ctx, cn)
}

func (c *Client) wantsCompression() bool {
	for _, name := range c.cfg.Compression {
		if s, ok := wire.ParseScheme(name); ok && s != wire.None {
			return true
		}
	}
	return false
}

// setCompression asks for schemes in order and returns the server's choice.
func setCompression(ctx context.Context, cn *conn, prefs []string) (string, error) {
	res, err := cn.call(ctx, "setCompression", map[string][]string{"scheme": prefs}, false)
	if err != nil {
		return "", err
	}
	var r struct {
		Scheme string `json:"scheme"`
	}
	if err := json.Unmarshal(res, &r); err != nil || r.Scheme == "" {
		return string(wire.None), nil
	}
	return r.Scheme, nil
}

// syncClock calls getTime and sets the offset: the server read its clock
// about halfway through the round trip.
func (c *Client) syncClock(ctx context.Context, cn *conn) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	sent := c.cfg.Now()
	res, err := cn.call(ctx, "getTime", nil, false)
	if err != nil {
		return time.Time{}, err
	}
	got := c.cfg.Now()
	var r struct {
		Time *int64 `json:"time"`
	}
	if err := json.Unmarshal(res, &r); err != nil || r.Time == nil {
		return time.Time{}, fmt.Errorf("getTime: reply has no time: %s", truncate(res))
	}
	server := time.UnixMilli(*r.Time)
	rtt := got.Sub(sent)
	c.offset.Store(int64(server.Add(rtt / 2).Sub(got)))
	return server, nil
}

func isReplyError(err error) bool {
	var re *ReplyError
	return errors.As(err, &re)
}

// truncate shortens raw JSON for an error message.
func truncate(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "..."
	}
	return string(b)
}
