package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"
)

// TestShortcodeFlowInChromium is the device flow of the spec's OAuth
// section end to end. --public-url turns sign-in on. A viewer signs up in
// chromium (/go sends them to sign in first). The owner signs in with the
// one-time link the server logged, types the device's code at /go and
// approves; the device's poll gets the authorization code and trades it
// for a token, which answers /api/v1/users/current and opens /gameClient
// on an imported layout (hello arrives).
func TestShortcodeFlowInChromium(t *testing.T) {
	srv := startServer(t, "--public-url", "http://play.test")
	clientID := srv.cli(t, "client", "add", "E2E Device")

	// A viewer signs up on the way to /go.
	viewer := newBrowser(t)
	identityDo(t, viewer,
		chromedp.Navigate(srv.URL+"/go"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signin]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/signup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signup]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "couchviewer"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long password"),
	)
	screenshot(t, viewer, "signup")
	identityDo(t, viewer,
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=go-code]`)),
	)
	if who := identityText(t, viewer, `[data-testid=signed-in-user]`); who != "couchviewer" {
		t.Fatalf("signed up as %q", who)
	}

	// The owner's one-time sign-in link (logged at start) opens the account.
	m := regexp.MustCompile(`/signin/link\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(srv.Stderr())
	if m == nil {
		t.Fatalf("no sign-in link in the log:\n%s", srv.Stderr())
	}
	ctx := newBrowser(t)
	identityDo(t, ctx,
		chromedp.Navigate(srv.URL+m[0]),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account]`)),
	)
	if who := identityText(t, ctx, `[data-testid=signed-in-user]`); who != "owner" {
		t.Fatalf("the link signed in %q", who)
	}

	// The device asks for a code.
	var sc struct {
		Code      string `json:"code"`
		ExpiresIn int    `json:"expires_in"`
		Handle    string `json:"handle"`
	}
	if st := identityJSON(t, "POST", srv.URL+"/api/v1/oauth/shortcode", `{"client_id":"`+clientID+`","scope":"interactive:robot:self"}`, "", &sc); st != 200 || len(sc.Code) != 6 || sc.ExpiresIn != 120 {
		t.Fatalf("shortcode: %d %+v", st, sc)
	}
	poll := func() (int, string) {
		var out struct {
			Code string `json:"code"`
		}
		st := identityJSON(t, "GET", srv.URL+"/api/v1/oauth/shortcode/check/"+sc.Handle, "", "", &out)
		return st, out.Code
	}
	if st, _ := poll(); st != http.StatusNoContent {
		t.Fatalf("poll before approval: %d", st)
	}

	// Typed in lower case, as people do; the page shows who asks for what.
	identityDo(t, ctx,
		chromedp.Navigate(srv.URL+"/go"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=go-code]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=go-code]`), strings.ToLower(sc.Code)),
		chromedp.Click(chromedp.CSS(`[data-testid=go-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=go-approve]`)),
	)
	if client := identityText(t, ctx, `[data-testid=go-client]`); !strings.Contains(client, "E2E Device") {
		t.Fatalf("the page names %q", client)
	}
	if scopes := identityText(t, ctx, `[data-testid=go-scopes]`); !strings.Contains(scopes, "interactive:robot:self") {
		t.Fatalf("the page lists scopes %q", scopes)
	}
	screenshot(t, ctx, "go-confirm")
	identityDo(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=go-approve]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=go-done]`)),
	)

	// The device's poll gets the code and trades it for tokens.
	st, authCode := poll()
	if st != http.StatusOK || authCode == "" {
		t.Fatalf("poll after approval: %d %q", st, authCode)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
	}
	body := `{"client_id":"` + clientID + `","code":"` + authCode + `","grant_type":"authorization_code"}`
	if st := identityJSON(t, "POST", srv.URL+"/api/v1/oauth/token", body, "", &tok); st != 200 || tok.AccessToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token: %d %+v", st, tok)
	}
	if st := identityJSON(t, "POST", srv.URL+"/api/v1/oauth/token", body, "", nil); st != http.StatusBadRequest {
		t.Fatalf("the code worked twice: %d", st)
	}
	var me struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
		Channel  struct {
			ID int64 `json:"id"`
		} `json:"channel"`
	}
	if st := identityJSON(t, "GET", srv.URL+"/api/v1/users/current", "", tok.AccessToken, &me); st != 200 || me.Username != "owner" || me.Channel.ID == 0 {
		t.Fatalf("users/current: %d %+v", st, me)
	}
	versionID := srv.cli(t, "import", filepath.Join(moduleRoot, "e2e", "testdata", "interop-layout.json"))
	identityGameClient(t, srv, tok.AccessToken, versionID)

	// No token ever reaches the server's log.
	for _, secret := range []string{tok.AccessToken, tok.RefreshToken, authCode, sc.Handle} {
		if strings.Contains(srv.Stderr(), secret) {
			t.Fatalf("a secret appears in the server's log")
		}
	}
}

// identityGameClient opens /gameClient with the token when the mediator
// is part of this build, and expects its hello.
func identityGameClient(t *testing.T, srv *server, token, versionID string) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/gameClient")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Log("/gameClient is not served by this build yet: WebSocket step skipped")
		return
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	h.Set("X-Protocol-Version", "2.0")
	h.Set("X-Interactive-Version", versionID)
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/gameClient", h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial /gameClient with the shortcode token: %v (HTTP %d)", err, status)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read from /gameClient: %v", err)
	}
	if !strings.Contains(string(msg), `"hello"`) {
		t.Fatalf("first message %s, want hello", msg)
	}
}

// identityJSON sends a JSON request and decodes a JSON answer into out.
func identityJSON(t *testing.T, method, url, body, bearer string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 && resp.StatusCode == 200 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %q", method, url, err, raw)
		}
	}
	return resp.StatusCode
}

func identityDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		screenshot(t, ctx, "failure")
		t.Fatal(err)
	}
}

func identityText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestTokensAndSparksPagesInChromium: on loopback the owner is signed in
// by default; a token made on the Tokens page is shown once, works as a
// bearer, disappears from the page's text after a reload and stops working
// once revoked; a gift on the Sparks page lands in the viewer's balance.
func TestTokensAndSparksPagesInChromium(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)
	identityDo(t, ctx,
		chromedp.Navigate(srv.URL+"/account/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=no-tokens]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=label]`), "overlay bot"),
		chromedp.Click(chromedp.CSS(`[data-testid=create-token]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=new-token]`)),
	)
	secret, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`[data-testid=new-token]`)))
	if err != nil || len(secret) < 43 {
		t.Fatalf("new token %q: %v", secret, err)
	}
	screenshot(t, ctx, "tokens-created")
	if st := identityJSON(t, "GET", srv.URL+"/api/v1/users/current", "", secret, nil); st != 200 {
		t.Fatalf("the page's token: %d", st)
	}
	identityDo(t, ctx,
		chromedp.Navigate(srv.URL+"/account/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=token-list]`)),
	)
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil || strings.Contains(html, secret) || !strings.Contains(html, "overlay bot") {
		t.Fatalf("after reload the page shows the secret, or lost the token (%v)", err)
	}
	identityDo(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=token-list] button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=no-tokens]`)),
	)
	if st := identityJSON(t, "GET", srv.URL+"/api/v1/users/current", "", secret, nil); st != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", st)
	}

	srv.cli(t, "token", "--user", "fan1")
	identityDo(t, ctx,
		chromedp.Navigate(srv.URL+"/account/sparks"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=sparks]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action$=gift] input[name=username]`), "fan1"),
		chromedp.SendKeys(chromedp.CSS(`form[action$=gift] input[name=amount]`), "75"),
		chromedp.Submit(chromedp.CSS(`form[action$=gift] input[name=amount]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=sparks-flash]`)),
	)
	screenshot(t, ctx, "sparks-gift")
	if got := srv.cli(t, "sparks", "fan1"); got != "75" {
		t.Fatalf("fan1's balance after the gift: %s", got)
	}
}

