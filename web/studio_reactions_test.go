package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func TestReactionsPanelAddsExplainsAndRefuses(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Soundboard")
	horn := addControl(t, s, base, "button")
	form := func(kv ...string) url.Values {
		v := url.Values{"control": {horn.ControlID}, "scene": {"default"}, "revision": {"0"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	// The properties panel loads the reactions panel beside it.
	rec := get(t, h, base+"/properties?control="+horn.ControlID+"&scene=default")
	if doc(t, rec).Find(testid("reactions-loading")).Length() != 1 {
		t.Fatalf("no reactions loader in the properties panel:\n%s", rec.Body.String())
	}
	rec = get(t, h, base+"/reactions?control="+horn.ControlID+"&scene=default&kind=alert")
	d := doc(t, rec)
	if d.Find(testid("reactions-none")).Length() != 1 || d.Find(testid("reaction-text")).Length() != 1 {
		t.Fatalf("empty panel with the alert form:\n%s", rec.Body.String())
	}

	// Bad input is refused at the form, in words, and nothing is saved.
	rec = studioPost(t, h, base+"/reactions", form("kind", "alert", "text", "{user} pressed", "seconds", "3"))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(doc(t, rec).Find(testid("reactions-error")).Text(), "unknown placeholder {user}") {
		t.Fatalf("bad placeholder: %d\n%s", rec.Code, rec.Body.String())
	}
	rec = studioPost(t, h, base+"/reactions", form("kind", "cooldown", "seconds", "five"))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(doc(t, rec).Find(testid("reactions-error")).Text(), "must be a number") {
		t.Fatalf("bad seconds: %d\n%s", rec.Code, rec.Body.String())
	}

	rec = studioPost(t, h, base+"/reactions", form("kind", "cooldown", "seconds", "5", "group", "sounds"))
	if rec.Code != http.StatusOK {
		t.Fatalf("add cooldown: %d\n%s", rec.Code, rec.Body.String())
	}
	items := doc(t, rec).Find(testid("reaction"))
	if items.Length() != 1 || !strings.Contains(items.Text(), "Cool down every control of group “sounds” for 5 s") {
		t.Fatalf("listed: %q", items.Text())
	}
	// A stale revision (another tab saved first) is refused.
	rec = studioPost(t, h, base+"/reactions", form("kind", "alert", "text", "hi"))
	if rec.Code != http.StatusConflict {
		t.Fatalf("stale save: %d\n%s", rec.Code, rec.Body.String())
	}
	rec = studioPost(t, h, base+"/reactions", form("kind", "alert", "text", "{username} honks", "revision", "1"))
	if rec.Code != http.StatusOK || doc(t, rec).Find(testid("reaction")).Length() != 2 {
		t.Fatalf("add alert: %d\n%s", rec.Code, rec.Body.String())
	}

	// Saved with the version and exported as format 2.
	rec = get(t, h, base+"/export")
	if !strings.Contains(rec.Body.String(), `"format": "mixstudio/2"`) || !strings.Contains(rec.Body.String(), `"text": "{username} honks"`) {
		t.Fatalf("export:\n%s", rec.Body.String())
	}
	l, _, err := studio.Import(rec.Body.Bytes())
	if err != nil || len(l.Reactions) != 2 {
		t.Fatalf("re-import: %v %+v", err, l.Reactions)
	}

	rec = studioPost(t, h, base+"/reactions", form("action", "delete", "index", "0", "revision", "2"))
	if rec.Code != http.StatusOK || doc(t, rec).Find(testid("reaction")).Length() != 1 {
		t.Fatalf("delete: %d\n%s", rec.Code, rec.Body.String())
	}

	// Files for alerts: images and sounds only.
	rec = studioUpload(t, h, base+"/files?control="+horn.ControlID+"&scene=default", "file", "page.html", []byte("<script>"))
	if rec.Code != http.StatusUnprocessableEntity || doc(t, rec).Find(testid("file-error")).Length() != 1 {
		t.Fatalf("html upload: %d\n%s", rec.Code, rec.Body.String())
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	rec = studioUpload(t, h, base+"/files?control="+horn.ControlID+"&scene=default", "file", "horn.png", png)
	if rec.Code != http.StatusOK || !strings.Contains(doc(t, rec).Find(testid("files")).Text(), "horn.png") {
		t.Fatalf("png upload: %d\n%s", rec.Code, rec.Body.String())
	}
	// A sound of 2 MB fits (the studio's usual 1 MB cap does not apply).
	big := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 2<<20)...)
	rec = studioUpload(t, h, base+"/files?control="+horn.ControlID+"&scene=default", "file", "long.mp3", big)
	if rec.Code != http.StatusOK {
		t.Fatalf("2 MB sound: %d\n%s", rec.Code, rec.Body.String())
	}
	files, _ := s.db.ListVersionFiles(context.Background(), versionOf(t, base))
	if len(files) != 2 || files[0].ContentType != "image/png" || files[1].ContentType != "audio/mpeg" {
		t.Fatalf("files: %+v", files)
	}
}
