package mediator

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/studio"
)

// Control bundles (protocol 1.6's custom controls): the viewers' page shows
// the version's bundle; the mediator only needs to know whether the game
// client asked for one and whether the version has one.

// BundleHeader is how a game client says its version runs with a control
// bundle: the spec names 4023 ("No interactive bundle found for this
// control version") among the initial-connection codes but not how a
// client asks; Mixer's Lab tied a bundle (name@version) to a version. A
// game client sends the header (or query parameter) with the bundle's
// name or "true"; "", "false" and "0" mean a version without one.
const BundleHeader = "X-Interactive-Bundle"

// bundleStore is implemented by stores that keep control bundles
// (*persistence.DB does).
type bundleStore interface {
	FindBundleInfo(ctx context.Context, versionID int64) (*studio.BundleInfo, error)
}

// wantsBundle reads BundleHeader.
func wantsBundle(r *http.Request) bool {
	switch strings.ToLower(strings.TrimSpace(param(r, BundleHeader))) {
	case "", "false", "0":
		return false
	}
	return true
}

// versionHasBundle asks the store; a store without bundles has none.
func (m *Mediator) versionHasBundle(ctx context.Context, versionID int64) (bool, error) {
	bs, ok := m.store.(bundleStore)
	if !ok {
		return false, nil
	}
	info, err := bs.FindBundleInfo(ctx, versionID)
	if err != nil && !errors.Is(err, studio.ErrNotFound) {
		return false, err
	}
	return info != nil, nil
}

// ChannelVersion returns the version the channel's session runs, if one
// runs (the play page asks which bundle to show).
func (m *Mediator) ChannelVersion(channelID int64) (int64, bool) {
	s := m.sessionFor(channelID)
	if s == nil {
		return 0, false
	}
	return s.versionID, true
}

// missingBundle reports whether participants must be refused with 4023:
// the game client runs its version with a bundle the version does not have
// (it was removed, or never uploaded).
func (s *session) missingBundle() bool {
	return s.withBundle && !s.hasBundle
}

// refuseNoBundle closes a participant's socket with 4023.
func (m *Mediator) refuseNoBundle(c *conn, channelID int64) {
	defer m.removeConn(c)
	m.log.Warn("handshake refused", "path", ParticipantPath, "channel", channelID,
		"code", wire.CodeNoBundle, "reason", "the game client runs the version with a bundle it does not have")
	c.CloseWith(wire.CodeNoBundle, wire.CodeMessage(wire.CodeNoBundle))
	c.ReadLoop(64<<10, func(*wire.Packet, *Error) {}) // until the peer's close
}
