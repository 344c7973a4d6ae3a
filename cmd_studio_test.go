package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const sampleLayout = `{
  "format": "mixstudio/1",
  "name": "CLI test",
  "scenes": [
    {
      "sceneID": "default",
      "controls": [
        {
          "controlID": "fire",
          "kind": "button",
          "position": [
            {
              "size": "large",
              "width": 10,
              "height": 5,
              "x": 0,
              "y": 0
            }
          ],
          "text": "Fire",
          "cost": 5,
          "sound": "boom"
        }
      ]
    }
  ],
  "groups": [
    {
      "groupID": "default",
      "sceneID": "default"
    }
  ]
}
`

func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestImportThenExportGivesTheSameFile(t *testing.T) {
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
	id, err := strconv.ParseInt(strings.TrimSpace(stdout), 10, 64)
	if err != nil || id <= 0 {
		t.Fatalf("import printed %q, want a version ID", stdout)
	}
	if stderr != "" {
		t.Fatalf("unexpected warnings: %s", stderr)
	}
	out := filepath.Join(dir, "out.json")
	if _, stderr, err := runCLI(t, "export", "--db", dbPath, strconv.FormatInt(id, 10), "-o", out); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	got, _ := os.ReadFile(out)
	if string(got) != sampleLayout {
		t.Fatalf("export differs from the imported file:\n%s\n---\n%s", got, sampleLayout)
	}
	// To stdout as well; and a second import of the export gives a new version.
	stdout, _, err = runCLI(t, "export", strconv.FormatInt(id, 10), "--db", dbPath)
	if err != nil || stdout != sampleLayout {
		t.Fatalf("export to stdout: %v\n%s", err, stdout)
	}
	stdout, _, err = runCLI(t, "import", "--db", dbPath, out)
	if err != nil || strings.TrimSpace(stdout) == strconv.FormatInt(id, 10) {
		t.Fatalf("second import: %v %q", err, stdout)
	}
}

func TestImportReportsWarningsAndProblems(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "m.db")
	firebot := filepath.Join(dir, "firebot.json")
	os.WriteFile(firebot, []byte(`{"name":"FB","defaultSceneId":"s1","scenes":[{"id":"s1","name":"Main","controls":[
		{"id":"c1","name":"Horn","kind":"button","active":true,"position":[{"size":"large","width":10,"height":5,"x":0,"y":0}],
		 "mixplay":{"text":"Horn","cooldown":30},"effects":{"list":[{"type":"firebot:chat","message":"hi"}]}}]}]}`), 0o644)
	stdout, stderr, err := runCLI(t, "import", firebot, "--db", dbPath)
	if err != nil || strings.TrimSpace(stdout) == "" {
		t.Fatalf("firebot import: %v", err)
	}
	// The effect without an equivalent is a warning; the 30 s cooldown is
	// carried over as a cooldown reaction, not warned about.
	if !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, "firebot:chat") || strings.Contains(stderr, "cooldown") {
		t.Fatalf("warnings on stderr: %q", stderr)
	}
	exported, _, err := runCLI(t, "export", strings.TrimSpace(stdout), "--db", dbPath)
	if err != nil || !strings.Contains(exported, `"kind": "cooldown"`) || !strings.Contains(exported, `"seconds": 30`) {
		t.Fatalf("the Firebot cooldown is not a reaction in the export: %v\n%s", err, exported)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"scenes":[{"sceneID":"default","controls":[
		{"controlID":"a","kind":"button","progress":2,"position":[{"size":"large","width":10,"height":5,"x":0,"y":0}]},
		{"controlID":"b","kind":"button","position":[{"size":"large","width":10,"height":5,"x":5,"y":0}]}]}]}`), 0o644)
	stdout, stderr, err = runCLI(t, "import", bad, "--db", dbPath)
	if err == nil || stdout != "" || !strings.Contains(err.Error(), "2 problems") {
		t.Fatalf("invalid import: err %v stdout %q", err, stdout)
	}
	if !strings.Contains(stderr, `control "a", field progress`) || !strings.Contains(stderr, `control "b", large grid, field position: overlaps control "a"`) {
		t.Fatalf("problems not listed: %q", stderr)
	}

	for _, args := range [][]string{
		{"import", filepath.Join(dir, "missing.json"), "--db", dbPath},
		{"import", "--db", dbPath},
		{"export", "abc", "--db", dbPath},
		{"export", "99999", "--db", dbPath},
		{"export", "1", "--db", filepath.Join(dir, "nope.db")},
	} {
		if _, _, err := runCLI(t, args...); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); err == nil {
		t.Error("export created a database that did not exist")
	}
}

func TestReadLimitedRefusesLargeFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.json")
	os.WriteFile(path, bytes.Repeat([]byte("x"), 101), 0o644)
	if _, err := readLimited(path, 100); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Fatalf("101 bytes with a 100-byte limit: %v", err)
	}
	if data, err := readLimited(path, 101); err != nil || len(data) != 101 {
		t.Fatalf("at the limit: %d bytes, %v", len(data), err)
	}
}
