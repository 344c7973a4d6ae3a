package persistence

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// fakeClock is a settable clock for expiry tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestUsersGetDistinctChannelsAndNamesAreUniqueIgnoringCase(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	a, err := db.CreateUser(ctx, "Alice")
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateUser(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if a.ChannelID == b.ChannelID || a.ChannelID <= 1000 {
		t.Fatalf("channels %d and %d", a.ChannelID, b.ChannelID)
	}
	if _, err := db.CreateUser(ctx, "alice"); !errors.Is(err, studio.ErrConflict) {
		t.Fatalf("duplicate name: %v", err)
	}
	for _, bad := range []string{"", "x", "has space", "<script>", string(make([]byte, 33))} {
		if _, err := db.CreateUser(ctx, bad); !errors.Is(err, studio.ErrInvalid) {
			t.Errorf("CreateUser(%q): %v", bad, err)
		}
	}
	got, err := db.UserByChannel(ctx, b.ChannelID)
	if err != nil || got.ID != b.ID || got.Username != "bob" {
		t.Fatalf("UserByChannel: %+v %v", got, err)
	}
	if _, err := db.UserByChannel(ctx, 999999); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("unknown channel: %v", err)
	}
}

func TestEnsureOwnerCreatesOnceAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "o.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, "owner"); err != nil { // a viewer took the name first
		t.Fatal(err)
	}
	o1, err := db.EnsureOwner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o1.Username != "owner2" {
		t.Fatalf("owner named %q", o1.Username)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o2, err := db.EnsureOwner(ctx)
	if err != nil || o2.ID != o1.ID {
		t.Fatalf("owner after restart %+v, %v; want id %d", o2, err, o1.ID)
	}
	if ok, _ := db.IsOwner(ctx, o1.ID); !ok {
		t.Fatal("IsOwner false for the owner")
	}
}

func TestPasswordsAuthenticate(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	u, _ := db.CreateUser(ctx, "viewer")
	if _, err := db.Authenticate(ctx, "viewer", "whatever1"); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("no password set: %v", err)
	}
	if err := db.SetPassword(ctx, u.ID, "short"); !errors.Is(err, studio.ErrInvalid) {
		t.Fatalf("short password: %v", err)
	}
	if err := db.SetPassword(ctx, u.ID, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Authenticate(ctx, "VIEWER", "correct horse"); err != nil || got.ID != u.ID {
		t.Fatalf("right password: %+v %v", got, err)
	}
	for _, c := range [][2]string{{"viewer", "correct hors"}, {"nobody", "correct horse"}} {
		if _, err := db.Authenticate(ctx, c[0], c[1]); !errors.Is(err, studio.ErrUnauthorized) {
			t.Errorf("Authenticate(%q, %q): %v", c[0], c[1], err)
		}
	}
}

func TestAccessTokenExpiresAndRevokes(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	clock := newFakeClock()
	db.SetClock(clock.Now)
	u, _ := db.CreateUser(ctx, "streamer")
	secret, tok, err := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour, Label: "game"})
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) < 43 {
		t.Fatalf("token %q is shorter than 32 bytes of entropy", secret)
	}
	got, err := db.UserByToken(ctx, secret)
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserByToken: %+v %v", got, err)
	}
	if _, err := db.UserByToken(ctx, secret+"x"); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := db.UserByTokenScope(ctx, secret, studio.ScopeRobotSelf); err != nil {
		t.Fatal(err)
	}
	list, _ := db.ListTokens(ctx, u.ID)
	if len(list) != 1 || list[0].ID != tok.ID || list[0].Label != "game" {
		t.Fatalf("ListTokens %+v", list)
	}
	clock.Advance(time.Hour)
	if _, err := db.UserByToken(ctx, secret); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("expired token accepted: %v", err)
	}

	secret2, tok2, _ := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeParticipant, TTL: time.Hour})
	if _, err := db.UserByTokenScope(ctx, secret2, studio.ScopeRobotSelf); !errors.Is(err, studio.ErrForbidden) {
		t.Fatalf("participant key as robot: %v", err)
	}
	other, _ := db.CreateUser(ctx, "other")
	if err := db.RevokeToken(ctx, other.ID, tok2.ID); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("revoking another user's token: %v", err)
	}
	if err := db.RevokeToken(ctx, u.ID, tok2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UserByToken(ctx, secret2); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("revoked token accepted: %v", err)
	}
	if _, _, err := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: "admin", TTL: time.Hour}); !errors.Is(err, studio.ErrInvalid) {
		t.Fatalf("unknown scope: %v", err)
	}
}