// TestParticipantKeyOpensTheParticipantSocket: the key from
// /api/v1/interactive/{channelID} is accepted on the socket address it
// came with, where a made-up key is refused with 4019.
func TestParticipantKeyOpensTheParticipantSocket(t *testing.T) {
	srv := startServer(t)
	streamer := srv.cli(t, "token")
	viewer := srv.cli(t, "token", "--user", "fan2")
	var me struct {
		Channel struct{ ID int64 } `json:"channel"`
	}
	if st := identityJSON(t, "GET", srv.URL+"/api/v1/users/current", "", streamer, &me); st != 200 {
		t.Fatalf("users/current: %d", st)
	}
	var join struct {
		SocketAddress string `json:"socketAddress"`
		Key           string `json:"key"`
		User          int64  `json:"user"`
	}
	if st := identityJSON(t, "GET", srv.URL+"/api/v1/interactive/"+strconv.FormatInt(me.Channel.ID, 10), "", viewer, &join); st != 200 || join.Key == "" {
		t.Fatalf("join: %d %+v", st, join)
	}
	if !strings.HasPrefix(join.SocketAddress, "ws://"+srv.Addr+"/participant?channel=") {
		t.Fatalf("socket address %q", join.SocketAddress)
	}
	dial := func(key string) (int, string) {
		ws, _, err := websocket.DefaultDialer.Dial(join.SocketAddress+"&x-protocol-version=2.0&key="+key, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer ws.Close()
		ws.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, msg, err := ws.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ""
		}
		return 0, string(msg)
	}
	if code, _ := dial("made-up-key"); code != 4019 {
		t.Fatalf("a made-up key: close %d, want 4019", code)
	}
	if code, msg := dial(join.Key); code == 4019 {
		t.Fatalf("the API's key was refused (first message %q)", msg)
	}
}
