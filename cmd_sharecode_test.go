package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mixstudio/mixstudio/persistence"
)

// The share code contract (DESIGN.md): print (drawing one if needed),
// --rotate, --revoke; the store's LayoutForGameClient is what the
// handshake asks, so it tells whether another user may run the version.
func TestSharecodePrintsRotatesAndRevokes(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "m.db")
	in := filepath.Join(dir, "in.json")
	if err := os.WriteFile(in, []byte(sampleLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runCLI(t, "import", in, "--db", dbPath)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	version := strings.TrimSpace(stdout)
	vid, _ := strconv.ParseInt(version, 10, 64)

	code := func(args ...string) string {
		t.Helper()
		out, stderr, err := runCLI(t, append([]string{"sharecode", version, "--db", dbPath}, args...)...)
		if err != nil {
			t.Fatalf("sharecode %v: %v\n%s", args, err, stderr)
		}
		return strings.TrimSpace(out)
	}
	first := code()
	if len(first) < 8 || strings.ContainsAny(first, " \n") {
		t.Fatalf("sharecode printed %q", first)
	}
	if again := code(); again != first {
		t.Fatalf("a second print changed the code: %q, then %q", first, again)
	}
	guestCanRun := func(sharecode string) bool {
		t.Helper()
		ctx := context.Background()
		db, err := persistence.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		guest, err := db.EnsureUser(ctx, "guest")
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.LayoutForGameClient(ctx, vid, guest.ID, sharecode)
		return err == nil
	}
	if !guestCanRun(first) || guestCanRun("") || guestCanRun("wrong") {
		t.Fatal("the printed code does not (alone) let another user run the version")
	}
	rotated := code("--rotate")
	if rotated == first || len(rotated) < 8 {
		t.Fatalf("--rotate printed %q after %q", rotated, first)
	}
	if guestCanRun(first) || !guestCanRun(rotated) {
		t.Fatal("after --rotate the old code still works or the new one does not")
	}
	if out := code("--revoke"); out != "" {
		t.Fatalf("--revoke printed %q on stdout", out)
	}
	if guestCanRun(rotated) {
		t.Fatal("a revoked code still works")
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sharecode", "--db", dbPath}, "want one VERSION_ID"},
		{[]string{"sharecode", "x", "--db", dbPath}, "positive number"},
		{[]string{"sharecode", "999", "--db", dbPath}, "999"},
		{[]string{"sharecode", version, "--db", dbPath, "--rotate", "--revoke"}, "cannot go together"},
		{[]string{"sharecode", version, "--db", filepath.Join(dir, "none.db")}, "none.db"},
	} {
		if _, _, err := runCLI(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}
