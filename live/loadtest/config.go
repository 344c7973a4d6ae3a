package loadtest

import (
	"fmt"
	"time"
)

// Mode is what a run drives.
type Mode string

const (
	// ModeInput: every participant gives input at Rate per second.
	ModeInput Mode = "input"
	// ModeFanout: the game client sends Rate updates per second that every
	// participant must receive.
	ModeFanout Mode = "fanout"
	// ModeIdle: participants connect and nothing is sent.
	ModeIdle Mode = "idle"
	// ModeMixed: input at Rate and fan-outs at FanoutRate at once, as
	// when a streamer updates controls while viewers press them: what
	// input latency is while everyone is being written to.
	ModeMixed Mode = "mixed"
)

// Bounds of one run: a load test stops by itself.
const (
	MaxParticipants = 10000
	MaxDuration     = 60 * time.Second
	MaxInputRate    = 100 // per participant per second
	MaxTotalInputs  = 100000
	MaxFanoutRate   = 100 // per second
)

// Config is one run.
type Config struct {
	Mode         Mode
	Participants int
	// Rate: inputs per participant per second (input, mixed), updates per
	// second (fanout); unused when idle.
	Rate float64
	// FanoutRate: updates per second in mixed mode.
	FanoutRate float64
	Duration   time.Duration
	// Fanout: "controls" (updateControls on a label) or "scene" (the
	// default group switches scene and back, each switch one fan-out).
	Fanout string
	// Batch makes the participants opt in to JSON array batches.
	Batch bool
	// KeepThrottle keeps the spec's default bandwidth throttle on the game
	// client (10 Mbit/s drain): input past it is dropped by design. By
	// default the driver lifts it, as a game client expecting this much
	// input would, so that "lost" means lost.
	KeepThrottle bool
	// DialConcurrency bounds connections being opened at once.
	DialConcurrency int
}

// Validate fills defaults and checks the bounds.
func (c *Config) Validate() error {
	if c.Mode == "" {
		c.Mode = ModeInput
	}
	if c.Fanout == "" {
		c.Fanout = "controls"
	}
	if c.DialConcurrency <= 0 {
		c.DialConcurrency = 64
	}
	switch c.Mode {
	case ModeInput, ModeFanout, ModeIdle, ModeMixed:
	default:
		return fmt.Errorf("mode %q: want input, fanout, idle or mixed", c.Mode)
	}
	if c.Fanout != "controls" && c.Fanout != "scene" {
		return fmt.Errorf("fanout %q: want controls or scene", c.Fanout)
	}
	if c.Participants < 1 || c.Participants > MaxParticipants {
		return fmt.Errorf("participants %d: want 1 to %d", c.Participants, MaxParticipants)
	}
	if c.Duration <= 0 || c.Duration > MaxDuration {
		return fmt.Errorf("duration %s: want more than 0, at most %s", c.Duration, MaxDuration)
	}
	switch c.Mode {
	case ModeInput, ModeMixed:
		if c.Rate <= 0 || c.Rate > MaxInputRate {
			return fmt.Errorf("rate %g: want more than 0, at most %d inputs per participant per second", c.Rate, MaxInputRate)
		}
		if c.Rate*float64(c.Participants) > MaxTotalInputs {
			return fmt.Errorf("rate %g × %d participants: at most %d inputs a second in all", c.Rate, c.Participants, MaxTotalInputs)
		}
	case ModeFanout:
		if c.Rate <= 0 || c.Rate > MaxFanoutRate {
			return fmt.Errorf("rate %g: want more than 0, at most %d updates per second", c.Rate, MaxFanoutRate)
		}
	}
	if c.Mode == ModeMixed && (c.FanoutRate <= 0 || c.FanoutRate > MaxFanoutRate) {
		return fmt.Errorf("fan-out rate %g: want more than 0, at most %d updates per second", c.FanoutRate, MaxFanoutRate)
	}
	return nil
}
