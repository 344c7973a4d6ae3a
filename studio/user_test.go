package studio

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseScopes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // joined; "" means an error
	}{
		{"interactive:robot:self", "interactive:robot:self"},
		{"  interactive:participant   interactive:robot:self interactive:participant", "interactive:participant interactive:robot:self"},
		{"", ""},
		{"   ", ""},
		{"interactive:robot:self user:act_as", ""},
	} {
		got, err := ParseScopes(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseScopes(%q) = %v, %v; want EINVALID", tc.in, got, err)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("ParseScopes(%q) = %v, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if !HasScope("a interactive:robot:self", ScopeRobotSelf) || HasScope("interactive:robot:selfish", ScopeRobotSelf) {
		t.Fatal("HasScope matches wrong")
	}
}

func TestNormalizeShortcode(t *testing.T) {
	for in, want := range map[string]string{"8wp-vht": "8WPVHT", " ab cd ": "ABCD", "": ""} {
		if got := NormalizeShortcode(in); got != want {
			t.Errorf("NormalizeShortcode(%q) = %q, want %q", in, got, want)
		}
	}
	for _, r := range "0O1IL2Z5S8B" {
		if strings.ContainsRune(ShortcodeAlphabet, r) {
			t.Errorf("alphabet holds ambiguous %q", r)
		}
	}
}

func TestValidateUsernameAndPassword(t *testing.T) {
	for name, ok := range map[string]bool{"ab": true, "Streamer_42-x": true, "a": false, "has space": false, "é": false, strings.Repeat("a", 33): false, "<b>": false} {
		if err := ValidateUsername(name); (err == nil) != ok {
			t.Errorf("ValidateUsername(%q) = %v", name, err)
		}
	}
	for pw, ok := range map[string]bool{"1234567": false, "12345678": true, strings.Repeat("x", 72): true, strings.Repeat("x", 73): false} {
		if err := ValidatePassword(pw); (err == nil) != ok {
			t.Errorf("ValidatePassword(len %d) = %v", len(pw), err)
		}
	}
}

// FuzzParseScopes: any input gives known scopes only, or an EINVALID
// error whose message stays short and valid UTF-8... of its own making.
func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{"interactive:robot:self", "a b", "", "interactive:participant\tinteractive:robot:self"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseScopes(s)
		if err != nil {
			if ErrorCode(err) != EINVALID || len(ErrorMessage(err)) > 80 {
				t.Fatalf("ParseScopes(%q): %v", s, err)
			}
			return
		}
		if len(got) == 0 || len(got) > 2 {
			t.Fatalf("ParseScopes(%q) = %v", s, got)
		}
		for _, sc := range got {
			if !KnownScope(sc) {
				t.Fatalf("ParseScopes(%q) let %q through", s, sc)
			}
		}
		n := NormalizeShortcode(s)
		if strings.ContainsAny(n, " -") || utf8.RuneCountInString(n) > utf8.RuneCountInString(s) {
			t.Fatalf("NormalizeShortcode(%q) = %q", s, n)
		}
	})
}
