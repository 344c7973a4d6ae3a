package persistence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

func pos(size string, x, y, w, h int) studio.Position {
	return studio.Position{Size: size, X: x, Y: y, Width: w, Height: h}
}

func btn(id string, ps ...studio.Position) studio.Control {
	return studio.Control{ControlID: id, Kind: studio.KindButton, Position: ps}
}

// newDraft opens a database with a user and a project; it returns the
// draft's version id and the user's id.
func newDraft(t testing.TB) (*DB, int64, int64) {
	t.Helper()
	db := MustOpenDB(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	_, v, err := db.CreateProject(ctx, u.ID, "Game")
	if err != nil {
		t.Fatal(err)
	}
	return db, v.ID, u.ID
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if studio.ErrorCode(err) != code {
		t.Fatalf("want %s, got %v (code %q)", code, err, studio.ErrorCode(err))
	}
}

func TestCreateProjectStartsWithDefaultSceneAndGroup(t *testing.T) {
	db, vid, uid := newDraft(t)
	v, err := db.FindVersion(context.Background(), vid)
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 1 || v.State != studio.Draft || v.ProjectName != "Game" {
		t.Fatalf("version %+v", v.VersionSummary)
	}
	if len(v.Scenes) != 1 || v.Scenes[0].SceneID != "default" || len(v.Groups) != 1 || v.Groups[0].GroupID != "default" || v.Groups[0].SceneID != "default" {
		t.Fatalf("content %+v %+v", v.Scenes, v.Groups)
	}
	o, err := db.FindVersionOutline(context.Background(), vid)
	if err != nil || len(o.Scenes) != 1 || o.Scenes[0].SceneID != "default" || len(o.Groups) != 1 || o.ProjectName != "Game" {
		t.Fatalf("outline %+v %v", o, err)
	}
	if _, err := db.FindVersionOutline(context.Background(), vid+1); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("outline of a missing version: %v", err)
	}
	ps, err := db.FindProjects(context.Background(), uid)
	if err != nil || len(ps) != 1 || len(ps[0].Versions) != 1 || ps[0].Versions[0].ID != vid {
		t.Fatalf("FindProjects = %+v, %v", ps, err)
	}
	if _, _, err := db.CreateProject(context.Background(), uid, "  "); studio.ErrorCode(err) != studio.EINVALID {
		t.Fatalf("blank name: %v", err)
	}
	if _, _, err := db.CreateProject(context.Background(), 999, "x"); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("unknown owner: %v", err)
	}
}

