package web

import (
	"encoding/json"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

// FuzzParseHistory feeds the undo endpoint's decoder what a hostile page
// could post: it must never panic, and what it accepts restores between 1
// and maxHistoryOps controls, each under its own id and encodable again.
func FuzzParseHistory(f *testing.F) {
	f.Add(`{"label":"Move","scene":"default","ops":[{"controlID":"b","revision":2,"state":{"controlID":"b","kind":"button","position":[{"size":"large","width":10,"height":5,"x":0,"y":0}],"text":"hi"}}]}`)
	f.Add(`{"label":"Add","scene":"default","ops":[{"controlID":"b","revision":1,"state":null}]}`)
	f.Add(`{"label":"x","scene":"s","structure":{"action":"delete-scene","sceneID":"s","reassign":"default"}}`)
	f.Add(`{"ops":[{"controlID":"a","state":{"controlID":"b","kind":"button"}}]}`)
	f.Add(`{"ops":[{"controlID":"a","state":{"controlID":"a","kind":"slider","cost":"x"}}]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, payload string) {
		e, changes, err := parseHistory(payload)
		if err != nil {
			if studio.ErrorCode(err) != studio.EINVALID {
				t.Fatalf("a bad entry is %v, want an EINVALID error", err)
			}
			return
		}
		if e.Structure != nil {
			return
		}
		if len(changes) == 0 || len(changes) > maxHistoryOps {
			t.Fatalf("accepted %d changes", len(changes))
		}
		for _, ch := range changes {
			if ch.After == nil {
				continue
			}
			if ch.After.ControlID != ch.ControlID {
				t.Fatalf("restores %q under %q", ch.After.ControlID, ch.ControlID)
			}
			if _, err := json.Marshal(ch.After); err != nil {
				t.Fatalf("accepted a control it cannot encode: %v", err)
			}
		}
	})
}
