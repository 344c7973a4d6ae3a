package wire

import "encoding/json"

// Scheme is a compression scheme name as setCompression uses it.
type Scheme string

// The schemes this package implements. Every connection starts in None.
const (
	None Scheme = "none" // text frames, plain JSON
	Gzip Scheme = "gzip" // binary frames, one deflate stream per direction
	LZ4  Scheme = "lz4"  // binary frames, one LZ4 frame stream per direction
)

// Binary reports whether the scheme's frames are binary WebSocket frames
// (gzip, lz4) rather than text frames (none).
func (s Scheme) Binary() bool { return s == Gzip || s == LZ4 }

// ParseScheme maps a scheme name to a Scheme: "text" is another name for
// "none"; ok is false for names this package does not implement.
func ParseScheme(name string) (s Scheme, ok bool) {
	switch name {
	case "none", "text":
		return None, true
	case "gzip":
		return Gzip, true
	case "lz4":
		return LZ4, true
	}
	return None, false
}

// Negotiate picks the first scheme in the client's preference list that
// this package implements, skipping unknown names; with no match it falls
// back to None, as setCompression requires.
func Negotiate(prefs []string) Scheme {
	for _, name := range prefs {
		if s, ok := ParseScheme(name); ok {
			return s
		}
	}
	return None
}

// StreamCost is the memory one connection's pair of streams in s holds
// (encoder and decoder, after the first message), rounded up from
// BenchmarkNewStream: what a server must budget for each viewer that
// negotiates s (TestStreamCostCoversTheStreams keeps it honest).
func (s Scheme) StreamCost() int64 {
	switch s {
	case Gzip:
		return 1 << 20 // compress/flate's compressor is ~800 KB of it
	case LZ4:
		return 192 << 10
	}
	return 0
}

// NegotiateParams reads setCompression params, {"scheme": ["lz4", "gzip"]},
// and negotiates, skipping schemes allow refuses (nil allows all). A
// single name instead of an array is accepted; anything unusable (the node
// SDK sends {"params": [...]}, others send nothing) yields None rather
// than an error, as the official SDKs expect.
func NegotiateParams(params json.RawMessage, allow func(Scheme) bool) Scheme {
	var p struct {
		Scheme json.RawMessage `json:"scheme"`
	}
	if json.Unmarshal(params, &p) != nil || len(p.Scheme) == 0 {
		return None
	}
	var list []json.RawMessage
	if json.Unmarshal(p.Scheme, &list) != nil {
		list = []json.RawMessage{p.Scheme}
	}
	for _, item := range list {
		var name string
		if json.Unmarshal(item, &name) != nil {
			continue
		}
		if s, ok := ParseScheme(name); ok && (allow == nil || s == None || allow(s)) {
			return s
		}
	}
	return None
}
