package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// Control bundles on the web: the studio's bundle page (upload, remove),
// the files served to the play page's sandboxed frame, and where the play
// page finds the bundle of the channel's running version.

// BundlePathPrefix is where bundle files are served:
// /bundles/{versionID}/{digest}/{path}. The digest makes every upload a
// new address, so the files can be cached for good.
const BundlePathPrefix = "/bundles/"

// bundleCSP is the bundle's own policy. "sandbox allow-scripts" gives the
// document an opaque origin even when opened directly (not in the play
// page's frame): its scripts never share the studio's origin, cookies or
// storage, and cannot touch the page that frames it. It may load its own
// files (and inline code, as CDK builds have), nothing from elsewhere, and
// may open no connection: everything it learns and says goes through the
// host page's postMessage RPC.
func bundleCSP(self string) string {
	own := "'self' " + self
	return "sandbox allow-scripts; default-src 'none'; " +
		"script-src " + own + " 'unsafe-inline' 'unsafe-eval'; style-src " + own + " 'unsafe-inline'; " +
		"img-src " + own + " data: blob:; font-src " + own + " data:; media-src " + own + " data: blob:; " +
		"connect-src 'none'; frame-src 'none'; worker-src 'none'; object-src 'none'; " +
		"base-uri 'self'; form-action 'none'; frame-ancestors 'self'"
}

// bundleTypes are the content types bundle files are served with; any
// other file is application/octet-stream (nosniff keeps it inert).
var bundleTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8", ".json": "application/json", ".map": "application/json",
	".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
	".otf": "font/otf", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav",
	".mp4": "video/mp4", ".webm": "video/webm", ".wasm": "application/wasm",
}

func bundleContentType(p string) string {
	if t, ok := bundleTypes[strings.ToLower(path.Ext(p))]; ok {
		return t
	}
	return "application/octet-stream"
}

// bundleAddress is the address of a version's bundle page.
func bundleAddress(versionID int64, digest string) string {
	return BundlePathPrefix + strconv.FormatInt(versionID, 10) + "/" + digest + "/" + studio.BundleIndex
}

// handleBundleFile serves GET /bundles/{version}/{digest}/{path...}. Anyone
// with the address may read it (viewers are often anonymous); the digest
// is not guessable, and a new upload retires the old address.
func (s *Server) handleBundleFile(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("version"), 10, 64)
	digest := c.Param("digest")
	p := c.Param("*")
	if p == "" {
		p = studio.BundleIndex
	}
	if err != nil || id <= 0 || len(digest) != 64 || path.Clean(p) != p || strings.HasPrefix(p, "../") {
		return echo.NewHTTPError(http.StatusNotFound, "no such bundle file")
	}
	content, err := s.db.FindBundleFile(c.Request().Context(), id, digest, p)
	if studio.ErrorCode(err) == studio.ENOTFOUND {
		return echo.NewHTTPError(http.StatusNotFound, "no such bundle file")
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", bundleCSP(s.baseURL(c)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// No Cross-Origin-Resource-Policy: same-origin: the sandboxed page's
	// origin is opaque, so its own scripts count as cross-origin.
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, bundleContentType(p), content)
}

