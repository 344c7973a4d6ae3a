package persistence

import (
	"context"
	"fmt"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

// BenchmarkImportLayout50x100 imports a 5,000-control layout (the CLI's
// import, and the same path as CreateDraftFrom and DuplicateProject).
func BenchmarkImportLayout50x100(b *testing.B) {
	db, vid := bigProject(b)
	ctx := context.Background()
	l, err := db.ExportLayout(ctx, vid)
	if err != nil {
		b.Fatal(err)
	}
	var owner int64
	db.sql.QueryRow(`SELECT id FROM users LIMIT 1`).Scan(&owner)
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := db.ImportLayout(ctx, owner, l); err != nil {
			b.Fatal(err)
		}
	}
}

// bigProject imports a project of 50 scenes x 100 controls (each placed on
// all three grids, with a few properties) and returns its version id.
func bigProject(b *testing.B) (*DB, int64) {
	b.Helper()
	db := MustOpenDB(b)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	l := studio.NewLayout("Big")
	l.Scenes = nil
	for s := range 50 {
		sc := studio.Scene{SceneID: fmt.Sprintf("scene-%02d", s)}
		if s == 0 {
			sc.SceneID = studio.DefaultSceneID
		}
		for i := range 100 {
			// 3x2 buttons: 20 per row on large (80x20), 10 per row on
			// medium (45x25 holds 10x10 rows... 15 per row of 3) and small.
			c := studio.Control{ControlID: fmt.Sprintf("c%03d", i), Kind: studio.KindButton, Position: []studio.Position{
				{Size: studio.Large, X: i % 20 * 4, Y: i / 20 * 3, Width: 3, Height: 2},
				{Size: studio.Medium, X: i % 15 * 3, Y: i / 15 * 3, Width: 3, Height: 2},
				{Size: studio.Small, X: i % 10 * 3, Y: i / 10 * 3, Width: 3, Height: 2},
			}}
			c.Text, c.Cost, c.Tooltip, c.BackgroundColor = studio.Ptr(fmt.Sprintf("Button %d", i)), studio.Ptr[int64](int64(i)), studio.Ptr("press me"), studio.Ptr("#336699")
			sc.Controls = append(sc.Controls, c)
		}
		l.Scenes = append(l.Scenes, sc)
	}
	vid, err := db.ImportLayout(ctx, u.ID, l)
	if err != nil {
		b.Fatal(err)
	}
	return db, vid
}

// BenchmarkFindVersion50x100 loads a whole 5,000-control version (what the
// editor's version page and the export read).
func BenchmarkFindVersion50x100(b *testing.B) {
	db, vid := bigProject(b)
	ctx := context.Background()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		v, err := db.FindVersion(ctx, vid)
		if err != nil || len(v.Scenes) != 50 || len(v.Scenes[49].Controls) != 100 {
			b.Fatalf("%v", err)
		}
	}
}

// BenchmarkFindScene100 loads one 100-control scene of that version (what
// the editor shows at a time).
func BenchmarkFindScene100(b *testing.B) {
	db, vid := bigProject(b)
	ctx := context.Background()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		s, err := db.FindScene(ctx, vid, "scene-25")
		if err != nil || len(s.Controls) != 100 {
			b.Fatalf("%v", err)
		}
	}
}

// BenchmarkFindVersionOutline50x100 loads the version's scenes and groups
// without controls (the editor's frame around FindScene).
func BenchmarkFindVersionOutline50x100(b *testing.B) {
	db, vid := bigProject(b)
	ctx := context.Background()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		v, err := db.FindVersionOutline(ctx, vid)
		if err != nil || len(v.Scenes) != 50 || len(v.Scenes[1].Controls) != 0 {
			b.Fatalf("%v", err)
		}
	}
}

// BenchmarkFindSceneSummaries50x100 counts controls and hidden controls of
// every scene (an editor's scene tabs).
func BenchmarkFindSceneSummaries50x100(b *testing.B) {
	db, vid := bigProject(b)
	ctx := context.Background()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		ss, err := db.FindSceneSummaries(ctx, vid)
		if err != nil || len(ss) != 50 || ss[7].Controls != 100 || ss[7].Missing != 0 {
			b.Fatalf("%v %+v", err, ss)
		}
	}
}

// BenchmarkMoveControl50x100 saves one control move in that project: load
// the scene in the transaction, check the revision, validate the scene,
// write, commit.
func BenchmarkMoveControl50x100(b *testing.B) {
	db, vid := bigProject(b)
	ctx := context.Background()
	rev := int64(1)
	b.ResetTimer()
	defer reportCPU(b)()
	i := 0
	for b.Loop() {
		// c099 sits at large (76, 12); rows 15-19 are free: move it back and forth.
		y := 15 + i%2*3
		i++
		moved, err := moveControls(ctx, db, vid, "scene-25", []move{{
			ControlID: "c099", Revision: rev, Grid: studio.Large,
			Position: &studio.Position{X: 76, Y: y, Width: 3, Height: 2},
		}})
		if err != nil {
			b.Fatal(err)
		}
		rev = moved[0].Revision
	}
}
