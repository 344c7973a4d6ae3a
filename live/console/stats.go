package console

import (
	"sort"
	"sync"
	"time"
)

// RateWindow is how many seconds of inputs-per-second history are kept.
const RateWindow = 60

// joystickTrail is how many recent positions are kept per joystick.
const joystickTrail = 32

// Point is a joystick position.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// ParticipantInfo is what the console shows of a participant.
type ParticipantInfo struct {
	SessionID string `json:"sessionID"`
	UserID    uint64 `json:"userID"`
	Username  string `json:"username"`
	GroupID   string `json:"groupID"`
	Disabled  bool   `json:"disabled"`
	Anonymous bool   `json:"anonymous"`
}

// Stats is a snapshot of a channel's counters.
type Stats struct {
	Participants int `json:"participants"`
	// Inputs counts inputs per control and event since going live.
	Inputs map[string]map[string]uint64 `json:"inputs"`
	// Total is every input since going live.
	Total uint64 `json:"total"`
	// PerSecond is inputs per second over the last RateWindow seconds,
	// oldest first; the last entry is the current (partial) second.
	PerSecond []uint64 `json:"perSecond"`
	// Joysticks holds recent positions per joystick control, oldest first.
	Joysticks map[string][]Point `json:"joysticks"`
}

// stats is updated by the session's event loop and read by handlers.
type stats struct {
	mu           sync.Mutex
	inputs       map[string]map[string]uint64
	total        uint64
	buckets      [RateWindow]uint64
	bucketSec    [RateWindow]int64
	joysticks    map[string][]Point
	participants map[string]ParticipantInfo
}

func newStats() *stats {
	return &stats{inputs: map[string]map[string]uint64{}, joysticks: map[string][]Point{}, participants: map[string]ParticipantInfo{}}
}

// reset forgets everything (a new go-live).
func (s *stats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inputs, s.total = map[string]map[string]uint64{}, 0
	s.buckets, s.bucketSec = [RateWindow]uint64{}, [RateWindow]int64{}
	s.joysticks, s.participants = map[string][]Point{}, map[string]ParticipantInfo{}
}

// participant returns a connected participant by session id.
func (s *stats) participant(sessionID string) (ParticipantInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.participants[sessionID]
	return p, ok
}

// clearParticipants forgets every participant (the session ended) and
// returns them.
func (s *stats) clearParticipants() []ParticipantInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ParticipantInfo, 0, len(s.participants))
	for _, p := range s.participants {
		out = append(out, p)
	}
	s.participants = map[string]ParticipantInfo{}
	return out
}

func (s *stats) input(at time.Time, controlID, event string, x, y *float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.inputs[controlID]
	if m == nil {
		m = map[string]uint64{}
		s.inputs[controlID] = m
	}
	m[event]++
	s.total++
	sec := at.Unix()
	i := int(sec % RateWindow)
	if s.bucketSec[i] != sec {
		s.bucketSec[i], s.buckets[i] = sec, 0
	}
	s.buckets[i]++
	if x != nil && y != nil {
		trail := append(s.joysticks[controlID], Point{*x, *y})
		if len(trail) > joystickTrail {
			trail = trail[len(trail)-joystickTrail:]
		}
		s.joysticks[controlID] = trail
	}
}

func (s *stats) join(ps []ParticipantInfo) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		s.participants[p.SessionID] = p
	}
	return len(s.participants)
}

func (s *stats) leave(ps []ParticipantInfo) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		delete(s.participants, p.SessionID)
	}
	return len(s.participants)
}

func (s *stats) username(sessionID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.participants[sessionID].Username
}

// participantList is the connected participants by name (at most max).
func (s *stats) participantList(max int) []ParticipantInfo {
	s.mu.Lock()
	out := make([]ParticipantInfo, 0, len(s.participants))
	for _, p := range s.participants {
		out = append(out, p)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Username != out[j].Username {
			return out[i].Username < out[j].Username
		}
		return out[i].SessionID < out[j].SessionID
	})
	if len(out) > max {
		out = out[:max]
	}
	return out
}

func (s *stats) snapshot(now time.Time) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Participants: len(s.participants),
		Inputs:       make(map[string]map[string]uint64, len(s.inputs)),
		Total:        s.total,
		PerSecond:    make([]uint64, RateWindow),
		Joysticks:    make(map[string][]Point, len(s.joysticks)),
	}
	for c, m := range s.inputs {
		cp := make(map[string]uint64, len(m))
		for e, n := range m {
			cp[e] = n
		}
		st.Inputs[c] = cp
	}
	sec := now.Unix()
	for k := 0; k < RateWindow; k++ {
		want := sec - int64(RateWindow-1-k)
		i := int(((want % RateWindow) + RateWindow) % RateWindow)
		if s.bucketSec[i] == want {
			st.PerSecond[k] = s.buckets[i]
		}
	}
	for c, t := range s.joysticks {
		st.Joysticks[c] = append([]Point(nil), t...)
	}
	return st
}