func TestTokensAreStoredHashed(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	u, _ := db.CreateUser(ctx, "streamer")
	secret, _, _ := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	sess, _ := db.CreateSession(ctx, u.ID)
	cl, clientSecret, _ := db.CreateOAuthClient(ctx, "Game", true)
	sc, _ := db.CreateShortcode(ctx, cl.ClientID, clientSecret, studio.ScopeRobotSelf)
	db.AnswerShortcode(ctx, sc.Code, u.ID, true)
	chk, _ := db.CheckShortcode(ctx, sc.Handle)
	pair, err := db.ExchangeAuthCode(ctx, cl.ClientID, clientSecret, chk.AuthCode)
	if err != nil {
		t.Fatal(err)
	}
	// Every secret is gone from every text and blob column of the file.
	for _, s := range []string{secret, sess, clientSecret, sc.Handle, chk.AuthCode, pair.AccessToken, pair.RefreshToken} {
		var n int
		db.sql.QueryRow(`SELECT
			(SELECT COUNT(*) FROM tokens WHERE hash = ?1 OR CAST(hash AS TEXT) = ?1 OR label = ?1 OR scope = ?1)
		  + (SELECT COUNT(*) FROM sessions WHERE hash = ?1 OR CAST(hash AS TEXT) = ?1)
		  + (SELECT COUNT(*) FROM oauth_clients WHERE secret_hash = ?1 OR CAST(secret_hash AS TEXT) = ?1)
		  + (SELECT COUNT(*) FROM oauth_shortcodes WHERE handle_hash = ?1 OR CAST(handle_hash AS TEXT) = ?1
		     OR CAST(auth_code_hash AS TEXT) = ?1 OR code = ?1)`, s).Scan(&n)
		if n != 0 || s == "" {
			t.Fatalf("secret %q stored in clear", s)
		}
	}
	var stored []byte
	db.sql.QueryRow(`SELECT secret_hash FROM oauth_clients WHERE client_id = ?`, cl.ClientID).Scan(&stored)
	if string(stored) != string(hashSecret(clientSecret)) {
		t.Fatal("the client secret is not stored as its SHA-256")
	}
}

func TestSessionsExpireAndSignOut(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	clock := newFakeClock()
	db.SetClock(clock.Now)
	u, _ := db.CreateUser(ctx, "viewer")
	s1, _ := db.CreateSession(ctx, u.ID)
	s2, _ := db.CreateSession(ctx, u.ID)
	if got, err := db.UserBySession(ctx, s1); err != nil || got.ID != u.ID {
		t.Fatalf("UserBySession %+v %v", got, err)
	}
	db.DeleteSession(ctx, s1)
	if _, err := db.UserBySession(ctx, s1); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("signed-out session: %v", err)
	}
	clock.Advance(SessionTTL)
	if _, err := db.UserBySession(ctx, s2); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("expired session: %v", err)
	}
}

func TestSignInLinkWorksOnce(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	o, _ := db.EnsureOwner(ctx)
	link, err := db.CreateSignInLink(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := db.UseSignInLink(ctx, link); err != nil || u.ID != o.ID {
		t.Fatalf("first use: %+v %v", u, err)
	}
	if _, err := db.UseSignInLink(ctx, link); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("second use: %v", err)
	}
	// A sign-in link is no bearer token.
	if _, err := db.UserByToken(ctx, link); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("sign-in link as bearer: %v", err)
	}
}

func TestSparksLedgerCreditsAndDebits(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	u, _ := db.CreateUser(ctx, "viewer")
	if b, err := db.CreditSparks(ctx, u.ID, 50, "gift"); err != nil || b != 50 {
		t.Fatalf("credit: %d %v", b, err)
	}
	if b, err := db.DebitSparks(ctx, u.ID, 20, "button", "tx-1"); err != nil || b != 30 {
		t.Fatalf("debit: %d %v", b, err)
	}
	_, err := db.DebitSparks(ctx, u.ID, 31, "button", "tx-2")
	if !errors.Is(err, studio.ErrNotEnoughSparks) || !errors.Is(err, ErrNotEnoughSparks) || !errors.Is(err, studio.ErrConflict) {
		t.Fatalf("overdraw: %v", err)
	}
	for _, n := range []int64{0, -5} {
		if _, err := db.CreditSparks(ctx, u.ID, n, "x"); !errors.Is(err, studio.ErrInvalid) {
			t.Errorf("credit %d: %v", n, err)
		}
	}
	if _, err := db.CreditSparks(ctx, 424242, 5, "gift"); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("credit to unknown user: %v", err)
	}
	hist, _ := db.SparksHistory(ctx, u.ID, 10)
	if len(hist) != 2 || hist[0].Amount != -20 || hist[0].Ref != "tx-1" || hist[1].Amount != 50 {
		t.Fatalf("history %+v", hist)
	}
}

