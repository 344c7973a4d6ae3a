package studio

import (
	"strings"
	"time"
)

// User is an account: the studio's owner, a streamer or a viewer. Each user
// has exactly one channel, whose numeric id participants join.
type User struct {
	ID        int64
	Username  string
	Level     int
	ChannelID int64
	CreatedAt time.Time
}

// OAuth scopes this server knows.
const (
	// ScopeRobotSelf lets a game client run interactive on the user's own
	// channel; it also works as a participant's key.
	ScopeRobotSelf = "interactive:robot:self"
	// ScopeParticipant lets a viewer join a channel as a participant only.
	ScopeParticipant = "interactive:participant"
)

// KnownScope reports whether s is a scope this server grants.
func KnownScope(s string) bool { return s == ScopeRobotSelf || s == ScopeParticipant }

// ParseScopes splits a space-separated scope string, refusing unknown and
// empty ones. Duplicates are dropped; order is kept.
func ParseScopes(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(s) {
		if !KnownScope(f) {
			return nil, &Error{Code: EINVALID, Message: "unknown scope " + quoteShort(f), Field: "scope"}
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, &Error{Code: EINVALID, Message: "no scope requested", Field: "scope"}
	}
	return out, nil
}

// HasScope reports whether the space-separated scopes include want.
func HasScope(scopes, want string) bool {
	for _, f := range strings.Fields(scopes) {
		if f == want {
			return true
		}
	}
	return false
}

// quoteShort quotes user input for a message, cut to a readable length.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}

// ValidateUsername checks a new account's name: 2 to 32 letters, digits,
// '_' or '-' (names appear in URLs, logs and the participant list).
func ValidateUsername(name string) error {
	if len(name) < 2 || len(name) > 32 {
		return &Error{Code: EINVALID, Message: "a username has 2 to 32 characters", Field: "username"}
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
		if !ok {
			return &Error{Code: EINVALID, Message: "a username may hold only letters, digits, '_' and '-'", Field: "username"}
		}
	}
	return nil
}

// ValidatePassword checks a new password's length (bcrypt reads at most
// 72 bytes; longer ones would be silently cut).
func ValidatePassword(pw string) error {
	if len(pw) < 8 {
		return &Error{Code: EINVALID, Message: "a password has at least 8 characters", Field: "password"}
	}
	if len(pw) > 72 {
		return &Error{Code: EINVALID, Message: "a password has at most 72 bytes", Field: "password"}
	}
	return nil
}

// Token describes an issued token without its secret (for listings).
type Token struct {
	ID        int64
	UserID    int64
	Kind      string // "access" or "refresh"
	Scope     string
	ClientID  string // empty: minted by the studio or the CLI
	Label     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// OAuthClient is an application registered for the shortcode flow.
type OAuthClient struct {
	ClientID  string
	Name      string
	HasSecret bool
	CreatedAt time.Time
}

// Shortcode states (spec: OAuth, the shortcode check's statuses).
const (
	ShortcodeWaiting   = "waiting"
	ShortcodeGranted   = "granted"
	ShortcodeDenied    = "denied"
	ShortcodeExchanged = "exchanged"
)

// Shortcode is a pending device authorization as the /go page shows it.
type Shortcode struct {
	Code       string
	ClientID   string
	ClientName string
	Scopes     []string
	Status     string
	ExpiresAt  time.Time
}

// ShortcodeAlphabet has no characters that read alike (0/O, 1/I/L, 2/Z,
// 5/S, 8/B), so a code copied from a TV screen is typed right.
const ShortcodeAlphabet = "ACDEFGHJKMNPQRTUVWXY34679"

// NormalizeShortcode upper-cases a typed code and drops spaces and dashes.
func NormalizeShortcode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r == ' ' || r == '-' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ErrNotEnoughSparks is returned by a debit the balance cannot cover.
var ErrNotEnoughSparks = &Error{Code: ECONFLICT, Message: "not enough sparks"}
