package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// On a remote mediator the protocol is all the console has: a ban
// disables the participant, again when that user joins later; a kick is
// refused with a reason; and the remote's user ids never ban one of this
// studio's own users of the same id.
func TestModerationOnARemoteMediatorDisablesThroughTheProtocol(t *testing.T) {
	r := newRig(t, Config{})
	remote := newRig(t, Config{})
	token, _, err := remote.db.CreateAccessToken(context.Background(), persistence.NewToken{UserID: remote.owner.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	remoteVersion := importLayout(t, remote.db, remote.owner.ID, testLayout)
	if err := r.ch.GoLive(ctx, r.owner, LiveOptions{VersionID: r.version, RemoteURL: remote.srv.URL, RemoteToken: token, RemoteVersion: fmt.Sprint(remoteVersion)}); err != nil {
		t.Fatal(err)
	}
	v := remote.join(t, remote.srv.URL, remote.owner.ChannelID, "troll")
	v.waitFrame(t, "onReady", func(f frame) bool { return f.Method == "onReady" })
	session := waitParticipant(t, r.ch, "troll")
	var trollID int64
	for _, p := range r.ch.Participants(10) {
		if p.SessionID == session {
			trollID = int64(p.UserID)
		}
	}

	var se *studio.Error
	if err := r.ch.Kick(ctx, session); !errors.As(err, &se) || se.Code != studio.ECONFLICT {
		t.Fatalf("kick on a remote mediator: %v, want a conflict saying why", err)
	}
	if _, err := r.ch.Ban(ctx, session); err != nil {
		t.Fatal(err)
	}
	v.waitFrame(t, "disabled", func(f frame) bool {
		return f.Method == "onParticipantUpdate" && strings.Contains(string(f.Params), `"disabled":true`)
	})
	list, err := r.ch.Moderation(ctx)
	if err != nil || len(list) != 1 || list[0].UserID != 0 || !strings.HasPrefix(list[0].ViewerID, "remote:") {
		t.Fatalf("the remote ban is stored as %+v (%v), want it apart from this studio's users", list, err)
	}
	// This studio's user with the same id as the remote's troll is not banned here.
	local, err := r.db.ModerationStanding(ctx, r.owner.ChannelID, trollID, "", time.Now())
	if err != nil || local.Banned {
		t.Fatalf("a local user is banned by a remote's ban: %+v %v", local, err)
	}

	// Back on a new connection: disabled again by the console.
	v2 := remote.join(t, remote.srv.URL, remote.owner.ChannelID, "troll")
	v2.waitFrame(t, "disabled on rejoining", func(f frame) bool {
		return f.Method == "onParticipantUpdate" && strings.Contains(string(f.Params), `"disabled":true`)
	})
}

func waitParticipant(t testing.TB, ch *Channel, name string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range ch.Participants(100) {
			if p.Username == name {
				return p.SessionID
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the console never listed %s", name)
	return ""
}