// 20 goroutines each debit 1 from a balance of 10: exactly 10 succeed, the
// balance ends at 0, and closing and reopening the file loses nothing.
func TestSparksConcurrentDebitsNeverOverdrawAndSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := db.CreateUser(ctx, "viewer")
	if _, err := db.CreditSparks(ctx, u.ID, 10, "gift"); err != nil {
		t.Fatal(err)
	}
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.DebitSparks(ctx, u.ID, 1, "button", "")
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, studio.ErrNotEnoughSparks):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 10 || refused.Load() != 10 {
		t.Fatalf("%d debits succeeded, %d refused; want 10 and 10", ok.Load(), refused.Load())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := db.SparksBalance(ctx, u.ID)
	hist, _ := db.SparksHistory(ctx, u.ID, 100)
	if err != nil || b != 0 || len(hist) != 11 {
		t.Fatalf("after restart: balance %d, %d entries, %v", b, len(hist), err)
	}
}

func TestAccrueWatchSparksPaysEachMinuteOnce(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	u, _ := db.CreateUser(ctx, "viewer")
	const channel = 1001
	joined := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration
		want int64
	}{
		{30 * time.Second, 0},
		{90 * time.Second, 2}, // minute 1 at 2/min
		{90 * time.Second, 0}, // same call again: nothing new
		{5 * time.Minute, 8},  // minutes 2..5
		{4 * time.Minute, 0},  // clock went back: nothing
	}
	for _, s := range steps {
		got, err := db.AccrueWatchSparks(ctx, u.ID, channel, joined, joined.Add(s.at), 2)
		if err != nil || got != s.want {
			t.Fatalf("at +%v: credited %d (%v), want %d", s.at, got, err, s.want)
		}
	}
	if b, _ := db.SparksBalance(ctx, u.ID); b != 10 {
		t.Fatalf("balance %d, want 10", b)
	}
	// Another channel accrues on its own.
	if got, _ := db.AccrueWatchSparks(ctx, u.ID, channel+1, joined, joined.Add(3*time.Minute), 1); got != 3 {
		t.Fatalf("other channel credited %d", got)
	}
}

func TestWatchSparksRateDefaultsAndValidates(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	if r, _ := db.WatchSparksRate(ctx, 1001); r != DefaultSparksPerMinute {
		t.Fatalf("default rate %d", r)
	}
	if err := db.SetWatchSparksRate(ctx, 1001, 5); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.WatchSparksRate(ctx, 1001); r != 5 {
		t.Fatalf("rate %d", r)
	}
	if err := db.SetWatchSparksRate(ctx, 1001, -1); !errors.Is(err, studio.ErrInvalid) {
		t.Fatalf("negative rate: %v", err)
	}
}

func TestPruneExpiredKeepsLiveRows(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	clock := newFakeClock()
	db.SetClock(clock.Now)
	u, _ := db.CreateUser(ctx, "viewer")
	oldTok, _, _ := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	oldSess, _ := db.CreateSession(ctx, u.ID)
	clock.Advance(SessionTTL + time.Hour)
	liveTok, _, _ := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	liveSess, _ := db.CreateSession(ctx, u.ID)
	n, err := db.PruneExpired(ctx, clock.Now())
	if err != nil || n != 2 {
		t.Fatalf("pruned %d rows (%v), want 2", n, err)
	}
	if _, err := db.UserByToken(ctx, liveTok); err != nil {
		t.Fatalf("live token pruned: %v", err)
	}
	if _, err := db.UserBySession(ctx, liveSess); err != nil {
		t.Fatalf("live session pruned: %v", err)
	}
	var left int
	db.sql.QueryRow(`SELECT COUNT(*) FROM tokens WHERE hash = ?`, hashSecret(oldTok)).Scan(&left)
	if left != 0 {
		t.Fatal("expired token kept")
	}
	_ = oldSess
}

// Participant keys go as soon as they expire, not a week later: one is
// minted per page view.
func TestPruneExpiredDropsExpiredParticipantKeysAtOnce(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	clock := newFakeClock()
	db.SetClock(clock.Now)
	u, _ := db.CreateUser(ctx, "viewer")
	for range 3 {
		db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeParticipant, TTL: ParticipantKeyTTL})
	}
	robot, _, _ := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	clock.Advance(ParticipantKeyTTL + time.Minute)
	live, _, _ := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeParticipant, TTL: ParticipantKeyTTL})
	n, err := db.PruneExpired(ctx, clock.Now().Add(-7*24*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("pruned %d rows (%v), want the 3 expired keys", n, err)
	}
	if _, err := db.UserByToken(ctx, live); err != nil {
		t.Fatalf("live key pruned: %v", err)
	}
	var left int
	db.sql.QueryRow(`SELECT COUNT(*) FROM tokens WHERE hash = ?`, hashSecret(robot)).Scan(&left)
	if left != 1 {
		t.Fatal("an expired robot token went before its week")
	}
}

