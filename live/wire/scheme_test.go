package wire

import (
	"encoding/json"
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
		if got := NegotiateParams(json.RawMessage(tt.params)); got != tt.want {
			t.Errorf("NegotiateParams(%s) = %q, want %q", tt.params, got, tt.want)
		}
	}
}

func TestSchemeBinary(t *testing.T) {
	if None.Binary() || !Gzip.Binary() || !LZ4.Binary() {
		t.Fatal("none is text, gzip and lz4 are binary")
	}
}
