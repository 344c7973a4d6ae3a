package mediator

import (
	"strconv"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
	"golang.org/x/time/rate"
)

// participant is a viewer connected to the session.
type participant struct {
	sessionID   string
	userID      int64
	username    string
	level       int
	anonymous   bool
	viewerID    string // an anonymous viewer's browser (ViewerCookie)
	mutedUntil  int64  // unix ms: input is refused until then (moderation)
	connectedAt int64
	lastInputAt int64
	// props holds the settable properties (disabled, groupID) and custom
	// ones, each tagged for conflict resolution.
	props      *state.Object
	group      string  // props' groupID
	isDisabled bool    // props' disabled
	size       int64   // estimated memory (see participantSize)
	conn       *conn   // its socket here; nil when an edge holds it
	remote     *remote // where it is when an edge holds it (home.go)
	// movePace paces each joystick's and screen's moves (see moveBurst).
	movePace map[string]*movePace
	// input limits p's inputs (Options.InputRate); nil until the first.
	input *rate.Limiter
}

// isFixedParticipantKey names the properties updateParticipants cannot
// set (SDKs send whole participant objects back: they are ignored).
func isFixedParticipantKey(k string) bool {
	switch k {
	case "sessionID", "userID", "username", "level", "lastInputAt", "connectedAt", "anonymous":
		return true
	}
	return false
}

func (p *participant) groupID() string { return p.group }

// peer is where a participant's replies and close go: its socket, or its
// edge through the bus.
type peer interface {
	Send(b []byte) bool
	CloseWith(code int, reason string)
}

func (p *participant) peer() peer {
	if p.conn != nil {
		return p.conn
	}
	return p.remote
}

func (p *participant) disabled() bool { return p.isDisabled }

// setProps replaces the participant's properties and the copies of
// groupID and disabled kept for routing (read for every participant on
// every scene event).
func (p *participant) setProps(o *state.Object) {
	p.props = o
	p.group, _ = o.String("groupID")
	p.isDisabled, _ = o.Bool("disabled")
	p.size = participantSize(p)
}

// appendJSON writes the complete participant object every SDK expects.
func (p *participant) appendJSON(b []byte) []byte {
	b = append(b, `{"sessionID":`...)
	b = wire.AppendString(b, p.sessionID)
	b = append(b, `,"userID":`...)
	b = strconv.AppendInt(b, p.userID, 10)
	b = append(b, `,"username":`...)
	b = append(b, mustJSON(p.username)...)
	b = append(b, `,"level":`...)
	b = strconv.AppendInt(b, int64(p.level), 10)
	b = append(b, `,"lastInputAt":`...)
	b = strconv.AppendInt(b, p.lastInputAt, 10)
	b = append(b, `,"connectedAt":`...)
	b = strconv.AppendInt(b, p.connectedAt, 10)
	b = append(b, `,"disabled":`...)
	b = strconv.AppendBool(b, p.disabled())
	b = append(b, `,"groupID":`...)
	b = append(b, mustJSON(p.groupID())...)
	b = append(b, `,"anonymous":`...)
	b = strconv.AppendBool(b, p.anonymous)
	b = appendMembers(b, p.props, func(k string) bool {
		return k == "disabled" || k == "groupID" || isFixedParticipantKey(k)
	})
	return append(b, '}')
}

func (p *participant) MarshalJSON() ([]byte, error) { return p.appendJSON(nil), nil }

// participantsParams is {"participants":[...]}.
func participantsParams(ps ...*participant) []byte {
	b := append(make([]byte, 0, 256*len(ps)+20), `{"participants":[`...)
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.appendJSON(b)
	}
	return append(b, "]}"...)
}
