package mediator

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/studio"
)

// A game client that runs its version "with bundle" (X-Interactive-Bundle)
// while the version has none: viewers are closed with 4023 at their
// initial connection; the game client itself runs on. With the bundle
// uploaded, or without the header, viewers join.
func TestViewersOfAVersionWithoutItsBundleAreClosedWith4023(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.game(BundleHeader, "board@1.0.0")
	q := url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}, "x-protocol-version": {"2.0"}}
	p, _, err := e.dial(ParticipantPath, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := p.closeCode(); code != wire.CodeNoBundle {
		t.Fatalf("viewer closed with %d, want 4023", code)
	}
	if p.closed.Text == "" {
		t.Fatal("4023 without a reason")
	}
	if v, ok := e.m.ChannelVersion(e.streamer.ChannelID); !ok || v != e.version {
		t.Fatalf("ChannelVersion %d %v", v, ok)
	}
	if e.m.versionHasBundleMust(t, e.version) {
		t.Fatal("the version has a bundle already")
	}
	// The game client runs on: it answers, and heard of no participant.
	if r := g.call("getTime", nil); len(r) == 0 {
		t.Fatal("game client got no time")
	}
	g.none("onParticipantJoin")
}

// With the bundle uploaded viewers join; without the header a version
// never needs one.
func TestViewersJoinWhenTheBundleIsThereOrNotAskedFor(t *testing.T) {
	for _, header := range []string{"true", "false", ""} {
		t.Run("header="+header, func(t *testing.T) {
			e := newEnv(t, Options{})
			if header == "true" {
				b, err := studio.NewBundle(map[string][]byte{"index.html": []byte("<p>board")})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.store.SaveBundle(context.Background(), e.version, b); err != nil {
					t.Fatal(err)
				}
			}
			g := e.game(BundleHeader, header)
			e.participant("")
			g.expect("onParticipantJoin")
		})
	}
}

func (m *Mediator) versionHasBundleMust(t *testing.T, v int64) bool {
	t.Helper()
	ok, err := m.versionHasBundle(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
