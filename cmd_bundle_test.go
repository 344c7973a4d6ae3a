package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestBundleUploadAndRemove(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "m.db")
	layout := filepath.Join(dir, "in.json")
	os.WriteFile(layout, []byte(`{"scenes":[{"sceneID":"default","controls":[
		{"controlID":"board","kind":"draw-board","position":[{"size":"large","width":20,"height":10,"x":0,"y":0}]}]}]}`), 0o644)
	stdout, stderr, err := runCLI(t, "import", layout, "--db", dbPath)
	if err != nil || !strings.Contains(stderr, "control bundle") {
		t.Fatalf("import of custom kinds: %v, warnings %q", err, stderr)
	}
	id := strings.TrimSpace(stdout)

	built := filepath.Join(dir, "dist")
	os.MkdirAll(built, 0o755)
	if _, _, err := runCLI(t, "bundle", "upload", id, built, "--db", dbPath); err == nil || !strings.Contains(err.Error(), "index.html") {
		t.Fatalf("empty folder: %v", err)
	}
	os.WriteFile(filepath.Join(built, "index.html"), []byte("<script src=./scripts.js></script>"), 0o644)
	os.WriteFile(filepath.Join(built, "scripts.js"), []byte("mixer.isLoaded()"), 0o644)
	os.WriteFile(filepath.Join(built, "package.json"), []byte(`{"name":"board","version":"2.0.0"}`), 0o644)
	stdout, _, err = runCLI(t, "bundle", "upload", "--db", dbPath, id, built)
	if err != nil || !strings.Contains(stdout, "board@2.0.0, 3 files") {
		t.Fatalf("upload: %v %q", err, stdout)
	}
	if _, stderr, err := runCLI(t, "export", id, "--db", dbPath); err != nil || !strings.Contains(stderr, "board@2.0.0") {
		t.Fatalf("export note: %v %q", err, stderr)
	}
	if _, _, err := runCLI(t, "bundle", "remove", id, "--db", dbPath); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "bundle", "remove", id, "--db", dbPath); err == nil || !strings.Contains(err.Error(), "no control bundle") {
		t.Fatalf("second remove: %v", err)
	}
	if _, _, err := runCLI(t, "bundle", "upload", strconv.Itoa(999), built, "--db", dbPath); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unknown version: %v", err)
	}
	if _, _, err := runCLI(t, "bundle", "nope"); err == nil {
		t.Fatal("unknown subcommand accepted")
	}
}
