package persistence

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mixstudio/mixstudio/migrations"
	"github.com/mixstudio/mixstudio/studio"
)

// TestMigration0005BackfillsRevisionsAndMissing opens a database written
// before 0005 (schema 0001-0004, a draft whose controls reached revision 7
// and a published version) and checks what 0005 computes for them: the
// draft's revision counter goes on from 7, every control's missing flag
// matches its positions, and published controls stay immutable.
func TestMigration0005BackfillsRevisionsAndMissing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	known, err := listMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range known {
		if m.version >= 5 {
			continue
		}
		body, err := fs.ReadFile(migrations.FS, m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if _, err := old.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, m.version, m.name); err != nil {
			t.Fatal(err)
		}
	}
	three := `[{"size":"large","width":2,"height":1,"x":0,"y":0},{"size":"medium","width":2,"height":1,"x":0,"y":0},{"size":"small","width":2,"height":1,"x":0,"y":0}]`
	two := `[{"size":"large","width":70,"height":10,"x":10,"y":10},{"size":"medium","width":35,"height":15,"x":10,"y":10}]`
	for _, q := range []string{
		`INSERT INTO users(id, username, level, channel_id, created_at) VALUES (1, 'dev', 0, 1001, 0)`,
		`INSERT INTO projects(id, owner_user_id, name, created_at, updated_at) VALUES (1, 1, 'Old', 0, 0)`,
		`INSERT INTO versions(id, project_id, number, state, published_at, created_at, updated_at) VALUES (1, 1, 1, 'draft', NULL, 0, 0)`,
		`INSERT INTO scenes(id, version_id, scene_id, ord) VALUES (1, 1, 'default', 0)`,
		`INSERT INTO participant_groups(version_id, group_id, scene_ref, ord) VALUES (1, 'default', 1, 0)`,
		`INSERT INTO controls(scene_ref, control_id, kind, ord, positions, revision) VALUES (1, 'all', 'label', 0, '` + three + `', 3)`,
		`INSERT INTO controls(scene_ref, control_id, kind, ord, positions, revision) VALUES (1, 'two', 'button', 1, '` + two + `', 7)`,
		`INSERT INTO controls(scene_ref, control_id, kind, ord, positions, revision) VALUES (1, 'none', 'label', 2, '[]', 1)`,
		`INSERT INTO versions(id, project_id, number, state, published_at, created_at, updated_at) VALUES (2, 1, 2, 'draft', NULL, 0, 0)`,
		`INSERT INTO scenes(id, version_id, scene_id, ord) VALUES (2, 2, 'default', 0)`,
		`INSERT INTO participant_groups(version_id, group_id, scene_ref, ord) VALUES (2, 'default', 2, 0)`,
		`INSERT INTO controls(scene_ref, control_id, kind, ord, positions, revision) VALUES (2, 'two', 'button', 0, '` + two + `', 1)`,
		`UPDATE versions SET state = 'published', published_at = 1 WHERE id = 2`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for vid, want := range map[int64]studio.SceneSummary{1: {SceneID: "default", Controls: 3, Missing: 2}, 2: {SceneID: "default", Controls: 1, Missing: 1}} {
		sums, err := db.FindSceneSummaries(ctx, vid)
		if err != nil || len(sums) != 1 || sums[0] != want {
			t.Fatalf("version %d after 0005: %+v %v, want %+v", vid, sums, err, want)
		}
	}
	_, err = db.SQL().Exec(`UPDATE controls SET props = '{}' WHERE scene_ref = 2`)
	if err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("a published control changed after 0005: %v", err)
	}
	moved, err := moveControls(ctx, db, 1, "default", []move{{ControlID: "all", Revision: 3, Grid: studio.Small}})
	if err != nil {
		t.Fatal(err)
	}
	if moved[0].Revision != 8 {
		t.Fatalf("first save after 0005 gave revision %d; the draft's controls had reached 7", moved[0].Revision)
	}
}
