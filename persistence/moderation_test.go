package persistence

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// Bans and mutes per channel: a new mute of the same viewer replaces the
// old one; an ended mute no longer counts and leaves the list; a browser
// id and a user id are separate subjects; a channel's entries are its own;
// lifting twice says it was lifted already.
func TestModerationPerChannel(t *testing.T) {
	db, ctx := MustOpenDB(t), context.Background()
	clock := newFakeClock()
	db.SetClock(clock.Now)
	troll, err := db.CreateUser(ctx, "troll")
	if err != nil {
		t.Fatal(err)
	}
	const channel, other = 1001, 1002
	now := clock.Now()
	ban, err := db.Moderate(ctx, studio.Moderation{ChannelID: channel, Kind: studio.ModerationBan, UserID: troll.ID, Username: "troll"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Moderate(ctx, studio.Moderation{ChannelID: channel, Kind: studio.ModerationMute, ViewerID: "b1", Until: now.Add(time.Minute).UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Moderate(ctx, studio.Moderation{ChannelID: channel, Kind: studio.ModerationMute, ViewerID: "b1", Until: now.Add(10 * time.Minute).UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []studio.Moderation{
		{ChannelID: channel, Kind: "shadowban", UserID: troll.ID},
		{ChannelID: channel, Kind: studio.ModerationBan},
		{ChannelID: channel, Kind: studio.ModerationBan, UserID: troll.ID, ViewerID: "b1"},
		{ChannelID: channel, Kind: studio.ModerationMute, UserID: troll.ID},
	} {
		if _, err := db.Moderate(ctx, bad); studio.ErrorCode(err) != studio.EINVALID {
			t.Errorf("Moderate(%+v) = %v, want invalid", bad, err)
		}
	}

	st, err := db.ModerationStanding(ctx, channel, troll.ID, "", now)
	if err != nil || !st.Banned || !st.MutedUntil.IsZero() {
		t.Fatalf("troll's standing %+v %v", st, err)
	}
	st, _ = db.ModerationStanding(ctx, channel, 0, "b1", now)
	if st.Banned || !st.MutedUntil.Equal(time.UnixMilli(now.Add(10*time.Minute).UnixMilli())) {
		t.Fatalf("b1's standing %+v: the second mute replaces the first", st)
	}
	if st, _ := db.ModerationStanding(ctx, other, troll.ID, "b1", now); st.Banned || !st.MutedUntil.IsZero() {
		t.Fatalf("another channel's standing %+v", st)
	}
	if st, _ := db.ModerationStanding(ctx, channel, 0, "b2", now); st.Banned || !st.MutedUntil.IsZero() {
		t.Fatalf("another browser's standing %+v", st)
	}
	list, err := db.ListModeration(ctx, channel, now)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %+v %v", list, err)
	}

	later := now.Add(11 * time.Minute)
	if st, _ := db.ModerationStanding(ctx, channel, 0, "b1", later); !st.MutedUntil.IsZero() {
		t.Fatalf("an ended mute still counts: %+v", st)
	}
	if list, _ := db.ListModeration(ctx, channel, later); len(list) != 1 || list[0].ID != ban.ID {
		t.Fatalf("list after the mute ended %+v", list)
	}
	if _, err := db.LiftModeration(ctx, other, ban.ID); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("lifting another channel's ban: %v", err)
	}
	if m, err := db.LiftModeration(ctx, channel, ban.ID); err != nil || m.Username != "troll" {
		t.Fatalf("lift %+v %v", m, err)
	}
	if _, err := db.LiftModeration(ctx, channel, ban.ID); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("lifting twice: %v", err)
	}
	if st, _ := db.ModerationStanding(ctx, channel, troll.ID, "", later); st.Banned {
		t.Fatal("a lifted ban still counts")
	}
}
