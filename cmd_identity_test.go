package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/internal/testkit"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return strings.TrimSpace(out.String()), err
}

func openTestDB(t *testing.T, path string) *persistence.DB {
	t.Helper()
	db, err := persistence.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestTokenCommandPrintsAWorkingRobotToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	ownerTok, err := runCmd(t, "token", "--db", path)
	if err != nil {
		t.Fatal(err)
	}
	viewerTok, err := runCmd(t, "token", "--user", "streamer2", "--db", path)
	if err != nil {
		t.Fatal(err)
	}
	if ownerTok == viewerTok || len(ownerTok) < 43 || strings.ContainsAny(ownerTok, " \n+/=") {
		t.Fatalf("tokens %q and %q", ownerTok, viewerTok)
	}
	db := openTestDB(t, path)
	ctx := context.Background()
	owner, err := db.UserByTokenScope(ctx, ownerTok, studio.ScopeRobotSelf)
	if err != nil || owner.Username != persistence.OwnerUsername {
		t.Fatalf("owner token: %+v %v", owner, err)
	}
	u, err := db.UserByTokenScope(ctx, viewerTok, studio.ScopeRobotSelf)
	if err != nil || u.Username != "streamer2" {
		t.Fatalf("--user token: %+v %v", u, err)
	}
	if _, err := runCmd(t, "token", "--user", "bad name", "--db", path); !errors.Is(err, studio.ErrInvalid) {
		t.Fatalf("bad user name: %v", err)
	}
}

func TestClientAddPrintsIDAndSecretOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	out, err := runCmd(t, "client", "add", "My Game", "--db", path)
	if err != nil || strings.Contains(out, "\n") || out == "" {
		t.Fatalf("client add: %q %v", out, err)
	}
	out2, err := runCmd(t, "client", "add", "--secret", "--db", path, "Server App")
	lines := strings.Split(out2, "\n")
	if err != nil || len(lines) != 2 || lines[0] == out || len(lines[1]) < 43 {
		t.Fatalf("client add --secret: %q %v", out2, err)
	}
	db := openTestDB(t, path)
	ctx := context.Background()
	// The printed secret is the one that works.
	if _, err := db.CreateShortcode(ctx, lines[0], lines[1], studio.ScopeRobotSelf); err != nil {
		t.Fatalf("printed secret refused: %v", err)
	}
	if _, err := db.CreateShortcode(ctx, lines[0], "wrong", studio.ScopeRobotSelf); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("wrong secret: %v", err)
	}
	list, _ := db.ListOAuthClients(ctx)
	if len(list) != 2 || list[0].Name != "Server App" || !list[0].HasSecret || list[1].ClientID != out {
		t.Fatalf("clients %+v", list)
	}
	for _, args := range [][]string{{"client"}, {"client", "remove", "x"}, {"client", "add"}, {"client", "add", "  "}} {
		if _, err := runCmd(t, append(args, "--db", path)...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestSparksCommandGiftsAndPrintsBalance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	if _, err := runCmd(t, "token", "--user", "viewer", "--db", path); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"sparks", "viewer", "--db", path}, "0"},
		{[]string{"sparks", "viewer", "--add", "25", "--db", path}, "25"},
		{[]string{"sparks", "--add", "5", "VIEWER", "--db", path}, "30"},
		{[]string{"sparks", "viewer", "--db", path}, "30"},
	} {
		out, err := runCmd(t, step.args...)
		if err != nil || out != step.want {
			t.Fatalf("%v: %q %v, want %q", step.args, out, err, step.want)
		}
	}
	for _, args := range [][]string{
		{"sparks", "nobody"}, {"sparks", "viewer", "--add", "-3"}, {"sparks", "viewer", "--add", "x"},
		{"sparks", "viewer", "--add", "0"}, {"sparks"},
	} {
		if _, err := runCmd(t, append(args, "--db", path)...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	db := openTestDB(t, path)
	u, _ := db.UserByName(context.Background(), "viewer")
	if hist, _ := db.SparksHistory(context.Background(), u.ID, 10); len(hist) != 2 || hist[0].Reason != "gift" {
		t.Fatalf("ledger %+v", hist)
	}
}

func TestRequireSignInFollowsAddressAndPublicURL(t *testing.T) {
	for _, tc := range []struct {
		addr, public string
		want         bool
	}{
		{"127.0.0.1:8080", "", false},
		{"localhost:8080", "", false},
		{"[::1]:8080", "", false},
		{"0.0.0.0:8080", "", true},
		{":8080", "", true},
		{"192.168.1.5:8080", "", true},
		{"127.0.0.1:8080", "https://play.example", true},
	} {
		var logs bytes.Buffer
		db := openTestDB(t, filepath.Join(t.TempDir(), "r.db"))
		got, err := prepareIdentity(context.Background(), db, serveOptions{addr: tc.addr, publicURL: tc.public}, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil || got != tc.want {
			t.Errorf("%s %q: %v %v, want %v", tc.addr, tc.public, got, err, tc.want)
		}
		if link := strings.Contains(logs.String(), "/signin/link?token="); link != tc.want {
			t.Errorf("%s %q: sign-in link logged = %v", tc.addr, tc.public, link)
		}
	}
}

func TestNoSignInLinkOnceTheOwnerHasAPassword(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "p.db"))
	ctx := context.Background()
	owner, _ := db.EnsureOwner(ctx)
	if err := db.SetPassword(ctx, owner.ID, "long enough"); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	if _, err := prepareIdentity(ctx, db, serveOptions{addr: "0.0.0.0:80"}, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "signin/link") {
		t.Fatalf("link logged although a password is set: %s", logs.String())
	}
}

