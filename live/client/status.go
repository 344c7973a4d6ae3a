package client

import (
	"fmt"
	"time"
)

// State is where the connection stands.
type State int

const (
	Connecting   State = iota // dialing a host, waiting for hello, restoring
	Live                      // connected, negotiated, restored: calls go out
	Reconnecting              // lost; the next attempt is in Status.RetryIn
	Stopped                   // for good: Close, or a refusal (Status.Err)
)

func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Live:
		return "live"
	case Reconnecting:
		return "reconnecting"
	case Stopped:
		return "stopped"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is a snapshot of the connection, for display and decisions.
type Status struct {
	State  State
	Host   string // the address connected or being tried
	Scheme string // compression in use while live ("none", "gzip", "lz4")
	// Session counts live sessions: 1 for the first, +1 per reconnect.
	// The server's participants and their state belong to a session, so a
	// consumer that sees a new one should reload them (GetAllParticipants);
	// what the client pushed has already been restored.
	Session int
	Attempt int           // reconnect attempt number (1 for the first retry)
	RetryIn time.Duration // when Reconnecting: the delay before the attempt
	Since   time.Time     // when this state began (client clock)
	// Err is why the last connection ended or why the client stopped;
	// Code is the close code when the server sent one (0 otherwise).
	Err  error
	Code int
}

func (s Status) String() string {
	switch s.State {
	case Reconnecting:
		return fmt.Sprintf("reconnecting in %s (attempt %d): %v", s.RetryIn.Round(time.Millisecond), s.Attempt, s.Err)
	case Stopped:
		if s.Err == nil {
			return "stopped"
		}
		return fmt.Sprintf("stopped: %v", s.Err)
	case Live:
		return fmt.Sprintf("live on %s (%s)", s.Host, s.Scheme)
	}
	return fmt.Sprintf("%s %s", s.State, s.Host)
}

// Stats counts what the client had to drop or ignore; all are cumulative.
type Stats struct {
	EventsDelivered uint64 // events queued for the consumer
	EventsDropped   uint64 // events lost because the buffer was full
	RepliesDropped  uint64 // replies to server methods not sent (queue full)
	UnknownReplies  uint64 // replies to ids we were not waiting for
	BadPackets      uint64 // frames or packets that could not be used
	Reconnects      uint64 // successful reconnections
	RestoreErrors   uint64 // replayed calls the server refused on restore
}
