package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/mixstudio/mixstudio/live/console"
)

// FuzzLiveControlForm posts any control form to a live console: every
// answer is a readable refusal or a success, never a server error, and
// the session stays usable.
//
//	go test ./web -run '^$' -fuzz FuzzLiveControlForm -fuzztime 60s
func FuzzLiveControlForm(f *testing.F) {
	r := newLiveRig(f, console.Config{})
	if code, body := r.post(f, "/start", nil); code != http.StatusOK {
		f.Fatalf("go live: %d %s", code, body)
	}
	f.Add("b", "disable", "Wait", "5", "0.5", "10", "1", "0", true)
	f.Add("j", "enable", "", "", "", "", "", "", false)
	f.Add("b", "", "\x00<script>", "-1", "2", "-5", "x", "99", true)
	f.Add("nope", "disable", "", "1e99", "NaN", "99999999999", "2147483648", "-1", false)
	f.Fuzz(func(t *testing.T, control, disabled, text, cost, progress, cooldown, priority, revision string, save bool) {
		form := url.Values{"scene": {"default"}, "control": {control}, "disabled": {disabled}, "text": {text},
			"cost": {cost}, "progress": {progress}, "cooldown": {cooldown}, "priority": {priority}, "revision": {revision}}
		if save {
			form.Set("save", "1")
		}
		code, body := r.post(t, "/control", form)
		switch code {
		case http.StatusOK, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("%v: %d %s", form, code, body)
		}
		if code, body := r.post(t, "/scene", url.Values{"scene": {"default"}}); code != http.StatusOK {
			t.Fatalf("the session is unusable after %v: %d %s", form, code, body)
		}
	})
}