// A running server drops expired participant keys without waiting for
// its next start.
func TestKeepPruningDropsExpiredParticipantKeys(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testkit.MustOpenDB(t)
	u, err := db.CreateUser(ctx, "viewer")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := db.CreateAccessToken(ctx, persistence.NewToken{UserID: u.ID, Scope: studio.ScopeParticipant, TTL: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	var log testkit.Buffer
	done := make(chan struct{})
	go func() {
		keepPruning(ctx, db, 10*time.Millisecond, slog.New(slog.NewTextHandler(&log, nil)))
		close(done)
	}()
	timeout := time.After(testkit.Timeout)
	for {
		wrote := log.Written() // before looking: a write in between wakes us
		if strings.Contains(log.String(), "rows=2") {
			break
		}
		select {
		case <-wrote:
		case <-timeout:
			t.Fatalf("no pruning logged: %q", log.String())
		}
	}
	cancel()
	<-done
}

func TestOverlayCommandPrintsTheURLAndRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	first, err := runCmd(t, "overlay", "--db", path, "--url", "https://stream.example/")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := runCmd(t, "overlay", "--db", path, "--url", "https://stream.example")
	rotated, err := runCmd(t, "overlay", "--rotate", "--db", path, "--url", "https://stream.example")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first, "https://stream.example/overlay/") || !strings.Contains(first, "?key=") || first != again || rotated == first {
		t.Fatalf("urls %q %q %q", first, again, rotated)
	}
	db := openTestDB(t, path)
	owner, _ := db.EnsureOwner(context.Background())
	key := rotated[strings.Index(rotated, "key=")+4:]
	oldKey := first[strings.Index(first, "key=")+4:]
	if ok, _ := db.OverlayKeyMatches(context.Background(), owner.ChannelID, key); !ok {
		t.Fatalf("the printed key is not the channel's")
	}
	if ok, _ := db.OverlayKeyMatches(context.Background(), owner.ChannelID, oldKey); ok {
		t.Fatalf("the old key still works after --rotate")
	}
	if _, err := runCmd(t, "overlay", "--db", path, "--user", "nobody"); err == nil {
		t.Fatalf("an unknown user got an overlay URL")
	}
}