func TestControlLifecycle(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	c := btn("fire", pos(studio.Large, 0, 0, 10, 5))
	c.Text = studio.Ptr("Fire")
	c.Custom = map[string]json.RawMessage{"sound": json.RawMessage(`"boom"`)}
	saved, err := db.CreateControl(ctx, vid, "default", c)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Revision != 1 {
		t.Fatalf("revision %d", saved.Revision)
	}
	saved.Cost = studio.Ptr[int64](5)
	saved, err = db.UpdateControl(ctx, vid, "default", saved)
	if err != nil || saved.Revision != 2 {
		t.Fatalf("update: %v rev %d", err, saved.Revision)
	}
	moved, err := db.MoveControls(ctx, vid, "default", []studio.ControlMove{
		{ControlID: "fire", Revision: 2, Grid: studio.Small, Position: &studio.Position{X: 1, Y: 1, Width: 10, Height: 5}},
	})
	if err != nil || len(moved) != 1 || moved[0].Revision != 3 {
		t.Fatalf("move: %v %+v", err, moved)
	}
	s, err := db.FindScene(ctx, vid, "default")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Control("fire")
	if got == nil || *got.Text != "Fire" || *got.Cost != 5 || string(got.Custom["sound"]) != `"boom"` || len(got.Position) != 2 || got.Revision != 3 {
		t.Fatalf("stored control %+v", got)
	}
	if p, _ := got.PositionOn(studio.Small); p != pos(studio.Small, 1, 1, 10, 5) {
		t.Fatalf("small position %+v", p)
	}
	// Hide it on small without deleting it.
	if _, err := db.MoveControls(ctx, vid, "default", []studio.ControlMove{{ControlID: "fire", Revision: 3, Grid: studio.Small}}); err != nil {
		t.Fatal(err)
	}
	s, _ = db.FindScene(ctx, vid, "default")
	if len(s.Control("fire").Position) != 1 {
		t.Fatalf("not hidden on small: %+v", s.Control("fire").Position)
	}
	// Renaming: a stale revision, a taken id and a bad id are refused.
	if _, err := db.CreateControl(ctx, vid, "default", btn("other", pos(studio.Large, 40, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	_, err = db.RenameControl(ctx, vid, "default", "fire", "shoot", 3)
	wantCode(t, err, studio.ECONFLICT)
	_, err = db.RenameControl(ctx, vid, "default", "fire", "other", 4)
	wantCode(t, err, studio.ECONFLICT)
	_, err = db.RenameControl(ctx, vid, "default", "fire", "", 4)
	wantCode(t, err, studio.EINVALID)
	_, err = db.RenameControl(ctx, vid, "default", "ghost", "x", 1)
	wantCode(t, err, studio.ENOTFOUND)
	renamed, err := db.RenameControl(ctx, vid, "default", "fire", "shoot", 4)
	if err != nil || renamed.ControlID != "shoot" || renamed.Revision != 5 || *renamed.Text != "Fire" {
		t.Fatalf("rename: %v %+v", err, renamed)
	}
	if err := db.DeleteControls(ctx, vid, "default", []string{"other"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RenameControl(ctx, vid, "default", "shoot", "fire", 5); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteControls(ctx, vid, "default", []string{"fire", "ghost"}); studio.ErrorCode(err) != studio.ENOTFOUND {
		t.Fatalf("delete with a missing id: %v", err)
	}
	if s, _ := db.FindScene(ctx, vid, "default"); s.Control("fire") == nil {
		t.Fatal("a failed delete removed a control")
	}
	if err := db.DeleteControls(ctx, vid, "default", []string{"fire"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.FindScene(ctx, vid, "default"); len(s.Controls) != 0 {
		t.Fatalf("after delete: %+v", s.Controls)
	}
}

func TestWritesAreValidatedFirst(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	for _, c := range []studio.Control{btn("a", pos(studio.Large, 0, 0, 10, 5)), btn("c", pos(studio.Large, 20, 0, 10, 5))} {
		if _, err := db.CreateControl(ctx, vid, "default", c); err != nil {
			t.Fatal(err)
		}
	}
	bad := []struct {
		name string
		do   func() error
		code string
	}{
		{"overlapping control", func() error {
			_, err := db.CreateControl(ctx, vid, "default", btn("b", pos(studio.Large, 5, 0, 10, 5)))
			return err
		}, studio.EINVALID},
		{"duplicate id", func() error {
			_, err := db.CreateControl(ctx, vid, "default", btn("a"))
			return err
		}, studio.ECONFLICT},
		{"off the grid", func() error {
			_, err := db.CreateControl(ctx, vid, "default", btn("b", pos(studio.Medium, 40, 0, 10, 5)))
			return err
		}, studio.EINVALID},
		{"bad value", func() error {
			c := btn("b")
			c.Progress = studio.Ptr(7.0)
			_, err := db.CreateControl(ctx, vid, "default", c)
			return err
		}, studio.EINVALID},
		{"unknown scene", func() error {
			_, err := db.CreateControl(ctx, vid, "nope", btn("b"))
			return err
		}, studio.ENOTFOUND},
		{"unknown version", func() error {
			_, err := db.CreateControl(ctx, 999, "default", btn("b"))
			return err
		}, studio.ENOTFOUND},
		{"kind change", func() error {
			_, err := db.UpdateControl(ctx, vid, "default", studio.Control{ControlID: "a", Kind: studio.KindLabel, Revision: 1})
			return err
		}, studio.EINVALID},
		{"move onto another", func() error {
			_, err := db.MoveControls(ctx, vid, "default", []studio.ControlMove{{ControlID: "c", Revision: 1, Grid: studio.Large, Position: &studio.Position{X: 2, Y: 2, Width: 10, Height: 5}}})
			return err
		}, studio.EINVALID},
		{"unknown grid", func() error {
			_, err := db.MoveControls(ctx, vid, "default", []studio.ControlMove{{ControlID: "a", Revision: 1, Grid: "huge", Position: &studio.Position{Width: 3, Height: 3}}})
			return err
		}, studio.EINVALID},
		{"bad scene id", func() error { _, err := db.CreateScene(ctx, vid, ""); return err }, studio.EINVALID},
		{"existing scene", func() error { _, err := db.CreateScene(ctx, vid, "default"); return err }, studio.ECONFLICT},
		{"group on missing scene", func() error {
			_, err := db.CreateGroup(ctx, vid, studio.Group{GroupID: "vip", SceneID: "nope"})
			return err
		}, studio.EINVALID},
		{"delete default group", func() error { return db.DeleteGroup(ctx, vid, "default") }, studio.EINVALID},
		{"delete default scene", func() error { return db.DeleteScene(ctx, vid, "default", "x") }, studio.EINVALID},
		{"rename default scene", func() error { return db.RenameScene(ctx, vid, "default", "x") }, studio.EINVALID},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := db.FindVersion(ctx, vid)
			wantCode(t, tt.do(), tt.code)
			after, _ := db.FindVersion(ctx, vid)
			if !sameLayout(t, before.Layout(), after.Layout()) {
				t.Fatal("a refused write changed the version")
			}
		})
	}
	// A ValidationError names the control, grid and field.
	_, err := db.CreateControl(ctx, vid, "default", btn("b", pos(studio.Large, 5, 0, 10, 5)))
	var v *studio.ValidationError
	if !errors.As(err, &v) || len(v.Problems) != 1 || v.Problems[0].ControlID != "b" || v.Problems[0].Grid != studio.Large || v.Problems[0].Field != "position" {
		t.Fatalf("validation error %#v", err)
	}
}

func sameLayout(t testing.TB, a, b studio.Layout) bool {
	t.Helper()
	ea, err := studio.Export(a)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := studio.Export(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(ea, eb)
}

func TestStaleRevisionIsRefused(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	if _, err := db.CreateControl(ctx, vid, "default", btn("a", pos(studio.Large, 0, 0, 10, 5))); err != nil {
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
	_, err = db.MoveControls(ctx, vid, "default", []studio.ControlMove{{ControlID: "a", Revision: tab2.Control("a").Revision, Grid: studio.Large, Position: &studio.Position{X: 30, Width: 10, Height: 5}}})
	wantCode(t, err, studio.ECONFLICT)
	s, _ := db.FindScene(ctx, vid, "default")
	if *s.Control("a").Text != "from tab 1" || s.Control("a").Position[0].X != 0 {
		t.Fatalf("tab 2 overwrote tab 1: %+v", s.Control("a"))
	}
	// Scenes and groups carry revisions too.
	sc, err := db.SaveScene(ctx, vid, studio.Scene{SceneID: "default", Revision: 1, Custom: map[string]json.RawMessage{"bg": json.RawMessage(`"red"`)}})
	if err != nil || sc.Revision != 2 {
		t.Fatalf("save scene: %v %d", err, sc.Revision)
	}
	_, err = db.SaveScene(ctx, vid, studio.Scene{SceneID: "default", Revision: 1})
	wantCode(t, err, studio.ECONFLICT)
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
	if _, err := db.CreateControl(ctx, vid, "default", btn("a", pos(studio.Large, 0, 0, 10, 5))); err != nil {
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
			_, errs[i] = db.MoveControls(ctx, vid, "default", []studio.ControlMove{{ControlID: "a", Revision: 1, Grid: studio.Large, Position: &studio.Position{X: 10 * i, Width: 10, Height: 5}}})
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

func TestMoveControlsIsAllOrNothing(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	for i, id := range []string{"a", "b", "c"} {
		if _, err := db.CreateControl(ctx, vid, "default", btn(id, pos(studio.Large, i*10, 0, 10, 5))); err != nil {
			t.Fatal(err)
		}
	}
	// a and b swap rows legally, c lands on b's new place: refused, nothing moves.
	_, err := db.MoveControls(ctx, vid, "default", []studio.ControlMove{
		{ControlID: "a", Revision: 1, Grid: studio.Large, Position: &studio.Position{X: 0, Y: 10, Width: 10, Height: 5}},
		{ControlID: "b", Revision: 1, Grid: studio.Large, Position: &studio.Position{X: 40, Y: 10, Width: 10, Height: 5}},
		{ControlID: "c", Revision: 1, Grid: studio.Large, Position: &studio.Position{X: 45, Y: 12, Width: 10, Height: 5}},
	})
	wantCode(t, err, studio.EINVALID)
	s, _ := db.FindScene(ctx, vid, "default")
	for i, id := range []string{"a", "b", "c"} {
		if p := s.Control(id).Position[0]; p.X != i*10 || p.Y != 0 || s.Control(id).Revision != 1 {
			t.Fatalf("%s moved by a refused batch: %+v", id, p)
		}
	}
	// Swapping two controls' places is legal only as one batch.
	moved, err := db.MoveControls(ctx, vid, "default", []studio.ControlMove{
		{ControlID: "a", Revision: 1, Grid: studio.Large, Position: &studio.Position{X: 10, Width: 10, Height: 5}},
		{ControlID: "b", Revision: 1, Grid: studio.Large, Position: &studio.Position{X: 0, Width: 10, Height: 5}},
	})
	if err != nil || len(moved) != 2 {
		t.Fatalf("swap: %v", err)
	}
}

func TestPublishedVersionRefusesEdits(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	if _, err := db.CreateControl(ctx, vid, "default", btn("a", pos(studio.Large, 0, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateScene(ctx, vid, "shop"); err != nil {
		t.Fatal(err)
	}
	if err := db.PublishVersion(ctx, vid); err != nil {
		t.Fatal(err)
	}
	before, _ := db.FindVersion(ctx, vid)
	if before.State != studio.Published || before.PublishedAt.IsZero() {
		t.Fatalf("after publish: %+v", before.VersionSummary)
	}
	edits := map[string]func() error{
		"CreateControl": func() error { _, err := db.CreateControl(ctx, vid, "default", btn("b")); return err },
		"UpdateControl": func() error {
			c := btn("a", pos(studio.Large, 0, 0, 10, 5))
			c.Revision = 1
			_, err := db.UpdateControl(ctx, vid, "default", c)
			return err
		},
		"MoveControls": func() error {
			_, err := db.MoveControls(ctx, vid, "default", []studio.ControlMove{{ControlID: "a", Revision: 1, Grid: studio.Large}})
			return err
		},
		"DeleteControls": func() error { return db.DeleteControls(ctx, vid, "default", []string{"a"}) },
		"RenameControl":  func() error { _, err := db.RenameControl(ctx, vid, "default", "a", "b", 1); return err },
		"CreateScene":    func() error { _, err := db.CreateScene(ctx, vid, "new"); return err },
		"RenameScene":    func() error { return db.RenameScene(ctx, vid, "shop", "store") },
		"DeleteScene":    func() error { return db.DeleteScene(ctx, vid, "shop", "default") },
		"SaveScene": func() error {
			_, err := db.SaveScene(ctx, vid, studio.Scene{SceneID: "default", Revision: 1})
			return err
		},
		"CreateGroup": func() error {
			_, err := db.CreateGroup(ctx, vid, studio.Group{GroupID: "g", SceneID: "default"})
			return err
		},
		"UpdateGroup": func() error {
			_, err := db.UpdateGroup(ctx, vid, studio.Group{GroupID: "default", SceneID: "shop", Revision: 1})
			return err
		},
		"DeleteGroup":    func() error { return db.DeleteGroup(ctx, vid, "vip") },
		"PublishVersion": func() error { return db.PublishVersion(ctx, vid) },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			err := edit()
			wantCode(t, err, studio.ECONFLICT)
			if !strings.Contains(studio.ErrorMessage(err), "published") || !strings.Contains(studio.ErrorMessage(err), "new draft") {
				t.Fatalf("message %q should say why and what to do", studio.ErrorMessage(err))
			}
		})
	}
	// The schema refuses too, for any writer that skips the Go checks.
	for _, q := range []string{
		`UPDATE controls SET props = '{}'`,
		`UPDATE scenes SET custom = '{"x":1}'`,
		`UPDATE versions SET state = 'draft', published_at = NULL`,
		fmt.Sprintf(`INSERT INTO scenes(version_id, scene_id, ord) VALUES (%d, 'sneaky', 9)`, vid),
	} {
		if _, err := db.sql.Exec(q); err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Errorf("%s: %v", q, err)
		}
	}
	after, _ := db.FindVersion(ctx, vid)
	if !sameLayout(t, before.Layout(), after.Layout()) || after.State != studio.Published {
		t.Fatal("a published version changed")
	}

	// A new draft from it is editable and independent.
	draft, err := db.CreateDraftFrom(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	if draft.ID == vid || draft.Number != 2 || draft.State != studio.Draft || !sameLayout(t, before.Layout(), draft.Layout()) {
		t.Fatalf("draft %+v", draft.VersionSummary)
	}
	if err := db.DeleteControls(ctx, draft.ID, "default", []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.FindVersion(ctx, vid); v.Scene("default").Control("a") == nil {
		t.Fatal("editing the draft changed the published version")
	}
}

func TestScenesAndGroups(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	if _, err := db.CreateScene(ctx, vid, "shop"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateControl(ctx, vid, "shop", btn("buy", pos(studio.Large, 0, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGroup(ctx, vid, studio.Group{GroupID: "vip", SceneID: "shop"}); err != nil {
		t.Fatal(err)
	}
	if err := db.RenameScene(ctx, vid, "shop", "store"); err != nil {
		t.Fatal(err)
	}
	v, _ := db.FindVersion(ctx, vid)
	if v.Scene("store") == nil || v.Scene("store").Control("buy") == nil || v.Groups[1].SceneID != "store" {
		t.Fatalf("after rename: %+v %+v", v.Scenes, v.Groups)
	}
	wantCode(t, db.DeleteScene(ctx, vid, "store", "nowhere"), studio.EINVALID)
	wantCode(t, db.DeleteScene(ctx, vid, "store", "store"), studio.EINVALID)
	if err := db.DeleteScene(ctx, vid, "store", ""); err != nil { // "" = the default scene
		t.Fatal(err)
	}
	v, _ = db.FindVersion(ctx, vid)
	if len(v.Scenes) != 1 || v.Groups[1].GroupID != "vip" || v.Groups[1].SceneID != "default" {
		t.Fatalf("after delete: %+v %+v", v.Scenes, v.Groups)
	}
	var n int
	db.sql.QueryRow(`SELECT COUNT(*) FROM controls`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d controls left of a deleted scene", n)
	}
	if err := db.DeleteGroup(ctx, vid, "vip"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.DeleteGroup(ctx, vid, "vip"), studio.ENOTFOUND)
}

func TestImportExportThroughTheDatabaseIsByteIdentical(t *testing.T) {
	db, _, uid := newDraft(t)
	ctx := context.Background()
	l := studio.NewLayout("Round trip")
	j := studio.Control{ControlID: "stick", Kind: studio.KindJoystick, Position: []studio.Position{pos(studio.Large, 0, 0, 10, 10), pos(studio.Small, 0, 0, 10, 10)}}
	j.Angle, j.SampleRate = studio.Ptr(1.5), studio.Ptr[int64](50)
	b := btn("b", pos(studio.Large, 20, 0, 10, 5))
	b.Text, b.Progress, b.BackgroundColor = studio.Ptr("é \"q\""), studio.Ptr(0.3), studio.Ptr("#abc")
	b.Custom = map[string]json.RawMessage{"nested": json.RawMessage(`{"z":[1,{"a":null}],"a":true}`)}
	l.Scenes[0].Controls = []studio.Control{j, b, btn("hidden")}
	l.Scenes[0].Custom = map[string]json.RawMessage{"bg": json.RawMessage(`"#000"`)}
	l.Scenes = append(l.Scenes, studio.Scene{SceneID: "two"})
	l.Groups = append(l.Groups, studio.Group{GroupID: "g2", SceneID: "two"})
	want, err := studio.Export(l)
	if err != nil {
		t.Fatal(err)
	}
	vid, err := db.ImportLayout(ctx, uid, l)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.ExportLayout(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := studio.Export(got)
	if !bytes.Equal(want, out) {
		t.Fatalf("stored layout differs:\n%s\n---\n%s", want, out)
	}
}

func TestFindSceneSummaries(t *testing.T) {
	db, vid, _ := newDraft(t)
	ctx := context.Background()
	all := []studio.Position{pos(studio.Large, 0, 0, 10, 5), pos(studio.Medium, 0, 0, 10, 5), pos(studio.Small, 0, 0, 10, 5)}
	for _, c := range []studio.Control{btn("full", all...), btn("hidden"), btn("large-only", pos(studio.Large, 20, 0, 10, 5))} {
		if _, err := db.CreateControl(ctx, vid, "default", c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CreateScene(ctx, vid, "empty"); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindSceneSummaries(ctx, vid)
	want := []studio.SceneSummary{{SceneID: "default", Controls: 3, Missing: 2}, {SceneID: "empty"}}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v %v, want %+v", got, err, want)
	}
	if _, err := db.FindSceneSummaries(ctx, vid+9); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("missing version: %v", err)
	}
}

func TestImportOfInvalidLayoutSavesNothing(t *testing.T) {
	db, _, uid := newDraft(t)
	l := studio.NewLayout("Bad")
	l.Scenes[0].Controls = []studio.Control{btn("a", pos(studio.Large, 0, 0, 10, 5)), btn("b", pos(studio.Large, 1, 1, 10, 5))}
	_, err := db.ImportLayout(context.Background(), uid, l)
	wantCode(t, err, studio.EINVALID)
	var n int
	db.sql.QueryRow(`SELECT COUNT(*) FROM projects WHERE name = 'Bad'`).Scan(&n)
	if n != 0 {
		t.Fatal("an invalid import created a project")
	}
}

func TestLayoutForGameClient(t *testing.T) {
	db, vid, owner := newDraft(t)
	ctx := context.Background()
	other, _ := db.CreateUser(ctx, "someone")
	v, _ := db.FindVersion(ctx, vid)
	code, err := db.SetSharecode(ctx, v.ProjectID)
	if err != nil || len(code) < 8 {
		t.Fatalf("sharecode %q %v", code, err)
	}
	tests := []struct {
		name      string
		version   int64
		user      int64
		sharecode string
		want      error
	}{
		{"owner", vid, owner, "", nil},
		{"owner with a wrong code", vid, owner, "nope", nil},
		{"other user with the code", vid, other.ID, code, nil},
		{"other user without code", vid, other.ID, "", studio.ErrForbidden},
		{"other user with a wrong code", vid, other.ID, code + "x", studio.ErrForbidden},
		{"unknown version", vid + 100, owner, "", studio.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := db.LayoutForGameClient(ctx, tt.version, tt.user, tt.sharecode)
			if tt.want == nil {
				if err != nil || l.Scene("default") == nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if err := db.RevokeSharecode(ctx, v.ProjectID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LayoutForGameClient(ctx, vid, other.ID, code); !errors.Is(err, studio.ErrForbidden) {
		t.Fatalf("revoked code still works: %v", err)
	}
	if _, err := db.LayoutForGameClient(ctx, vid, other.ID, ""); !errors.Is(err, studio.ErrForbidden) {
		t.Fatalf("empty code matches no code: %v", err)
	}
}

func TestProjectOperations(t *testing.T) {
	db, vid, uid := newDraft(t)
	ctx := context.Background()
	v, _ := db.FindVersion(ctx, vid)
	if _, err := db.CreateControl(ctx, vid, "default", btn("a", pos(studio.Large, 0, 0, 10, 5))); err != nil {
		t.Fatal(err)
	}
	if err := db.RenameProject(ctx, v.ProjectID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.RenameProject(ctx, v.ProjectID, ""), studio.EINVALID)
	wantCode(t, db.RenameProject(ctx, 999, "x"), studio.ENOTFOUND)
	dup, err := db.DuplicateProject(ctx, v.ProjectID, uid)
	if err != nil {
		t.Fatal(err)
	}
	if dup.Name != "Renamed (copy)" || len(dup.Versions) != 1 || dup.Sharecode != "" {
		t.Fatalf("duplicate %+v", dup)
	}
	dv, _ := db.FindVersion(ctx, dup.Versions[0].ID)
	if dv.Scene("default").Control("a") == nil {
		t.Fatal("duplicate lost a control")
	}
	ps, _ := db.FindProjects(ctx, uid)
	if len(ps) != 2 {
		t.Fatalf("%d projects", len(ps))
	}
	if err := db.DeleteProject(ctx, v.ProjectID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindVersion(ctx, vid); !errors.Is(err, studio.ErrNotFound) {
		t.Fatalf("version of a deleted project: %v", err)
	}
	// Version ids are never reused: a stale game client cannot reach a new project.
	_, nv, err := db.CreateProject(ctx, uid, "New")
	if err != nil || nv.ID <= dv.ID {
		t.Fatalf("new version id %d after %d: %v", nv.ID, dv.ID, err)
	}
	wantCode(t, db.DeleteProject(ctx, v.ProjectID), studio.ENOTFOUND)
}

func TestStudioTimestampsComeFromTheClock(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	now := time.Date(2020, 7, 22, 12, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	u, _ := db.CreateUser(ctx, "dev")
	p, v, err := db.CreateProject(ctx, u.ID, "Clocked")
	if err != nil {
		t.Fatal(err)
	}
	if !p.CreatedAt.Equal(now) || !v.UpdatedAt.Equal(now) {
		t.Fatalf("created %v updated %v, want %v", p.CreatedAt, v.UpdatedAt, now)
	}
	now = now.Add(time.Hour)
	if _, err := db.CreateControl(ctx, v.ID, "default", btn("a")); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if err := db.PublishVersion(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindVersion(ctx, v.ID)
	p, _ = db.FindProjectByID(ctx, p.ID)
	if !got.PublishedAt.Equal(now) || !p.UpdatedAt.Equal(now) || !p.CreatedAt.Equal(now.Add(-2*time.Hour)) {
		t.Fatalf("published %v, project updated %v created %v", got.PublishedAt, p.UpdatedAt, p.CreatedAt)
	}
}
