package wire

import (
	"encoding/json"
	"runtime"
	"testing"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		prefs []string
		want  Scheme
	}{
		{[]string{"lz4", "gzip"}, LZ4},
		{[]string{"gzip", "lz4"}, Gzip},
		{[]string{"brotli", "zstd", "gzip"}, Gzip},
		{[]string{"text"}, None},
		{[]string{"text", "gzip"}, None},
		{[]string{"none", "lz4"}, None},
		{[]string{"GZIP"}, None}, // names are case-sensitive, as in the spec
		{[]string{"brotli"}, None},
		{nil, None},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.prefs); got != tt.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tt.prefs, got, tt.want)
		}
	}
}

func TestNegotiateParams(t *testing.T) {
	tests := []struct {
		params string
		want   Scheme
	}{
		{`{"scheme": ["lz4", "gzip"]}`, LZ4},
		{`{"scheme": ["zstd", "gzip"]}`, Gzip},
		{`{"scheme": "gzip"}`, Gzip},
		{`{"scheme": [5, "lz4"]}`, LZ4},
		{`{"scheme": []}`, None},
		{`{"scheme": null}`, None},
		{`{"scheme": {"a": 1}}`, None},
		{`{"params": ["gzip"]}`, None}, // the node SDK's malformed request
		{`["gzip"]`, None},
		{`null`, None},
		{``, None},
	}
	for _, tt := range tests {
		if got := NegotiateParams(json.RawMessage(tt.params), nil); got != tt.want {
			t.Errorf("NegotiateParams(%s) = %q, want %q", tt.params, got, tt.want)
		}
	}
	// A server out of room for gzip streams skips to the next choice.
	noGzip := func(s Scheme) bool { return s != Gzip }
	for params, want := range map[string]Scheme{
		`{"scheme": ["gzip", "lz4"]}`:  LZ4,
		`{"scheme": ["gzip"]}`:         None,
		`{"scheme": ["gzip", "none"]}`: None,
	} {
		if got := NegotiateParams(json.RawMessage(params), noGzip); got != want {
			t.Errorf("without gzip, NegotiateParams(%s) = %q, want %q", params, got, want)
		}
	}
}

// StreamCost must cover what a connection's pair of streams really holds
// after its first message, or a server's compression budget would lie.
func TestStreamCostCoversTheStreams(t *testing.T) {
	p := giveInputPacket(1)
	msg := p.AppendJSON(nil)
	for _, s := range []Scheme{Gzip, LZ4} {
		const n = 20
		keep := make([]any, 0, 2*n)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			enc, dec := NewEncoder(s), NewDecoder(s)
			frame, err := enc.Encode(nil, msg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dec.Decode(frame, true); err != nil {
				t.Fatal(err)
			}
			keep = append(keep, enc, dec)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(keep)
		held := int64(after.HeapAlloc-before.HeapAlloc) / n
		t.Logf("%s: %d bytes held per stream pair, cost %d", s, held, s.StreamCost())
		if held > s.StreamCost() || held < s.StreamCost()/4 {
			t.Errorf("%s holds %d bytes per stream pair; StreamCost says %d", s, held, s.StreamCost())
		}
	}
	if None.StreamCost() != 0 {
		t.Error("none costs nothing")
	}
}

func TestSchemeBinary(t *testing.T) {
	if None.Binary() || !Gzip.Binary() || !LZ4.Binary() {
		t.Fatal("none is text, gzip and lz4 are binary")
	}
}