// Each poll of a granted handle mints a new authorization code and voids
// the previous one, so a code seen by someone else stops working.
func TestCheckShortcodeVoidsThePreviousAuthCode(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	u, _ := db.CreateUser(ctx, "viewer")
	cl, _, _ := db.CreateOAuthClient(ctx, "Game", false)
	sc, err := db.CreateShortcode(ctx, cl.ClientID, "", "interactive:robot:self interactive:robot:self")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AnswerShortcode(ctx, strings.ToLower(sc.Code[:3])+"-"+sc.Code[3:], u.ID, true); err != nil {
		t.Fatalf("answer with a typed code: %v", err)
	}
	if err := db.AnswerShortcode(ctx, sc.Code, u.ID, false); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("answering twice: %v", err)
	}
	first, _ := db.CheckShortcode(ctx, sc.Handle)
	second, _ := db.CheckShortcode(ctx, sc.Handle)
	if first.AuthCode == "" || first.AuthCode == second.AuthCode {
		t.Fatalf("codes %q %q", first.AuthCode, second.AuthCode)
	}
	if _, err := db.ExchangeAuthCode(ctx, cl.ClientID, "", first.AuthCode); !errors.Is(err, studio.ErrUnauthorized) {
		t.Fatalf("voided code: %v", err)
	}
	got, err := db.ExchangeAuthCode(ctx, cl.ClientID, "", second.AuthCode)
	if err != nil || got.UserID != u.ID || got.Scope != studio.ScopeRobotSelf {
		t.Fatalf("exchange: %+v %v", got, err)
	}
}

func TestRandomShortcodesUseTheAlphabetEvenly(t *testing.T) {
	counts := map[rune]int{}
	for i := 0; i < 2000; i++ {
		for _, r := range randomShortcode() {
			counts[r]++
		}
	}
	if len(counts) != len(studio.ShortcodeAlphabet) {
		t.Fatalf("%d distinct characters, want %d: %v", len(counts), len(studio.ShortcodeAlphabet), counts)
	}
	for r, n := range counts { // expected 480 each
		if !strings.ContainsRune(studio.ShortcodeAlphabet, r) || n < 300 || n > 700 {
			t.Fatalf("character %q drawn %d times", r, n)
		}
	}
}

func BenchmarkUserByToken(b *testing.B) {
	db, ctx := MustOpenDB(b), context.Background()
	u, _ := db.CreateUser(ctx, "streamer")
	tok, _, _ := db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeRobotSelf, TTL: time.Hour})
	for i := 0; i < 1000; i++ { // a table with some history
		db.CreateAccessToken(ctx, NewToken{UserID: u.ID, Scope: studio.ScopeParticipant, TTL: time.Hour})
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.UserByToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDebitSparks(b *testing.B) {
	db, ctx := MustOpenDB(b), context.Background()
	u, _ := db.CreateUser(ctx, "viewer")
	db.CreditSparks(ctx, u.ID, 1<<40, "gift")
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.DebitSparks(ctx, u.ID, 1, "button", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// Racing exchanges of one authorization code, and racing refreshes of one
// refresh token: exactly one of each wins.
func TestCodesAndRefreshTokensWorkOnceUnderRace(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	u, _ := db.CreateUser(ctx, "viewer")
	cl, _, _ := db.CreateOAuthClient(ctx, "Game", false)
	sc, _ := db.CreateShortcode(ctx, cl.ClientID, "", studio.ScopeRobotSelf)
	db.AnswerShortcode(ctx, sc.Code, u.ID, true)
	chk, _ := db.CheckShortcode(ctx, sc.Handle)

	race := func(fn func() (IssuedTokens, error)) (wins int, last IssuedTokens) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := fn()
				if err != nil && !errors.Is(err, studio.ErrUnauthorized) {
					t.Error(err)
				}
				if err == nil {
					mu.Lock()
					wins, last = wins+1, got
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return wins, last
	}
	wins, pair := race(func() (IssuedTokens, error) { return db.ExchangeAuthCode(ctx, cl.ClientID, "", chk.AuthCode) })
	if wins != 1 {
		t.Fatalf("%d exchanges of one code succeeded", wins)
	}
	wins, _ = race(func() (IssuedTokens, error) { return db.RefreshTokens(ctx, cl.ClientID, "", pair.RefreshToken) })
	if wins != 1 {
		t.Fatalf("%d refreshes of one refresh token succeeded", wins)
	}
}
