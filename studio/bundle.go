package studio

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// A control bundle is the built output of a project made with Mixer's
// Control Development Kit (CDK): an index.html at its root and the files
// it loads. The play page shows it in a sandboxed frame; it draws the
// controls of custom kinds (docs/custom-controls.md).

// Bundle limits, in one place: the CLI, the studio's form and the store
// all go through ReadBundle or Bundle.Validate.
const (
	MaxBundleBytes    = 8 << 20 // all files together, uncompressed
	MaxBundleFiles    = 500
	MaxBundlePathLen  = 200 // bytes of one file's path
	MaxBundleManifest = 64 << 10
	// MaxBundleUpload bounds the upload itself (a zip is at most a little
	// larger than what it holds, plus its directory).
	MaxBundleUpload = MaxBundleBytes + 1<<20
)

// BundleIndex is the page the frame opens.
const BundleIndex = "index.html"

// mixerCDN served cdk-std to bundles built from the CDK's starters
// (https://mixercc.azureedge.net/lib/std-v0.2.js); it is gone.
const mixerCDN = "mixercc.azureedge.net"

// BundleManifestFile is the manifest a CDK project carries: it is an npm
// package, and the CDK kept the project's name, version and description
// (and its "interactive" settings) in package.json. Optional.
const BundleManifestFile = "package.json"

// Bundle is a version's control bundle.
type Bundle struct {
	Files []BundleFile // sorted by path
	// Manifest is the bundle's package.json, if it had one (else nil).
	Manifest json.RawMessage
}

// BundleFile is one file of a bundle; Path is slash-separated, relative
// to the bundle's root, without "." or ".." elements.
type BundleFile struct {
	Path    string
	Content []byte
}

// BundleInfo describes a stored bundle without its files.
type BundleInfo struct {
	// Digest names this content (hex SHA-256); the play page's frame
	// address carries it, so a new upload is a new address.
	Digest     string
	Files      int
	Bytes      int64
	Name       string // from the manifest, may be empty
	Version    string // from the manifest, may be empty
	UploadedAt int64  // unix milliseconds
}

// Label is how the studio names the bundle: name@version, or its digest.
func (b BundleInfo) Label() string {
	switch {
	case b.Name != "" && b.Version != "":
		return b.Name + "@" + b.Version
	case b.Name != "":
		return b.Name
	}
	return "bundle " + b.Digest[:min(12, len(b.Digest))]
}

// Info summarises the bundle (UploadedAt is the store's).
func (b *Bundle) Info() BundleInfo {
	info := BundleInfo{Digest: b.Digest(), Files: len(b.Files)}
	for _, f := range b.Files {
		info.Bytes += int64(len(f.Content))
	}
	var m struct {
		Name    any `json:"name"`
		Version any `json:"version"`
	}
	if len(b.Manifest) > 0 && json.Unmarshal(b.Manifest, &m) == nil {
		info.Name, _ = m.Name.(string)
		info.Version, _ = m.Version.(string)
		info.Name, info.Version = truncate(info.Name), truncate(info.Version)
	}
	return info
}

