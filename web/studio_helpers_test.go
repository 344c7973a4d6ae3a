package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/mixstudio/mixstudio/studio"
)

// studioPost posts a form as the editor's HTMX requests do (same-origin,
// so the CSRF check passes as it does for a real page).
func studioPost(tb testing.TB, h http.Handler, path string, form url.Values) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// studioUpload posts a multipart form with one file.
func studioUpload(tb testing.TB, h http.Handler, path, field, filename string, data []byte) *httptest.ResponseRecorder {
	tb.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, err := w.CreateFormFile(field, filename)
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func doc(tb testing.TB, rec *httptest.ResponseRecorder) *goquery.Document {
	tb.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func testid(id string) string { return `[data-testid="` + id + `"]` }

// newProject creates a project through the handler and returns the base
// URL of its draft's editor.
func newProject(tb testing.TB, s *Server, name string) string {
	tb.Helper()
	rec := studioPost(tb, s.Handler(), "/studio/projects", url.Values{"name": {name}})
	loc := rec.Header().Get("HX-Redirect")
	if rec.Code != http.StatusNoContent || !strings.HasPrefix(loc, "/studio/versions/") {
		tb.Fatalf("create project: %d %q %s", rec.Code, loc, rec.Body.String())
	}
	return loc
}

func versionOf(tb testing.TB, base string) int64 {
	tb.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(base, "/studio/versions/"), 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// savedScene reads a scene as stored.
func savedScene(tb testing.TB, s *Server, base, sceneID string) studio.Scene {
	tb.Helper()
	sc, err := s.db.FindScene(context.Background(), versionOf(tb, base), sceneID)
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// addControl adds a control of kind to the default scene and returns it.
func addControl(tb testing.TB, s *Server, base, kind string) studio.Control {
	tb.Helper()
	before := savedScene(tb, s, base, studio.DefaultSceneID)
	rec := studioPost(tb, s.Handler(), base+"/controls", url.Values{"kind": {kind}, "scene": {"default"}, "grid": {"large"}})
	if rec.Code != http.StatusOK {
		tb.Fatalf("add %s: %d %s", kind, rec.Code, rec.Body.String())
	}
	after := savedScene(tb, s, base, studio.DefaultSceneID)
	for _, c := range after.Controls {
		if before.Control(c.ControlID) == nil {
			return c
		}
	}
	tb.Fatalf("add %s saved no control", kind)
	return studio.Control{}
}

var historyRe = regexp.MustCompile(`<template data-history="([a-z]+)" data-entry="([^"]*)"`)

// historyOf returns the undo entry an answer carries (and its kind).
func historyOf(tb testing.TB, rec *httptest.ResponseRecorder) (kind, entry string) {
	tb.Helper()
	m := historyRe.FindStringSubmatch(rec.Body.String())
	if m == nil {
		tb.Fatalf("the answer carries no undo entry: %s", rec.Body.String())
	}
	return m[1], html.UnescapeString(m[2])
}

func moveForm(c studio.Control, grid string, x, y, w, h int) url.Values {
	moves, _ := json.Marshal([]moveRequest{{ControlID: c.ControlID, Revision: c.Revision, X: x, Y: y, Width: w, Height: h}})
	return url.Values{"moves": {string(moves)}, "scene": {"default"}, "grid": {grid}}
}

func positionOn(tb testing.TB, c *studio.Control, grid string) studio.Position {
	tb.Helper()
	if c == nil {
		tb.Fatal("no such control")
	}
	p, ok := c.PositionOn(grid)
	if !ok {
		tb.Fatalf("control %q has no %s position", c.ControlID, grid)
	}
	return p
}
