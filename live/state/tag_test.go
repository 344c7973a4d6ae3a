package state

import "testing"

func TestTagBeats(t *testing.T) {
	tests := []struct {
		name     string
		existing Tag
		incoming Tag
		want     bool
	}{
		{"rule 1: newer seq wins despite lower priority", Tag{Priority: 5, Seq: 3}, Tag{Priority: 0, Seq: 4}, true},
		{"rule 1: newer seq, equal priority", Tag{Seq: 3}, Tag{Seq: 4}, true},
		{"rule 2: stale seq, higher priority wins", Tag{Priority: 1, Seq: 9}, Tag{Priority: 2, Seq: 3}, true},
		{"rule 2: stale seq, lower priority loses", Tag{Priority: 2, Seq: 9}, Tag{Priority: 1, Seq: 3}, false},
		{"rule 2: stale seq, equal priority keeps A", Tag{Priority: 1, Seq: 9}, Tag{Priority: 1, Seq: 3}, false},
		{"rule 3: same seq, higher priority wins", Tag{Priority: 1, Seq: 7}, Tag{Priority: 2, Seq: 7}, true},
		{"rule 3: same seq, lower priority loses", Tag{Priority: 2, Seq: 7}, Tag{Priority: 1, Seq: 7}, false},
		{"rule 4: same seq, same priority: B", Tag{Priority: 3, Seq: 7}, Tag{Priority: 3, Seq: 7}, true},
		{"default tags: B", Tag{}, Tag{}, true},
		{"negative priority loses to default at same seq", Tag{}, Tag{Priority: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.incoming.Beats(tt.existing); got != tt.want {
				t.Errorf("%+v.Beats(%+v) = %v, want %v", tt.incoming, tt.existing, got, tt.want)
			}
		})
	}
}
