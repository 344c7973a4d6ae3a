package e2e

import (
	"net/http"
	"testing"
)

// TestNodeSDKInteropFlowAgainstMediatorCommand runs the same flow against
// `mixstudio mediator`, the protocol endpoints alone for a public host,
// which must not serve the studio pages.
func TestNodeSDKInteropFlowAgainstMediatorCommand(t *testing.T) {
	dir := interopDir(t)
	srv := startMediator(t)
	// No studio: without --public-url nobody signs in, so a studio page on
	// a public mediator would let any visitor edit as the owner.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/", "/studio", "/studio/versions/1/live", "/signin", "/account", "/go"} {
		resp, err := noRedirect.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("mixstudio mediator answers GET %s with %d, want 404 (no studio pages)", path, resp.StatusCode)
		}
	}
	interopFlow(t, dir, srv)
}
