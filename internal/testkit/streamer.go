package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// Layout is a small layout for tests that need one but not a particular
// one: a default scene with a button ("btn"), a joystick ("stick") and a
// label, a "lobby" scene, and the default group.
const Layout = `{"format":"mixstudio/1","name":"testkit","scenes":[
 {"sceneID":"default","controls":[
  {"controlID":"btn","kind":"button","text":"Go","position":[{"size":"large","width":10,"height":5,"x":0,"y":0}]},
  {"controlID":"stick","kind":"joystick","sampleRate":50,"position":[{"size":"large","width":8,"height":8,"x":12,"y":0}]},
  {"controlID":"lbl","kind":"label","text":"hi","position":[{"size":"large","width":6,"height":2,"x":0,"y":6}]}]},
 {"sceneID":"lobby","controls":[]}],
 "groups":[{"groupID":"default","sceneID":"default"}]}`

// Streamer is a channel owner with a game client's token and an imported
// layout: what every live test starts from.
type Streamer struct {
	User    studio.User
	Token   string // scope interactive:robot:self, an hour long
	Version int64  // the imported layout's version
}

// NewStreamer makes the user named name (the studio's owner when name is
// ""), gives it a robot token and imports layout (Layout when "").
func NewStreamer(tb testing.TB, db *persistence.DB, name, layout string) Streamer {
	tb.Helper()
	ctx := context.Background()
	var (
		u   studio.User
		err error
	)
	if name == "" {
		u, err = db.EnsureOwner(ctx)
	} else {
		u, err = db.EnsureUser(ctx, name)
	}
	if err != nil {
		tb.Fatal(err)
	}
	s := Streamer{User: u, Token: Token(tb, db, u.ID, studio.ScopeRobotSelf)}
	s.Version = ImportLayout(tb, db, u.ID, layout)
	return s
}

// ImportLayout imports layout JSON (Layout when "") as a new project of
// owner and returns its version.
func ImportLayout(tb testing.TB, db *persistence.DB, owner int64, layout string) int64 {
	tb.Helper()
	if layout == "" {
		layout = Layout
	}
	l, _, err := studio.Import([]byte(layout))
	if err != nil {
		tb.Fatalf("test layout: %v", err)
	}
	v, err := db.ImportLayout(context.Background(), owner, l)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// Token mints an hour-long access token of scope for user.
func Token(tb testing.TB, db *persistence.DB, user int64, scope string) string {
	tb.Helper()
	tok, _, err := db.CreateAccessToken(context.Background(), persistence.NewToken{UserID: user, Scope: scope, TTL: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// ViewerKey creates (or finds) the user named name and mints a
// participant key for it.
func ViewerKey(tb testing.TB, db *persistence.DB, name string) (studio.User, string) {
	tb.Helper()
	u, err := db.EnsureUser(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return u, Token(tb, db, u.ID, studio.ScopeParticipant)
}
