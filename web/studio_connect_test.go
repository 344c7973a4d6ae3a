package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

func TestConnectPageShowsWhatAGameSendsAndMintsAToken(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Arena")
	vid := strconv.FormatInt(versionOf(t, base), 10)

	rec := get(t, h, base+"/connect")
	if rec.Code != http.StatusOK {
		t.Fatalf("connect page: %d %s", rec.Code, rec.Body.String())
	}
	d := doc(t, rec)
	if got := d.Find(testid("connect-version-id")).Text(); got != vid {
		t.Fatalf("version ID %q, want %q", got, vid)
	}
	if got := d.Find(testid("connect-hosts-url")).Text(); got != "http://example.com/api/v1/interactive/hosts" {
		t.Fatalf("hosts URL %q", got)
	}
	for _, id := range []string{"node", "go", "python", "java", "cpp", "unity"} {
		code := d.Find(testid("snippet-"+id) + " " + testid("snippet-code")).Text()
		if !strings.Contains(code, vid) || !strings.Contains(code, "PASTE_A_TOKEN_HERE") && id != "unity" {
			t.Errorf("%s snippet without the version or the token placeholder:\n%s", id, code)
		}
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}

	rec = studioPost(t, h, base+"/connect/token", url.Values{})
	d = doc(t, rec)
	token := d.Find(testid("connect-token")).Text()
	if rec.Code != http.StatusOK || len(token) < 20 {
		t.Fatalf("mint: %d token %q", rec.Code, token)
	}
	if code := d.Find(testid("snippet-node") + " " + testid("snippet-code")).Text(); !strings.Contains(code, "authToken: '"+token+"'") {
		t.Fatalf("the node snippet lacks the token:\n%s", code)
	}
	u, err := s.db.UserByTokenScope(context.Background(), token, studio.ScopeRobotSelf)
	if err != nil || u.ID != mustOwner(t, s).ID {
		t.Fatalf("the minted token is no game-client token of the owner: %v %+v", err, u)
	}
	// Shown once: the next page load has the button again.
	if d := doc(t, get(t, h, base+"/connect")); d.Find(testid("connect-token")).Length() != 0 || d.Find(testid("connect-mint-token")).Length() != 1 {
		t.Fatal("the token is shown again on a later load")
	}

	if rec := get(t, h, "/studio/versions/999999/connect"); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown version: %d", rec.Code)
	}
}

func TestShareCodeCreateRotateRevokeInTheStudio(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Shared")
	act := func(action string) (int, string, bool) {
		t.Helper()
		rec := studioPost(t, h, base+"/sharecode", url.Values{"action": {action}})
		d := doc(t, rec)
		return rec.Code, d.Find(testid("sharecode-value")).Text(), d.Find(testid("sharecode-none")).Length() == 1
	}
	if d := doc(t, get(t, h, base+"/connect")); d.Find(testid("sharecode-none")).Length() != 1 {
		t.Fatal("a new project shows a share code")
	}
	status, first, _ := act("create")
	if status != http.StatusOK || len(first) < 8 {
		t.Fatalf("create: %d %q", status, first)
	}
	if _, again, _ := act("create"); again != first {
		t.Fatalf("create again changed the code: %q → %q", first, again)
	}
	if d := doc(t, get(t, h, base+"/connect")); d.Find(testid("sharecode-value")).Text() != first {
		t.Fatal("the page does not show the code")
	}
	_, rotated, _ := act("rotate")
	if rotated == first || len(rotated) < 8 {
		t.Fatalf("rotate: %q after %q", rotated, first)
	}
	if _, code, none := act("revoke"); code != "" || !none {
		t.Fatalf("revoke: code %q none %v", code, none)
	}
	ps, _ := s.db.FindProjects(context.Background(), mustOwner(t, s).ID)
	if ps[0].Sharecode != "" {
		t.Fatalf("stored code after revoke: %q", ps[0].Sharecode)
	}
	if status, _, _ := act("publish"); status != http.StatusBadRequest {
		t.Fatalf("unknown action: %d", status)
	}
}

func TestStudioAddsAScreenAndChecksItsProperties(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	base := newProject(t, s, "Screens")
	if d := doc(t, get(t, h, base)); d.Find(testid("add-screen")).Length() != 1 {
		t.Fatal("the palette offers no screen")
	}
	scr := addControl(t, s, base, studio.KindScreen)
	rec := studioPost(t, h, base+"/properties", propsForm(scr, "large", map[string]string{"sendMoveEvents": "sometimes"}))
	if d := doc(t, rec); rec.Code != http.StatusUnprocessableEntity || d.Find(testid("error-sendMoveEvents")).Length() != 1 {
		t.Fatalf("a bad sendMoveEvents: %d %s", rec.Code, rec.Body.String())
	}
	rec = studioPost(t, h, base+"/properties", propsForm(scr, "large", map[string]string{"sendMoveEvents": "always", "moveThrottle": "100", "sendMouseUpEvent": "false"}))
	if rec.Code != http.StatusOK {
		t.Fatalf("valid screen properties: %d %s", rec.Code, rec.Body.String())
	}
	sc := savedScene(t, s, base, "default")
	saved := sc.Control(scr.ControlID)
	if *saved.SendMoveEvents != "always" || *saved.MoveThrottle != 100 || *saved.SendMouseUpEvent {
		t.Fatalf("saved screen %+v", saved.Props)
	}
}
