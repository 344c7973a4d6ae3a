package web

import (
	"context"
	"encoding/json"
	"github.com/mixstudio/mixstudio/internal/limits"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzOAuthDeviceEndpoints sends arbitrary bodies to the shortcode and
// token endpoints: the answer is always a well-formed client error or
// success (never a 5xx, never a non-JSON body), and nothing is granted
// without a valid code.
func FuzzOAuthDeviceEndpoints(f *testing.F) {
	s, db, _ := identityServer(f, Config{})
	// The per-address limit would turn every later input into 429.
	s.auth.shortcodes = limits.NewKeyed(limits.Rule{Every: time.Nanosecond, Burst: 1 << 30}, nil)
	cl, _, err := db.CreateOAuthClient(context.Background(), "Fuzz", false)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{"client_id":"` + cl.ClientID + `","scope":"interactive:robot:self"}`,
		`{"client_id":"` + cl.ClientID + `","grant_type":"authorization_code","code":"x"}`,
		`{"client_id":"` + cl.ClientID + `","grant_type":"refresh_token","refresh_token":"x"}`,
		`client_id=` + cl.ClientID + `&scope=interactive%3Aparticipant`,
		`{"client_id":[1,2],"scope":{}}`, `null`, `[]`, `{"scope":"` + strings.Repeat(" ", 100) + `"}`, "\x00\xff",
	} {
		f.Add("/api/v1/oauth/shortcode", "application/json", seed)
		f.Add("/api/v1/oauth/token", "application/x-www-form-urlencoded", seed)
	}
	f.Fuzz(func(t *testing.T, path, ctype, body string) {
		if path != "/api/v1/oauth/shortcode" {
			path = "/api/v1/oauth/token"
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q (%s): %d %s", path, body, ctype, rec.Code, rec.Body.String())
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %q: %d, not a JSON object: %q", path, body, rec.Code, rec.Body.String())
		}
		if path == "/api/v1/oauth/token" && rec.Code == http.StatusOK {
			t.Fatalf("tokens granted for %q: %s", body, rec.Body.String())
		}
	})
}
