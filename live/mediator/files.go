package mediator

import (
	"compress/gzip"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/pierrec/lz4/v4"

	"github.com/mixstudio/mixstudio/live/wire"
)

// fileStore is a session's file storage: in memory, bounded by a quota,
// dropped when the game client disconnects.
type fileStore struct {
	mu    sync.Mutex
	quota int64
	used  int64
	files map[string]*storedFile
}

type storedFile struct {
	token string // the upload's Authorization
	data  []byte
}

func newFileStore(quota int64) *fileStore {
	return &fileStore{quota: quota, files: map[string]*storedFile{}}
}

func (f *fileStore) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files = map[string]*storedFile{}
	f.used = 0
}

// cleanFilePath accepts relative paths without '..', '.', empty or
// hidden-backslash segments.
func cleanFilePath(p string) (string, bool) {
	if p == "" || len(p) > 512 || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00?#") {
		return "", false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	return p, true
}

func randomToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// uploadFile authorises an upload to path and returns where and how.
func (s *session) uploadFile(r *request) ([]byte, *Error) {
	var p struct {
		Path string `json:"path"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	fp, ok := cleanFilePath(p.Path)
	if !ok {
		return nil, perr(wire.CodeBadArguments, "path", "path must be a relative path without '.' or '..' segments.")
	}
	token := randomToken()
	s.files.mu.Lock()
	if f := s.files.files[fp]; f != nil {
		f.token = token
	} else {
		s.files.files[fp] = &storedFile{token: token}
	}
	s.files.mu.Unlock()
	return orderedStrings("url", s.fileURL(fp), "authorization", token), nil
}

func (s *session) fileURL(fp string) string {
	segs := strings.Split(fp, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.baseURL + FilesPath + s.storageID + "/" + strings.Join(segs, "/")
}

// deleteFile removes a file and frees its quota; a missing file is fine.
func (s *session) deleteFile(r *request) ([]byte, *Error) {
	var p struct {
		Path string `json:"path"`
	}
	if e := decode(r, &p); e != nil {
		return nil, e
	}
	s.files.mu.Lock()
	if f := s.files.files[p.Path]; f != nil {
		s.files.used -= int64(len(f.data))
		delete(s.files.files, p.Path)
	}
	s.files.mu.Unlock()
	return nil, nil
}

// ServeFiles is the upload endpoint (POST, spec: Upload Endpoint) and
// serves uploaded files back (GET) at FilesPath + storage + "/" + path.
func (m *Mediator) ServeFiles(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, FilesPath)
	storageID, fp, _ := strings.Cut(rest, "/")
	m.mu.Lock()
	s := m.files[storageID]
	m.mu.Unlock()
	switch r.Method {
	case http.MethodPost, http.MethodPut:
		m.upload(w, r, s, fp)
	case http.MethodGet, http.MethodHead:
		if s == nil {
			http.NotFound(w, r)
			return
		}
		s.files.mu.Lock()
		f := s.files.files[fp]
		var data []byte
		if f != nil {
			data = f.data
		}
		s.files.mu.Unlock()
		if data == nil {
			http.NotFound(w, r)
			return
		}
		ct := mime.TypeByExtension(path.Ext(fp))
		if ct == "" {
			ct = http.DetectContentType(data)
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Content-Length", strconv.Itoa(len(data)))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		// Files come from the streamer's game: never run them in our origin.
		h.Set("Content-Security-Policy", "sandbox allow-scripts")
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodGet {
			w.Write(data)
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// upload stores a file: 400 for a missing Content-Length, an unsupported
// Content-Encoding or an encoded body without X-Total-Length; 403 without
// the token uploadFile gave for this path; 413 past the quota.
func (m *Mediator) upload(w http.ResponseWriter, r *http.Request, s *session, fp string) {
	if r.ContentLength < 0 {
		http.Error(w, "Content-Length is required", http.StatusBadRequest)
		return
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	size := r.ContentLength
	switch enc {
	case "", "identity":
	case "gzip", "lz4":
		n, err := strconv.ParseInt(r.Header.Get("X-Total-Length"), 10, 64)
		if err != nil || n < 0 {
			http.Error(w, "X-Total-Length is required with a Content-Encoding", http.StatusBadRequest)
			return
		}
		size = n
	default:
		http.Error(w, "unsupported Content-Encoding "+enc, http.StatusBadRequest)
		return
	}
	if s == nil {
		http.Error(w, "not authorized to upload here", http.StatusForbidden)
		return
	}
	auth := bearer(r.Header.Get("Authorization"))
	s.files.mu.Lock()
	f := s.files.files[fp]
	authorized := f != nil && subtle.ConstantTimeCompare([]byte(auth), []byte(f.token)) == 1
	fits := f != nil && s.files.used-int64(len(f.data))+size <= s.files.quota
	s.files.mu.Unlock()
	if !authorized {
		http.Error(w, "not authorized to upload here", http.StatusForbidden)
		return
	}
	if !fits {
		http.Error(w, "storage quota exceeded", http.StatusRequestEntityTooLarge)
		return
	}
	var body io.Reader = io.LimitReader(r.Body, r.ContentLength+1)
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, "bad gzip body", http.StatusBadRequest)
			return
		}
		body = zr
	case "lz4":
		body = lz4.NewReader(body)
	}
	data, err := io.ReadAll(io.LimitReader(body, size+1))
	if err != nil {
		http.Error(w, "could not read the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if int64(len(data)) != size {
		http.Error(w, "the body's length does not match its declared length", http.StatusBadRequest)
		return
	}
	s.files.mu.Lock()
	defer s.files.mu.Unlock()
	cur := s.files.files[fp]
	if cur != f || cur.token != auth {
		http.Error(w, "the upload was re-authorised or deleted meanwhile", http.StatusForbidden)
		return
	}
	if s.files.used-int64(len(cur.data))+size > s.files.quota {
		http.Error(w, "storage quota exceeded", http.StatusRequestEntityTooLarge)
		return
	}
	s.files.used += size - int64(len(cur.data))
	cur.data = data
	w.WriteHeader(http.StatusOK)
}
