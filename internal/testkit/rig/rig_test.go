package rig_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/internal/testkit/rig"
)

// A viewer's press reaches the game client through the rig's mediator,
// and a restart closes the game client's socket with 1012.
func TestRigCarriesAPressAndRestarts(t *testing.T) {
	r := rig.Start(t, rig.Options{})
	g := r.GameClient(t)
	g.Call("ready", map[string]any{"isReady": true})
	p := r.Participant(t, "viewer")
	p.Send("giveInput", map[string]any{"controlID": "btn", "event": "mousedown", "button": 0})
	in := g.Expect("giveInput")
	var got struct {
		Input struct{ ControlID, Event string }
	}
	if err := json.Unmarshal(in.Params, &got); err != nil || got.Input.ControlID != "btn" || got.Input.Event != "mousedown" {
		t.Fatalf("giveInput %s (%v)", in.Raw, err)
	}
	p.None("onControlUpdate")
	r.Restart()
	if code := g.CloseCode(); code != 1012 {
		t.Fatalf("close code %d after restart, want 1012", code)
	}
}

// The mediator reads the rig's clock: getTime answers its time.
func TestRigClockIsTheMediators(t *testing.T) {
	clk := testkit.NewClock()
	r := rig.Start(t, rig.Options{Clock: clk})
	g := r.GameClient(t)
	clk.Advance(90 * time.Second)
	var res struct{ Time int64 }
	json.Unmarshal(g.Call("getTime", nil), &res)
	if want := testkit.Start.Add(90 * time.Second).UnixMilli(); res.Time != want {
		t.Fatalf("getTime %d, want %d", res.Time, want)
	}
}
