package persistence

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

const (
	crashChildEnv = "MIXSTUDIO_CRASH_CHILD_DB"
	crashModeEnv  = "MIXSTUDIO_CRASH_CHILD_MODE" // "move" or "import"
)

// crashControls is how many controls each save moves, in one transaction.
const crashControls = 20

// TestCrashSafety kills a process with SIGKILL while it saves, over and
// over. Each save moves every control of a scene to row y = n % 18, where n
// is the revision the save gives every control (revisions count per
// version, so the first save after creating 20 controls is n = 21): a
// partial save would leave controls on different rows or with different
// revisions. After each kill the database must open, pass
// SQLite's integrity check and hold exactly the last save the child
// reported as committed (or the one after it, committed but not yet
// reported).
func TestCrashSafety(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" && os.Getenv(crashModeEnv) == "move" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("kills child processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := db.CreateUser(ctx, "dev")
	_, v, err := db.CreateProject(ctx, u.ID, "Crash")
	if err != nil {
		t.Fatal(err)
	}
	// One save: every control starts at revision 1, so save n leaves n+1.
	var all []studio.Control
	for i := range crashControls {
		all = append(all, btn(fmt.Sprintf("c%02d", i), pos(studio.Large, i*4, 0, 3, 2)))
	}
	if _, err := db.SaveControls(ctx, v.ID, "default", creates(all...)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for round := range 12 {
		// Round 0 kills the child right after its first save: the case
		// that once failed only when a loaded machine made it the last.
		last := runUntilKilled(t, "TestCrashSafety", "move", path, time.Duration(round*17%120)*time.Millisecond)
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: database does not open after SIGKILL: %v", round, err)
		}
		var check string
		db.sql.QueryRow(`PRAGMA integrity_check`).Scan(&check)
		if check != "ok" {
			t.Fatalf("round %d: integrity_check: %s", round, check)
		}
		s, err := db.FindScene(ctx, v.ID, "default")
		if err != nil {
			t.Fatal(err)
		}
		rev := s.Controls[0].Revision
		for _, c := range s.Controls {
			if c.Revision != rev || c.Position[0].Y != int(rev)%18 {
				t.Fatalf("round %d: partial save: %s at y=%d rev %d, %s at y=%d rev %d",
					round, s.Controls[0].ControlID, s.Controls[0].Position[0].Y, rev, c.ControlID, c.Position[0].Y, c.Revision)
			}
		}
		// A save is numbered by the revision it leaves.
		if last >= 0 && rev != last && rev != last+1 {
			t.Fatalf("round %d: child reported save %d committed, database holds save %d", round, last, rev)
		}
		t.Logf("round %d: child committed up to %d, database holds %d", round, last, rev)
		db.Close()
	}
}

// runUntilKilled starts the child, lets it save for d (after its first
// save), kills it and returns the last save it reported committed.
func runUntilKilled(t *testing.T, test, mode, path string, d time.Duration) int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path, crashModeEnv+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan int64, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, err := strconv.ParseInt(strings.TrimPrefix(sc.Text(), "saved "), 10, 64); err == nil {
				lines <- n
			}
		}
		close(lines)
	}()
	last := int64(-1)
	select {
	case n, ok := <-lines:
		if !ok {
			t.Fatal("child exited before saving")
		}
		last = n
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child never saved")
	}
	deadline := time.After(d)
loop:
	for {
		select {
		case n, ok := <-lines:
			if !ok {
				break loop
			}
			last = n
		case <-deadline:
			break loop
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for n := range lines { // what it printed before dying was committed
		last = n
	}
	cmd.Wait()
	return last
}

// crashChild saves forever, printing each save's number once committed.
func crashChild(path string) {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	var versionID int64
	db.sql.QueryRow(`SELECT id FROM versions LIMIT 1`).Scan(&versionID)
	for {
		s, err := db.FindScene(ctx, versionID, "default")
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		// This save's number is the revision it gives every control: one
		// past the version's counter, which the last save (or, before the
		// first, the layout's creation) left on every control it wrote.
		var n int64
		for _, c := range s.Controls {
			n = max(n, c.Revision+1)
		}
		moves := make([]move, len(s.Controls))
		for i, c := range s.Controls {
			p := c.Position[0]
			p.Y = int(n) % 18
			moves[i] = move{ControlID: c.ControlID, Revision: c.Revision, Grid: studio.Large, Position: &p}
		}
		if _, err := moveControls(ctx, db, versionID, "default", moves); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		fmt.Printf("saved %d\n", n)
	}
}

// crashImportLayout is what the import child saves: 10 scenes x 30 controls.
func crashImportLayout() studio.Layout {
	l := studio.NewLayout("Crash import")
	for s := range 10 {
		sc := &l.Scenes[0]
		if s > 0 {
			l.Scenes = append(l.Scenes, studio.Scene{SceneID: fmt.Sprintf("s%d", s)})
			sc = &l.Scenes[len(l.Scenes)-1]
		}
		for i := range 30 {
			sc.Controls = append(sc.Controls, btn(fmt.Sprintf("c%02d", i), pos(studio.Large, i%20*4, i/20*3, 3, 2)))
		}
	}
	return l
}

// TestCrashSafetyDuringImport kills a process importing big layouts (one
// transaction of 300 controls each): every project in the database must be
// complete, never half-imported, and every import reported done must be there.
func TestCrashSafetyDuringImport(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" && os.Getenv(crashModeEnv) == "import" {
		crashImportChild(path)
		return
	}
	if testing.Short() {
		t.Skip("kills child processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash-import.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.CreateUser(ctx, "dev")
	db.Close()
	want, _ := studio.Export(crashImportLayout())
	for round := range 6 {
		last := runUntilKilled(t, "TestCrashSafetyDuringImport", "import", path, time.Duration(40+round*23)*time.Millisecond)
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: database does not open after SIGKILL: %v", round, err)
		}
		var check string
		db.sql.QueryRow(`PRAGMA integrity_check`).Scan(&check)
		if check != "ok" {
			t.Fatalf("round %d: integrity_check: %s", round, check)
		}
		rows, _ := db.sql.Query(`SELECT id FROM versions ORDER BY id`)
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			l, err := db.ExportLayout(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := studio.Export(l); string(got) != string(want) {
				t.Fatalf("round %d: version %d is not the whole layout", round, id)
			}
		}
		if last >= 0 && (len(ids) == 0 || ids[len(ids)-1] < last) {
			t.Fatalf("round %d: version %d was reported imported but is missing (have %v)", round, last, ids)
		}
		var projects int
		db.sql.QueryRow(`SELECT COUNT(*) FROM projects`).Scan(&projects)
		if projects != len(ids) {
			t.Fatalf("round %d: %d projects for %d versions", round, projects, len(ids))
		}
		t.Logf("round %d: %d complete imports, last reported %d", round, len(ids), last)
		db.Close()
	}
}

// crashImportChild imports forever, printing each new version id once committed.
func crashImportChild(path string) {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	var owner int64
	db.sql.QueryRow(`SELECT id FROM users LIMIT 1`).Scan(&owner)
	l := crashImportLayout()
	for {
		id, err := db.ImportLayout(ctx, owner, l)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		fmt.Printf("saved %d\n", id)
	}
}
