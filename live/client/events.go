package client

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event is one thing the server told us, or a change of connection state.
//
// Server methods (giveInput, onParticipantJoin, onControlUpdate, ...) come
// with Method and their raw Params; decode them with the Event's helpers
// (Input, Participants, Scenes, ...) or forward Params as they are. A
// connection state change has Method == StateChange and Status set.
type Event struct {
	Method   string
	Params   json.RawMessage
	Seq      int32     // the packet's seq (0 for state changes)
	Received time.Time // by the client's clock
	Status   *Status   // set for StateChange only
	// Dropped is how many events were dropped (buffer full) since the
	// client started, counted before this one was queued. A consumer that
	// sees it grow knows it missed events and can resynchronise (for
	// example with GetAllParticipants).
	Dropped uint64
}

// StateChange is the Method of connection state events.
const StateChange = "mixstudio.state"

// GiveInput is the params of giveInput: one participant's input.
type GiveInput struct {
	ParticipantID string `json:"participantID"`
	// TransactionID is set when the input created a spark charge; pass it
	// to Capture. Numbers on the wire are read as their decimal text.
	TransactionID TransactionID `json:"transactionID,omitempty"`
	Input         Input         `json:"input"`
}

// Input is a participant's input on a control. Raw is the whole input
// object (custom controls send custom fields); the named fields are the
// built-in ones.
type Input struct {
	ControlID string          `json:"controlID"`
	Event     string          `json:"event"`
	Button    *int            `json:"button,omitempty"` // mousedown/mouseup
	X         *float64        `json:"x,omitempty"`      // joystick move
	Y         *float64        `json:"y,omitempty"`
	Raw       json.RawMessage `json:"-"`
}

func (in *Input) UnmarshalJSON(b []byte) error {
	type plain Input
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	v.Raw = append(json.RawMessage(nil), b...)
	*in = Input(v)
	return nil
}

// TransactionID is an opaque spark transaction id (a UUID string; some
// servers send a number).
type TransactionID string

func (t *TransactionID) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*t = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = TransactionID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("transactionID: want a string or number: %w", err)
	}
	*t = TransactionID(n.String())
	return nil
}

// Input decodes giveInput params.
func (e Event) Input() (GiveInput, error) {
	var v GiveInput
	return v, e.decode(&v, "giveInput")
}

// Participants decodes onParticipantJoin/Leave/Update params.
func (e Event) Participants() ([]Participant, error) {
	var v struct {
		Participants []Participant `json:"participants"`
	}
	return v.Participants, e.decode(&v, "onParticipantJoin", "onParticipantLeave", "onParticipantUpdate")
}

// Groups decodes onGroupCreate/onGroupUpdate params.
func (e Event) Groups() ([]Group, error) {
	var v struct {
		Groups []Group `json:"groups"`
	}
	return v.Groups, e.decode(&v, "onGroupCreate", "onGroupUpdate")
}

// Scenes decodes onSceneCreate/onSceneUpdate (and onWorldUpdate's scenes).
func (e Event) Scenes() ([]Scene, error) {
	var v struct {
		Scenes []Scene `json:"scenes"`
	}
	return v.Scenes, e.decode(&v, "onSceneCreate", "onSceneUpdate", "onWorldUpdate")
}

// Controls decodes onControlCreate/Update/Delete params: the scene and its
// controls (on delete, controls hold only their IDs).
func (e Event) Controls() (sceneID string, controls []Control, err error) {
	var v struct {
		SceneID  string    `json:"sceneID"`
		Controls []Control `json:"controls"`
	}
	err = e.decode(&v, "onControlCreate", "onControlUpdate", "onControlDelete")
	return v.SceneID, v.Controls, err
}

// Deletion decodes onSceneDelete ({sceneID, reassignSceneID}) and
// onGroupDelete ({groupID, reassignGroupID}).
func (e Event) Deletion() (id, reassignTo string, err error) {
	var v struct {
		SceneID         string `json:"sceneID"`
		ReassignSceneID string `json:"reassignSceneID"`
		GroupID         string `json:"groupID"`
		ReassignGroupID string `json:"reassignGroupID"`
	}
	if err := e.decode(&v, "onSceneDelete", "onGroupDelete"); err != nil {
		return "", "", err
	}
	if v.GroupID != "" {
		return v.GroupID, v.ReassignGroupID, nil
	}
	return v.SceneID, v.ReassignSceneID, nil
}

// Ready decodes onReady params.
func (e Event) Ready() (bool, error) {
	var v struct {
		IsReady bool `json:"isReady"`
	}
	return v.IsReady, e.decode(&v, "onReady")
}

// MemoryStats decodes issueMemoryWarning params.
func (e Event) MemoryStats() (MemoryStats, error) {
	var v MemoryStats
	return v, e.decode(&v, "issueMemoryWarning")
}

// decode unmarshals Params after checking the event is one of methods, so
// a helper used on the wrong event fails instead of returning zero values.
func (e Event) decode(v any, methods ...string) error {
	if !slices.Contains(methods, e.Method) {
		return fmt.Errorf("event %q is not %s", e.Method, strings.Join(methods, " or "))
	}
	if isNull(e.Params) {
		return fmt.Errorf("%s event has no params", e.Method)
	}
	if err := json.Unmarshal(e.Params, v); err != nil {
		return fmt.Errorf("decode %s params: %w", e.Method, err)
	}
	return nil
}
