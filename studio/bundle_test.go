package studio

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadBundleZipStripsTheTopFolderAndHiddenFiles(t *testing.T) {
	b, err := ReadBundleZip(zipOf(t, map[string]string{
		"dist/index.html":     "<!doctype html>",
		"dist/scripts.js":     "mixer.isLoaded()",
		"dist/package.json":   `{"name":"map","version":"1.2.0"}`,
		"dist/.DS_Store":      "x",
		"__MACOSX/dist/._x":   "x",
		"dist/assets/a/b.png": "png",
		"dist/.git/config":    "secret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range b.Files {
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, " "); got != "assets/a/b.png index.html package.json scripts.js" {
		t.Fatalf("files %q", got)
	}
	if info := b.Info(); info.Label() != "map@1.2.0" || info.Files != 4 || len(info.Digest) != 64 {
		t.Fatalf("info %+v", info)
	}
}

func TestBundleRefusals(t *testing.T) {
	big := strings.Repeat("x", MaxBundleBytes/2+1)
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no index", map[string]string{"app.js": "x"}, "no index.html"},
		{"index in a nested folder only", map[string]string{"a/b/index.html": "x"}, "no index.html"},
		{"escaping path", map[string]string{"index.html": "x", "../evil.js": "x"}, "outside the bundle"},
		{"absolute path", map[string]string{"index.html": "x", "/etc/passwd": "x"}, "outside the bundle"},
		{"backslash", map[string]string{"index.html": "x", `a\b.js`: "x"}, `"\"`},
		{"too big", map[string]string{"index.html": big, "b.js": big}, "more than"},
		{"std from Mixer's gone CDN", map[string]string{"index.html": `<script src="https://mixercc.azureedge.net/lib/std-v0.2.js"></script>`}, "Mixer's CDN"},
		{"manifest not an object", map[string]string{"index.html": "x", "package.json": "[1]"}, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadBundleZip(zipOf(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) || ErrorCode(err) != EINVALID {
				t.Fatalf("want %q, got %v", tt.want, err)
			}
		})
	}
	many := map[string][]byte{"index.html": nil}
	for i := 0; i <= MaxBundleFiles; i++ {
		many[strings.Repeat("f", 1+i%50)+"/"+string(rune('a'+i%26))+string(rune('a'+i/26))] = nil
	}
	if _, err := NewBundle(many); err == nil || !strings.Contains(err.Error(), "files") {
		t.Fatalf("too many files: %v", err)
	}
	if _, err := ReadBundleZip([]byte("not a zip")); ErrorCode(err) != EINVALID {
		t.Fatalf("not a zip: %v", err)
	}
}

// A zip bomb: a small archive whose entry inflates past the limit is
// refused without holding more than the limit.
func TestReadBundleZipRefusesABomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("index.html")
	chunk := make([]byte, 1<<20)
	for i := 0; i < MaxBundleBytes>>20+2; i++ {
		w.Write(chunk)
	}
	zw.Close()
	if buf.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", buf.Len())
	}
	if _, err := ReadBundleZip(buf.Bytes()); err == nil || !strings.Contains(err.Error(), "uncompressed") {
		t.Fatalf("bomb: %v", err)
	}
}

func TestReadBundlePathReadsAFolder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "img"), 0o755)
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hi"), 0o644)
	os.WriteFile(filepath.Join(dir, "img", "a.svg"), []byte("<svg/>"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".cache"), 0o755)
	os.WriteFile(filepath.Join(dir, ".cache", "x"), []byte("x"), 0o644)
	b, err := ReadBundlePath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Files) != 2 || b.Files[0].Path != "img/a.svg" {
		t.Fatalf("files %+v", b.Files)
	}
	if f, ok := b.File("index.html"); !ok || string(f.Content) != "<p>hi" {
		t.Fatal("index.html missing")
	}
	if _, err := ReadBundlePath(filepath.Join(dir, "img")); err == nil {
		t.Fatal("a folder without index.html was read")
	}
}

func TestCustomKindsNeedABundle(t *testing.T) {
	s := Scene{SceneID: "default", Controls: []Control{{ControlID: "map", Kind: "world-map", Custom: nil}}}
	if err := s.Validate(); err != nil {
		t.Fatalf("a custom kind is a valid control: %v", err)
	}
	err := s.CheckBundle(false)
	ve, ok := err.(*ValidationError)
	if !ok || len(ve.Problems) != 1 || ve.Problems[0].Field != "kind" || ve.Problems[0].ControlID != "map" ||
		!strings.Contains(ve.Problems[0].Message, "control bundle") {
		t.Fatalf("want a problem at the kind field, got %v", err)
	}
	if err := s.CheckBundle(true); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"", "a b", "button", strings.Repeat("k", 65), "<script>"} {
		if ValidCustomKind(k) {
			t.Errorf("%q accepted as a custom kind", k)
		}
	}
}

func FuzzReadBundleZip(f *testing.F) {
	f.Add(zipOf(f, map[string]string{"index.html": "x", "a/b.js": "y"}))
	f.Add(zipOf(f, map[string]string{"dist/index.html": "x", "dist/package.json": `{"name":1}`}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadBundleZip(data)
		if err != nil {
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("a read bundle does not validate: %v", err)
		}
		b.Info()
	})
}
