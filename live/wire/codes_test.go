package wire

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEveryCodeOfTheSpecTableHasItsMessage(t *testing.T) {
	table := map[int]string{ // code -> a phrase of the spec's "Cause" column
		1011: "internal error", 1012: "restarting", 4000: "parsing payload as JSON",
		4001: "decompressing", 4002: "Unknown packet type", 4003: "Unknown method name",
		4004: "method arguments", 4006: "transaction ID", 4007: "enough sparks",
		4008: "Unknown group", 4009: "group already exists", 4010: "Unknown scene",
		4011: "scene already exists", 4012: "Unknown control ID", 4013: "control already exists",
		4014: "Unknown control type", 4015: "Unknown participant", 4016: "session has ended",
		4017: "memory", 4018: "delete a default", 4019: "Authentication failed",
		4020: "version is not found", 4021: "already running", 4022: "not online",
		4023: "No interactive bundle", 4024: "broadcast scope", 4025: "no longer access",
		4026: "Anonymous", 4027: "terminated", 4099: "Bad user input",
	}
	for code, phrase := range table {
		if msg := CodeMessage(code); !strings.Contains(msg, phrase) {
			t.Errorf("CodeMessage(%d) = %q, want it to mention %q", code, msg, phrase)
		}
	}
	for _, code := range []int{0, 1000, 4005, 4028, 4098, 4100} {
		if msg := CodeMessage(code); msg != "" {
			t.Errorf("CodeMessage(%d) = %q for a code outside the table", code, msg)
		}
	}
}

func TestIsCloseCode(t *testing.T) {
	closes := []int{1011, 1012, 4016, 4017, 4019, 4020, 4021, 4022, 4023, 4025, 4027}
	replies := []int{4000, 4001, 4002, 4003, 4004, 4006, 4007, 4008, 4009, 4010, 4011, 4012, 4013, 4014, 4015, 4018, 4024, 4026, 4099}
	for _, c := range closes {
		if !IsCloseCode(c) {
			t.Errorf("IsCloseCode(%d) = false", c)
		}
	}
	for _, c := range replies {
		if IsCloseCode(c) {
			t.Errorf("IsCloseCode(%d) = true", c)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want Error
	}{
		{"parse", ParseError(""), Error{4000, "Error parsing payload as JSON.", ""}},
		{"parse with detail", ParseError("unexpected end"), Error{4000, "Error parsing payload as JSON: unexpected end", ""}},
		{"decompress", DecompressError("size too large"), Error{4001, "Error decompressing a compressed frame: size too large", ""}},
		{"unknown type", UnknownPacketType("event"), Error{4002, `Unknown packet type "event".`, "type"}},
		{"unknown method", UnknownMethod("fly"), Error{4003, `Unknown method name "fly".`, "method"}},
		{"unknown method quotes hostile names", UnknownMethod("a\"b\n"), Error{4003, `Unknown method name "a\"b\n".`, "method"}},
		{"bad arguments", BadArguments("sceneID must be a string", "params.sceneID"), Error{4004, "Error parsing method arguments: sceneID must be a string", "params.sceneID"}},
		{"bad arguments bare", BadArguments("", ""), Error{4004, "Error parsing method arguments.", ""}},
		{"new error default message", NewError(CodeUnknownScene, "", "sceneID"), Error{4010, "Unknown scene ID specified.", "sceneID"}},
		{"new error own message", NewError(CodeUnknownScene, "no scene x", ""), Error{4010, "no scene x", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if *tt.err != tt.want {
				t.Fatalf("got %+v, want %+v", *tt.err, tt.want)
			}
			if s := tt.err.Error(); !strings.Contains(s, tt.want.Message) {
				t.Fatalf("Error() = %q", s)
			}
		})
	}
}

func TestErrorReplyIDRule(t *testing.T) {
	if got := ErrorReply(9, ParseError("x")).ID; got != 0 {
		t.Fatalf("a 4000 reply has id %d, want 0", got)
	}
	for _, e := range []*Error{UnknownPacketType("x"), UnknownMethod("x"), BadArguments("x", ""), DecompressError("")} {
		if got := ErrorReply(9, e).ID; got != 9 {
			t.Fatalf("a %d reply has id %d, want 9", e.Code, got)
		}
	}
}

func TestCloseReasonFitsAControlFrame(t *testing.T) {
	e := NewError(CodeRestart, "", "")
	if e.CloseReason() != e.Message {
		t.Fatalf("short reason changed: %q", e.CloseReason())
	}
	long := &Error{Code: CodeTerminated, Message: strings.Repeat("é", 100)} // 200 bytes
	r := long.CloseReason()
	if len(r) > 123 || !utf8.ValidString(r) || len(r) < 120 {
		t.Fatalf("CloseReason = %d bytes, valid %v", len(r), utf8.ValidString(r))
	}
}
