package web

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func bundleZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, _ := zw.Create(name)
		w.Write([]byte(content))
	}
	zw.Close()
	return buf.Bytes()
}

// The studio's bundle page uploads a zip; its files are then served
// sandboxed under their digest; the palette's custom kind works only with
// a bundle, and says why not at the field otherwise.
func TestStudioBundleUploadServesSandboxedFiles(t *testing.T) {
	s := newTestServer(t)
	base := newProject(t, s, "Board game")
	h := s.Handler()

	// Without a bundle: the custom-kind field explains, and refuses.
	d := doc(t, get(t, h, base))
	if d.Find(testid("custom-kind-why")).Length() != 1 || d.Find(testid("custom-kind")).AttrOr("disabled", "x") == "x" {
		t.Fatal("the palette does not say why custom kinds are unavailable")
	}
	rec := studioPost(t, h, base+"/controls", url.Values{"kind": {"board"}, "custom": {"1"}, "scene": {"default"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(doc(t, rec).Find(testid("custom-kind-error")).Text(), "control bundle") {
		t.Fatalf("custom kind without a bundle: %d %s", rec.Code, doc(t, rec).Find(testid("custom-kind-error")).Text())
	}
	if sc := savedScene(t, s, base, "default"); len(sc.Controls) != 0 {
		t.Fatal("a refused custom control was saved")
	}

	// Bad uploads say why, on the page.
	rec = studioUpload(t, h, base+"/bundle", "bundle", "b.zip", bundleZip(t, map[string]string{"app.js": "x"}))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(doc(t, rec).Find(testid("bundle-error")).Text(), "index.html") {
		t.Fatalf("bundle without index: %d %s", rec.Code, rec.Body.String())
	}
	rec = studioUpload(t, h, base+"/bundle", "bundle", "b.zip", []byte("not a zip"))
	if rec.Code != http.StatusUnprocessableEntity || doc(t, rec).Find(testid("bundle-error")).Length() != 1 {
		t.Fatalf("not a zip: %d", rec.Code)
	}

	rec = studioUpload(t, h, base+"/bundle", "bundle", "b.zip", bundleZip(t, map[string]string{
		"dist/index.html":   `<script src="./std.js"></script><p>board</p>`,
		"dist/std.js":       "var mixer = {}",
		"dist/img/a.png":    "\x89PNG",
		"dist/package.json": `{"name":"board","version":"1.0.0"}`,
	}))
	d = doc(t, rec)
	if rec.Code != http.StatusOK || d.Find(testid("bundle-label")).Text() != "board@1.0.0" {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	addr := d.Find(testid("bundle-open")).AttrOr("href", "")
	if !strings.HasPrefix(addr, "/bundles/") || !strings.HasSuffix(addr, "/index.html") {
		t.Fatalf("bundle address %q", addr)
	}

	// Served with its own sandboxing policy, to anyone with the address.
	anon := New(s.cfg, s.db).Handler()
	rec = get(t, anon, addr)
	csp := rec.Header().Get("Content-Security-Policy")
	if rec.Code != http.StatusOK || !strings.HasPrefix(csp, "sandbox allow-scripts;") || strings.Contains(csp, "allow-same-origin") ||
		!strings.Contains(csp, "connect-src 'none'") || rec.Header().Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), "<p>board</p>") {
		t.Fatalf("index: %d %q %v", rec.Code, csp, rec.Header())
	}
	dir := strings.TrimSuffix(addr, "index.html")
	if rec := get(t, anon, dir+"img/a.png"); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("png: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, bad := range []string{dir + "missing.js", dir + "../index.html", dir + "%2e%2e/index.html",
		strings.Replace(addr, "/bundles/", "/bundles/999/", 1), "/bundles/1/" + strings.Repeat("0", 64) + "/index.html"} {
		if rec := get(t, anon, bad); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", bad, rec.Code)
		}
	}

	// With the bundle: a custom kind goes on the grid like any control.
	rec = studioPost(t, h, base+"/controls", url.Values{"kind": {"board"}, "custom": {"1"}, "scene": {"default"}, "grid": {"large"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("add custom kind: %d %s", rec.Code, doc(t, rec).Find(testid("custom-kind-error")).Text())
	}
	sc := savedScene(t, s, base, "default")
	if len(sc.Controls) != 1 || sc.Controls[0].Kind != "board" || len(sc.Controls[0].Position) != 3 {
		t.Fatalf("saved %+v", sc.Controls)
	}
	rec = studioPost(t, h, base+"/controls", url.Values{"kind": {"bo ard"}, "custom": {"1"}, "scene": {"default"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(doc(t, rec).Find(testid("custom-kind-error")).Text(), "not a kind") {
		t.Fatalf("bad custom kind: %d", rec.Code)
	}

	// Removing the bundle: the page says so; the old address is gone.
	rec = studioPost(t, h, base+"/bundle/delete", url.Values{})
	if rec.Code != http.StatusOK || doc(t, rec).Find(testid("bundle-none")).Length() != 1 {
		t.Fatalf("delete: %d", rec.Code)
	}
	if rec := get(t, anon, addr); rec.Code != http.StatusNotFound {
		t.Fatalf("removed bundle still served: %d", rec.Code)
	}
	// Publishing now refuses the custom control that has no bundle.
	rec = studioPost(t, h, base+"/publish", url.Values{})
	if rec.Code == http.StatusOK && !strings.Contains(rec.Body.String(), "control bundle") {
		t.Fatalf("publish without bundle: %d", rec.Code)
	}
	if v, _ := s.db.FindVersionOutline(t.Context(), versionOf(t, base)); v.State != studio.Draft {
		t.Fatal("a version with a custom kind and no bundle was published")
	}
}