// baseURL is scheme://host of this request (the bundle's own origin for
// its policy: inside the sandbox, 'self' alone is not relied upon).
func (s *Server) baseURL(c echo.Context) string {
	scheme := "http"
	if c.Request().TLS != nil || strings.EqualFold(c.Request().Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + c.Request().Host
}

// channelBundle is the address of the bundle of the version the channel's
// session runs, or "" (no session, no bundle, or no mediator here).
func (s *Server) channelBundle(ctx context.Context, channelID int64) (string, error) {
	m := s.cfg.Mediator
	if m == nil {
		return "", nil
	}
	versionID, ok := m.ChannelVersion(channelID)
	if !ok {
		return "", nil
	}
	info, err := s.db.FindBundleInfo(ctx, versionID)
	if err != nil || info == nil {
		return "", err
	}
	return bundleAddress(versionID, info.Digest), nil
}

// playBundleJSON tells the play page which bundle to host ("": none).
type playBundleJSON struct {
	ContentAddress string `json:"contentAddress"`
}

// handlePlayBundle answers GET /play/{channelID}/bundle; the page asks
// after every join, since a new session may run another version.
func (s *Server) handlePlayBundle(c echo.Context) error {
	id, _, err := s.playChannel(c)
	if err != nil {
		return err
	}
	addr, err := s.channelBundle(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, playBundleJSON{ContentAddress: addr})
}

// handleBundlePage shows GET /studio/versions/{version}/bundle.
func (s *Server) handleBundlePage(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	return s.renderBundlePage(c, http.StatusOK, r, "", "")
}

func (s *Server) renderBundlePage(c echo.Context, status int, r *editorRequest, errText, okText string) error {
	v := templates.BundleView{
		Base:      fmt.Sprintf("/studio/versions/%d", r.version.ID),
		Project:   r.version.ProjectName,
		Number:    r.version.Number,
		ReadOnly:  !r.version.Editable(),
		MaxBytes:  studio.MaxBundleBytes,
		MaxFiles:  studio.MaxBundleFiles,
		Error:     errText,
		Done:      okText,
		Published: r.version.State == studio.Published,
	}
	if b := r.version.Bundle; b != nil {
		v.Has, v.Label, v.Files, v.Bytes, v.Digest = true, b.Label(), b.Files, b.Bytes, b.Digest
		v.Address = bundleAddress(r.version.ID, b.Digest)
	}
	return s.render(c, status, "Control bundle · "+r.version.ProjectName, templates.BundlePage(v))
}

// handleBundleUpload takes POST /studio/versions/{version}/bundle: a zip
// of the built CDK project in the form field "bundle".
func (s *Server) handleBundleUpload(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	refuse := func(err error) error {
		if studioStatus(err) >= 500 {
			return err
		}
		return s.renderBundlePage(c, studioStatus(err), r, studio.ErrorMessage(err), "")
	}
	fh, err := c.FormFile("bundle")
	if err != nil {
		return refuse(studio.Errorf(studio.EINVALID, "choose the bundle: a .zip of the built CDK project (index.html and its files)"))
	}
	if fh.Size > studio.MaxBundleUpload {
		return refuse(studio.Errorf(studio.EINVALID, "the file is %d bytes; at most %d are accepted", fh.Size, studio.MaxBundleUpload))
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, studio.MaxBundleUpload+1))
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	b, err := studio.ReadBundleZip(data)
	if err != nil {
		return refuse(err)
	}
	info, err := s.db.SaveBundle(c.Request().Context(), r.version.ID, b)
	if err != nil {
		return refuse(err)
	}
	if err := r.load(c, s, r.version.ID); err != nil {
		return studioHTTPError(err)
	}
	return s.renderBundlePage(c, http.StatusOK, r, "", fmt.Sprintf("Uploaded %s: %d files.", info.Label(), info.Files))
}

// handleBundleDelete takes POST /studio/versions/{version}/bundle/delete.
func (s *Server) handleBundleDelete(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	if err := s.db.DeleteBundle(c.Request().Context(), r.version.ID); err != nil {
		if studioStatus(err) >= 500 {
			return err
		}
		return s.renderBundlePage(c, studioStatus(err), r, studio.ErrorMessage(err), "")
	}
	if err := r.load(c, s, r.version.ID); err != nil {
		return studioHTTPError(err)
	}
	return s.renderBundlePage(c, http.StatusOK, r, "", "The control bundle was removed.")
}

// customKindProblem is why the editor cannot add a control of kind, at
// the kind field: not a valid kind, or a custom kind without a bundle
// (studio.Scene.CheckBundle, the one rule).
func customKindProblem(kind string, hasBundle bool) string {
	if !studio.KnownKind(kind) && !studio.ValidCustomKind(kind) {
		return fmt.Sprintf("%q is not a kind: a custom kind is 1-64 letters, digits, '-', '_' and '.'", kind)
	}
	err := (&studio.Scene{Controls: []studio.Control{{Kind: kind}}}).CheckBundle(hasBundle)
	var v *studio.ValidationError
	if errors.As(err, &v) && len(v.Problems) > 0 {
		return v.Problems[0].Message
	}
	return ""
}

// previewBundle is what the preview needs to host the version's bundle:
// the world a participant of the default group would see in this scene.
func previewBundle(v *studio.Version, scene *studio.Scene) *templates.PreviewBundle {
	world := map[string]any{
		"scenes": []*studio.Scene{scene},
		"groups": []map[string]string{{"groupID": studio.DefaultSceneID, "sceneID": scene.SceneID}},
		"self": map[string]any{
			"sessionID": "preview", "userID": 0, "username": "preview", "level": 0, "lastInputAt": 0,
			"connectedAt": 0, "disabled": false, "groupID": "default", "anonymous": false,
		},
		"ready": true,
	}
	data, err := json.Marshal(world)
	if err != nil {
		data = []byte("{}") // a scene always marshals; an empty world shows the bundle anyway
	}
	return &templates.PreviewBundle{Label: v.Bundle.Label(), Address: bundleAddress(v.ID, v.Bundle.Digest), WorldJSON: string(data)}
}
