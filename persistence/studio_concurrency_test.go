package persistence

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func TestStaleRevisionIsRefused(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	if _, err := createControl(ctx, db, vid, "default", btn("a", pos(studio.Large, 0, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	// Two tabs load the scene.
	tab1, _ := db.FindScene(ctx, vid, "default")
	tab2, _ := db.FindScene(ctx, vid, "default")
	c1 := tab1.Control("a").Clone()
	c1.Text = studio.Ptr("from tab 1")
	if _, err := db.UpdateControl(ctx, vid, "default", c1); err != nil {
		t.Fatal(err)
	}
	c2 := tab2.Control("a").Clone()
	c2.Text = studio.Ptr("from tab 2")
	_, err := db.UpdateControl(ctx, vid, "default", c2)
	wantCode(t, err, studio.ECONFLICT)
	if !strings.Contains(studio.ErrorMessage(err), "changed elsewhere") || !strings.Contains(studio.ErrorMessage(err), `"a"`) {
		t.Fatalf("message should explain: %q", studio.ErrorMessage(err))
	}
	_, err = moveControls(ctx, db, vid, "default", []move{{ControlID: "a", Revision: tab2.Control("a").Revision, Grid: studio.Large, Position: &studio.Position{X: 30, Width: 10, Height: 5}}})
	wantCode(t, err, studio.ECONFLICT)
	s, _ := db.FindScene(ctx, vid, "default")
	if *s.Control("a").Text != "from tab 1" || s.Control("a").Position[0].X != 0 {
		t.Fatalf("tab 2 overwrote tab 1: %+v", s.Control("a"))
	}
	// Groups carry revisions too.
	g, err := db.UpdateGroup(ctx, vid, studio.Group{GroupID: "default", SceneID: "default", Revision: 1, Custom: map[string]json.RawMessage{"x": json.RawMessage(`1`)}})
	if err != nil || g.Revision != 2 {
		t.Fatalf("update group: %v", err)
	}
	_, err = db.UpdateGroup(ctx, vid, studio.Group{GroupID: "default", SceneID: "default", Revision: 1})
	wantCode(t, err, studio.ECONFLICT)
	_, err = db.UpdateGroup(ctx, vid, studio.Group{GroupID: "nope", SceneID: "default", Revision: 1})
	wantCode(t, err, studio.ENOTFOUND)
}

func TestConcurrentEditsExactlyOneWins(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	if _, err := createControl(ctx, db, vid, "default", btn("a", pos(studio.Large, 0, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	const tabs = 8
	var wg sync.WaitGroup
	errs := make([]error, tabs)
	start := make(chan struct{})
	for i := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 0 {
				c := btn("a", pos(studio.Large, 0, 0, 10, 5))
				c.Revision = 1
				c.Text = studio.Ptr(fmt.Sprintf("tab %d", i))
				_, errs[i] = db.UpdateControl(ctx, vid, "default", c)
				return
			}
			_, errs[i] = moveControls(ctx, db, vid, "default", []move{{ControlID: "a", Revision: 1, Grid: studio.Large, Position: &studio.Position{X: 10 * i, Width: 10, Height: 5}}})
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch studio.ErrorCode(err) {
		case "":
			wins++
		case studio.ECONFLICT:
		default:
			t.Fatalf("tab %d: unexpected error %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d tabs won; want exactly one (%v)", wins, errs)
	}
	s, _ := db.FindScene(ctx, vid, "default")
	if s.Control("a").Revision != 2 {
		t.Fatalf("revision %d after one winning save", s.Control("a").Revision)
	}
}