// Digest is the hex SHA-256 of the files' paths and contents.
func (b *Bundle) Digest() string {
	h := sha256.New()
	var n [8]byte
	for _, f := range b.Files {
		binary.BigEndian.PutUint64(n[:], uint64(len(f.Path)))
		h.Write(n[:])
		io.WriteString(h, f.Path)
		binary.BigEndian.PutUint64(n[:], uint64(len(f.Content)))
		h.Write(n[:])
		h.Write(f.Content)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// File returns the file at p, if the bundle has it.
func (b *Bundle) File(p string) (BundleFile, bool) {
	i := sort.Search(len(b.Files), func(i int) bool { return b.Files[i].Path >= p })
	if i < len(b.Files) && b.Files[i].Path == p {
		return b.Files[i], true
	}
	return BundleFile{}, false
}

// Validate checks the limits, the paths and the index page.
func (b *Bundle) Validate() error {
	if len(b.Files) > MaxBundleFiles {
		return Errorf(EINVALID, "the bundle has %d files; at most %d are allowed", len(b.Files), MaxBundleFiles)
	}
	var total int64
	for i, f := range b.Files {
		if msg := bundlePathProblem(f.Path); msg != "" {
			return Errorf(EINVALID, "bundle file %q: %s", truncate(f.Path), msg)
		}
		if i > 0 && b.Files[i-1].Path >= f.Path {
			return Errorf(EINVALID, "bundle file %q appears twice (or the files are not sorted)", truncate(f.Path))
		}
		total += int64(len(f.Content))
	}
	if total > MaxBundleBytes {
		return Errorf(EINVALID, "the bundle holds %d bytes; at most %d (%d MiB) are allowed", total, MaxBundleBytes, MaxBundleBytes>>20)
	}
	if _, ok := b.File(BundleIndex); !ok {
		return Errorf(EINVALID, "the bundle has no %s at its root: upload the built output of the CDK project (the folder with index.html)", BundleIndex)
	}
	for _, f := range b.Files {
		if ext := strings.ToLower(path.Ext(f.Path)); (ext == ".html" || ext == ".htm") && bytes.Contains(f.Content, []byte(mixerCDN)) {
			return Errorf(EINVALID, "%s loads the CDK standard library from Mixer's CDN (%s), which is gone and which the bundle's sandbox would not load anyway: "+
				"copy node_modules/@mixer/cdk-std/dist/bundle.min.js into the bundle (for example as std.js) and load that instead (docs/custom-controls.md)", f.Path, mixerCDN)
		}
	}
	if len(b.Manifest) > 0 {
		if len(b.Manifest) > MaxBundleManifest {
			return Errorf(EINVALID, "%s is %d bytes; at most %d are allowed", BundleManifestFile, len(b.Manifest), MaxBundleManifest)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b.Manifest, &obj); err != nil {
			return Errorf(EINVALID, "%s is not a JSON object: %v", BundleManifestFile, err)
		}
	}
	return nil
}

// bundlePathProblem says what is wrong with a bundle file's path, or "".
func bundlePathProblem(p string) string {
	switch {
	case p == "":
		return "an empty path"
	case len(p) > MaxBundlePathLen:
		return fmt.Sprintf("a path longer than %d bytes", MaxBundlePathLen)
	case !utf8.ValidString(p):
		return "a path that is not UTF-8"
	case strings.ContainsAny(p, "\\\x00?#"):
		return `a path with "\", "?", "#" or NUL`
	case path.IsAbs(p) || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../"):
		return "a path outside the bundle or not in its shortest form"
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "a path with control characters"
		}
	}
	return ""
}

// skipBundlePath reports files an upload leaves out: hidden files and
// folders (.git, .DS_Store) and macOS zip metadata.
func skipBundlePath(p string) bool {
	for _, el := range strings.Split(p, "/") {
		if strings.HasPrefix(el, ".") || el == "__MACOSX" || el == "Thumbs.db" {
			return true
		}
	}
	return false
}

// NewBundle builds a bundle from files by path: it leaves out hidden
// files, strips one top folder when index.html is not at the root but in
// that folder (a zip of dist/), sorts, reads the manifest and validates.
func NewBundle(files map[string][]byte) (*Bundle, error) {
	kept := map[string][]byte{}
	for p, c := range files {
		if skipBundlePath(p) {
			continue
		}
		kept[p] = c
	}
	if _, ok := kept[BundleIndex]; !ok {
		kept = stripTopFolder(kept)
	}
	b := &Bundle{}
	for p, c := range kept {
		b.Files = append(b.Files, BundleFile{Path: p, Content: c})
	}
	sort.Slice(b.Files, func(i, j int) bool { return b.Files[i].Path < b.Files[j].Path })
	if m, ok := b.File(BundleManifestFile); ok {
		b.Manifest = json.RawMessage(m.Content)
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b, nil
}

func stripTopFolder(files map[string][]byte) map[string][]byte {
	top := ""
	for p := range files {
		i := strings.IndexByte(p, '/')
		if i <= 0 {
			return files
		}
		if top == "" {
			top = p[:i+1]
		} else if p[:i+1] != top {
			return files
		}
	}
	if _, ok := files[top+BundleIndex]; !ok {
		return files
	}
	out := make(map[string][]byte, len(files))
	for p, c := range files {
		out[strings.TrimPrefix(p, top)] = c
	}
	return out
}

// ReadBundleZip reads a zip archive of a bundle, refusing archives whose
// files are more than the limits before inflating them.
func ReadBundleZip(data []byte) (*Bundle, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, Errorf(EINVALID, "not a zip archive: %v", err)
	}
	files := map[string][]byte{}
	var total int64
	count := 0
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		count++
		if count > MaxBundleFiles*2 { // hidden files are left out later; bound the work anyway
			return nil, Errorf(EINVALID, "the archive has more than %d files", MaxBundleFiles*2)
		}
		name := strings.TrimPrefix(f.Name, "./")
		if msg := bundlePathProblem(name); msg != "" {
			return nil, Errorf(EINVALID, "archive entry %q: %s", truncate(f.Name), msg)
		}
		if _, dup := files[name]; dup {
			return nil, Errorf(EINVALID, "archive entry %q appears twice", truncate(name))
		}
		rc, err := f.Open()
		if err != nil {
			return nil, Errorf(EINVALID, "archive entry %q: %v", truncate(name), err)
		}
		// The declared size may lie: read at most what the limit leaves.
		content, err := io.ReadAll(io.LimitReader(rc, MaxBundleBytes-total+1))
		rc.Close()
		if err != nil {
			return nil, Errorf(EINVALID, "archive entry %q: %v", truncate(name), err)
		}
		total += int64(len(content))
		if total > MaxBundleBytes {
			return nil, Errorf(EINVALID, "the archive holds more than %d bytes (%d MiB) uncompressed", MaxBundleBytes, MaxBundleBytes>>20)
		}
		files[name] = content
	}
	return NewBundle(files)
}

