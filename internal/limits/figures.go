// Package limits holds every figure that bounds what one client may cost
// the server (per address, per viewer, per request), the one rate limiter
// they use (golang.org/x/time/rate, keyed, with eviction) and the
// concurrency gates. docs/security.md lists them; change a figure here
// and there, nowhere else.
package limits

import "time"

// Request bodies, per route (web/routes.go applies them before any parsing).
const (
	// FormBody bounds sign-in, sign-up, account, /go and live-console forms.
	FormBody = 64 << 10
	// StudioBody bounds an editor request (forms of ids and properties).
	StudioBody = 1 << 20
	// ImportBody is an import's request: the file plus multipart framing.
	ImportBody = ImportFile + 64<<10
	// ImportFile is the largest layout file accepted (studio.MaxImportBytes
	// is this figure). A full version of 20,000 buttons placed on all three
	// grids exports (indented) to 14 MB, 5.6 MB compact. Decoding stops at
	// the version's caps, so a file of this size costs about what the
	// largest accepted layout costs.
	ImportFile = 16 << 20
	// OAuthBody bounds what a device sends to the OAuth endpoints.
	OAuthBody = 16 << 10
)

// ConcurrentImports is how many imports the whole server decodes at once;
// more are refused with 429 rather than queued, each costing about what
// the largest accepted layout costs while decoding (~150 MB at most).
const ConcurrentImports = 2

// ImportReadTimeout replaces ReadTimeout for a signed-in user's import
// upload (16 MB at half a megabit a second), which is spooled to disk
// while it arrives: a slow upload holds a connection, never memory or an
// import slot.
const ImportReadTimeout = 5 * time.Minute

// UploadInMemory is how much of a multipart upload is kept in memory; the
// rest of a file goes to a temporary file until the request ends.
const UploadInMemory = 64 << 10

// Per address (see Addresses for what "address" means behind a proxy).
const (
	// RequestsPerAddress is how many plain HTTP requests one address may
	// have in progress at once; the next gets 429. WebSocket and SSE routes
	// are not counted here (ParticipantSocketsPerAddress, the console's
	// own subscriptions).
	RequestsPerAddress = 32
	// ParticipantSocketsPerAddress is how many /participant sockets one
	// address may hold open; the next upgrade is refused with 429. A
	// household or a small venue behind one NAT fits; a carrier-grade NAT
	// may need more (docs/security.md).
	ParticipantSocketsPerAddress = 100
)

// Rule is a token bucket: Burst at once, then one more every Every.
type Rule struct {
	Every time.Duration
	Burst int
}

// Rate limits, each enforced with a Keyed limiter.
var (
	// SignInFailures: wrong passwords per address, and per (username,
	// address). There is deliberately no username-wide lock: it would let
	// anyone lock the owner out.
	SignInFailures = Rule{Every: 6 * time.Second, Burst: 10}
	// GoFailures: wrong codes typed at /go, per user and per address. Six
	// characters from 25 give 2.4e8 codes: guessing a live one is hopeless.
	GoFailures = Rule{Every: 12 * time.Second, Burst: 5}
	// Shortcodes: OAuth shortcodes one address may ask for. A device needs
	// one every two minutes; more only fills the table.
	Shortcodes = Rule{Every: 2 * time.Second, Burst: 30}
	// SignUps: accounts one address may create.
	SignUps = Rule{Every: 10 * time.Minute, Burst: 5}
)

// InputPerSecond is the default number of giveInput a second one
// participant may send on average (bursts of twice that pass); the excess
// is refused with 4099. Fast button mashing is about 10 presses (20
// events) a second, a joystick at its fastest sampleRate 20 moves: 30
// covers both. `mixstudio serve --input-rate` changes it; 0 turns it off.
const InputPerSecond = 30

// MaxKeys bounds each keyed limiter's memory; past it, keys whose bucket
// is full again are forgotten first (forgetting them changes nothing).
const MaxKeys = 100_000

// Plain HTTP timeouts (http.Server). WebSocket and SSE routes clear the
// read deadline and keep their own liveness (pings, heartbeats).
const (
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading one whole request, body included: a
	// client sending a byte every few seconds is cut off here.
	ReadTimeout = 30 * time.Second
	// IdleTimeout closes a keep-alive connection with no request.
	IdleTimeout = 120 * time.Second
)
