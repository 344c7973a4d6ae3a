package mediator

import (
	"strconv"

	"github.com/mixstudio/mixstudio/live/state"
	"github.com/mixstudio/mixstudio/live/wire"
)

// participant is a viewer connected to the session.
type participant struct {
	sessionID   string
	userID      int64
	username    string
	level       int
	anonymous   bool
	connectedAt int64
	lastInputAt int64
	// props holds the settable properties (disabled, groupID) and custom
	// ones, each tagged for conflict resolution.
	props *state.Object
	conn  *conn
	// lastMove is when each joystick last moved, for sampleRate.
	lastMove map[string]int64
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

func (p *participant) groupID() string {
	g, _ := p.props.String("groupID")
	return g
}

func (p *participant) disabled() bool {
	d, _ := p.props.Bool("disabled")
	return d
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