// ReadBundlePath reads a bundle from a folder or a .zip file.
func ReadBundlePath(p string) (*Bundle, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		if st.Size() > MaxBundleUpload {
			return nil, Errorf(EINVALID, "%s is %d bytes; a bundle archive may be at most %d", p, st.Size(), MaxBundleUpload)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		return ReadBundleZip(data)
	}
	files := map[string][]byte{}
	var total int64
	root := os.DirFS(p)
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name != "." && skipBundlePath(name) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return Errorf(EINVALID, "%s is not a regular file (links are not followed)", filepath.Join(p, name))
		}
		if len(files) >= MaxBundleFiles {
			return Errorf(EINVALID, "the folder has more than %d files", MaxBundleFiles)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if total += info.Size(); total > MaxBundleBytes {
			return Errorf(EINVALID, "the folder holds more than %d bytes (%d MiB)", MaxBundleBytes, MaxBundleBytes>>20)
		}
		content, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		files[name] = content
		return nil
	})
	if err != nil {
		return nil, err
	}
	return NewBundle(files)
}

// ValidCustomKind reports whether kind can name a custom control: 1 to 64
// letters, digits, '-', '_' and '.' (what the mediator accepts from game
// clients), and not a built-in kind.
func ValidCustomKind(kind string) bool {
	if kind == "" || len(kind) > 64 || KnownKind(kind) {
		return false
	}
	for _, r := range kind {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// CheckBundle is the rule for custom kinds: only a version's control
// bundle can draw them, so a scene may hold them only when the version has
// one. The editor applies it to every edit and publishing to the whole
// layout; imports and copies may carry custom kinds before their bundle
// is uploaded (the layout JSON does not carry the bundle).
func (s *Scene) CheckBundle(hasBundle bool) error {
	var ps problems
	s.checkBundle(&ps, hasBundle)
	return ps.err()
}

func (s *Scene) checkBundle(ps *problems, hasBundle bool) {
	if hasBundle {
		return
	}
	for _, c := range s.Controls {
		if ValidCustomKind(c.Kind) {
			ps.add(Problem{SceneID: s.SceneID, ControlID: c.ControlID, Field: "kind"},
				"a control of the custom kind %q needs the version's control bundle: upload one (the built CDK project) first", truncate(c.Kind))
		}
	}
}

// CheckBundle applies Scene.CheckBundle to every scene.
func (l *Layout) CheckBundle(hasBundle bool) error {
	var ps problems
	for i := range l.Scenes {
		l.Scenes[i].checkBundle(&ps, hasBundle)
	}
	return ps.err()
}

// CheckBundle applies the custom-kind rule to what an edit adds or
// changes: a scene imported with custom kinds can still be edited around
// them while its bundle is missing.
func (cs ControlChanges) CheckBundle(sceneID string, hasBundle bool) error {
	changed := Scene{SceneID: sceneID}
	for _, ch := range cs {
		if ch.After != nil {
			changed.Controls = append(changed.Controls, *ch.After)
		}
	}
	return changed.CheckBundle(hasBundle)
}
