package mediator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/live/wire"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// keyFor mints another key for an existing user.
func (e *env) keyFor(u studio.User) string {
	e.t.Helper()
	tok, _, err := e.store.CreateAccessToken(context.Background(), persistence.NewToken{UserID: u.ID, Scope: studio.ScopeParticipant, TTL: time.Hour})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// anonymous joins with a viewer cookie, as the play page's browser does.
func (e *env) anonymous(viewerID string) *tclient {
	e.t.Helper()
	q := url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}, "x-protocol-version": {"2.0"}}
	h := http.Header{"Cookie": {ViewerCookie + "=" + viewerID}}
	c, _, err := e.dial(ParticipantPath, q, h)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) sessionOf(c *tclient) string {
	e.t.Helper()
	var p struct {
		Participants []struct {
			SessionID string `json:"sessionID"`
		} `json:"participants"`
	}
	m := c.expect("onParticipantJoin")
	if err := json.Unmarshal(m.Params, &p); err != nil || len(p.Participants) != 1 {
		e.t.Fatalf("onParticipantJoin %s: %v", m.raw, err)
	}
	return p.Participants[0].SessionID
}

// A banned viewer is closed with 4025 and refused with 4025 when coming
// back: a signed-in one by user (whatever the key), an anonymous one by
// browser; other viewers are not touched.
func TestBannedViewersAreClosedAndKeptOut(t *testing.T) {
	e := newEnv(t, Options{})
	game := e.game()
	game.call("ready", map[string]bool{"isReady": true})
	ctx := context.Background()
	troll, trollKey := e.user("troll")
	_, friendKey := e.user("friend")

	bad := e.participant(trollKey)
	friend := e.participant(friendKey)
	anon := e.anonymous("browser-1")
	anonSession := e.sessionOf(anon)
	anon.expect("onReady")
	otherAnon := e.anonymous("browser-2")
	otherAnon.expect("onReady")

	if _, err := e.store.Moderate(ctx, studio.Moderation{ChannelID: e.streamer.ChannelID, Kind: studio.ModerationBan, UserID: troll.ID, Username: "troll"}); err != nil {
		t.Fatal(err)
	}
	if n := e.m.Remove(e.streamer.ChannelID, Viewer{UserID: troll.ID}, BannedReason); n != 1 {
		t.Fatalf("Remove closed %d sockets, want 1", n)
	}
	if code := bad.closeCode(); code != wire.CodeAccessRevoked {
		t.Fatalf("banned viewer closed with %d, want 4025", code)
	}
	if !strings.HasPrefix(bad.closed.Text, "banned:") {
		t.Fatalf("close reason %q", bad.closed.Text)
	}
	game.expect("onParticipantLeave")

	// Back with a fresh key: refused before joining.
	again := e.keyFor(troll)
	c, _, err := e.dial(ParticipantPath, url.Values{"channel": {fmt.Sprint(e.streamer.ChannelID)}, "key": {again}, "x-protocol-version": {"2.0"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := c.closeCode(); code != wire.CodeAccessRevoked {
		t.Fatalf("banned viewer reconnecting: close %d, want 4025", code)
	}

	// The anonymous viewer is known by its browser.
	v, ok := e.m.ParticipantOf(e.streamer.ChannelID, anonSession)
	if !ok || v.ViewerID != "browser-1" || !v.Anonymous {
		t.Fatalf("ParticipantOf = %+v, %v", v, ok)
	}
	if _, err := e.store.Moderate(ctx, studio.Moderation{ChannelID: e.streamer.ChannelID, Kind: studio.ModerationBan, ViewerID: v.ViewerID}); err != nil {
		t.Fatal(err)
	}
	e.m.Remove(e.streamer.ChannelID, v, BannedReason)
	if code := anon.closeCode(); code != wire.CodeAccessRevoked {
		t.Fatalf("banned anonymous viewer closed with %d, want 4025", code)
	}
	if code := e.anonymous("browser-1").closeCode(); code != wire.CodeAccessRevoked {
		t.Fatalf("banned browser reconnecting: close %d, want 4025", code)
	}

	// Everyone else is still there and may give input.
	friend.call("getTime", nil)
	otherAnon.call("getTime", nil)
}

// A mute refuses the viewer's input until it ends (on the mediator's
// clock), also on a new connection; lifting it lets input through at once.
func TestMutedViewersInputIsRefusedUntilTheMuteEnds(t *testing.T) {
	e := newEnv(t, Options{})
	game := e.game()
	game.call("ready", map[string]bool{"isReady": true})
	loud, key := e.user("loud")
	p := e.participant(key)
	press := map[string]any{"input": map[string]any{"controlID": "btn", "event": "mousedown", "button": 0}}
	if code := p.callErr("giveInput", press); code != 0 {
		t.Fatalf("press before the mute: %d", code)
	}
	until := e.clock.Now().Add(10 * time.Minute)
	if _, err := e.store.Moderate(context.Background(), studio.Moderation{ChannelID: e.streamer.ChannelID, Kind: studio.ModerationMute, UserID: loud.ID, Until: until.UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	e.m.Mute(e.streamer.ChannelID, Viewer{UserID: loud.ID}, until)
	r := p.reply(p.send("giveInput", press))
	if r.Error == nil || r.Error.Code != wire.CodeBadInput || !strings.Contains(r.Error.Message, "muted") {
		t.Fatalf("press while muted: %+v, want 4099 saying muted", r.Error)
	}
	// A new connection is muted as well (the store says so at join).
	key2 := e.keyFor(loud)
	p2 := e.participant(key2)
	if code := p2.callErr("giveInput", press); code != wire.CodeBadInput {
		t.Fatalf("press on a new connection while muted: %d, want 4099", code)
	}
	e.clock.Advance(10*time.Minute + time.Second)
	if code := p2.callErr("giveInput", press); code != 0 {
		t.Fatalf("press after the mute ended: %d", code)
	}
}
