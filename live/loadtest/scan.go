package loadtest

import (
	"bytes"
	"strconv"
)

// The driver reads what it needs from frames by scanning for markers, not
// by decoding JSON: 10,000 readers must cost the driver little CPU, so
// that the CPU left over goes to the server being measured. Frames may be
// JSON array batches: each marker found counts.

var (
	markGiveInput = []byte(`"method":"giveInput"`)
	markJoin      = []byte(`"method":"onParticipantJoin"`)
	markLeave     = []byte(`"method":"onParticipantLeave"`)
	markValue     = []byte(`"value":"`)
	markStamp     = []byte(`"lt":`)
	markError     = []byte(`"error":{`)
)

// stamps calls fn with each send time (ns since the run's base) found
// after marker in frame: a giveInput's textbox value, or a fan-out's
// "lt" property.
func stamps(frame, marker []byte, fn func(int64)) {
	for {
		i := bytes.Index(frame, marker)
		if i < 0 {
			return
		}
		frame = frame[i+len(marker):]
		j := 0
		for j < len(frame) && frame[j] >= '0' && frame[j] <= '9' {
			j++
		}
		if v, err := strconv.ParseInt(string(frame[:j]), 10, 64); err == nil {
			fn(v)
		}
		frame = frame[j:]
	}
}

// inputStamps finds the send time in each giveInput of a frame.
func inputStamps(frame []byte, fn func(int64)) {
	for {
		i := bytes.Index(frame, markGiveInput)
		if i < 0 {
			return
		}
		frame = frame[i+len(markGiveInput):]
		j := bytes.Index(frame, markValue)
		if j < 0 {
			return
		}
		stamps(frame[j:min(len(frame), j+len(markValue)+20)], markValue, fn)
		frame = frame[j+len(markValue):]
	}
}
