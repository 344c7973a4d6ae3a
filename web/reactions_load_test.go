package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/console"
	"github.com/mixstudio/mixstudio/studio"
)

// TestReactionsLoad runs presses through reactions: MIXSTUDIO_REACTIONS_LOAD
// participants (1000) press a button 5 times a second for
// MIXSTUDIO_LIVE_SECONDS (20); the button has a vote (shown live as its
// progress) and a webhook whose receiver stalls for 10 s from the 5th
// second. Every press must show on the overlay's event stream exactly once
// and reach the webhook exactly once; the press → overlay latency is
// reported for the presses made while the webhook stalled and the others.
//
//	MIXSTUDIO_REACTIONS_LOAD=1000 go test ./web -run ReactionsLoad -v -timeout 10m
func TestReactionsLoad(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MIXSTUDIO_REACTIONS_LOAD"))
	if n <= 0 || testing.Short() {
		t.Skip("set MIXSTUDIO_REACTIONS_LOAD=1000 to run the reactions load test")
	}
	seconds := 20
	if s, err := strconv.Atoi(os.Getenv("MIXSTUDIO_LIVE_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	const perSecond = 5
	const stallAfter, stallFor = 5 * time.Second, 10 * time.Second

	// The webhook receiver: every request that arrives in the stall
	// window waits for its end.
	var stallFrom atomic.Int64 // unix ns; 0: not yet known
	stallOver := make(chan struct{})
	type hooked struct {
		Press       uint64 `json:"press"`
		Participant string `json:"participant"`
	}
	var hookMu sync.Mutex
	var hookEvents []hooked
	var posts atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if from := stallFrom.Load(); from != 0 && time.Now().UnixNano() >= from {
			<-stallOver
		}
		b, _ := io.ReadAll(r.Body)
		var body struct {
			Events []hooked `json:"events"`
		}
		if json.Unmarshal(b, &body) != nil {
			http.Error(w, "bad", 400)
			return
		}
		posts.Add(1)
		hookMu.Lock()
		hookEvents = append(hookEvents, body.Events...)
		hookMu.Unlock()
	}))
	defer hook.Close()

	r := newLiveRigWith(t, console.Config{WebhookAllowPrivate: true}, loadMediator)
	ctx := context.Background()
	layout := `{"format":"mixstudio/2","name":"load","scenes":[{"sceneID":"default","controls":[
	 {"controlID":"b","kind":"button","text":"Yes","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]},
	 {"controlID":"c","kind":"button","text":"No","position":[{"size":"large","width":4,"height":4,"x":5,"y":0}]}]}],"groups":[],
	 "reactions":[{"sceneID":"default","controlID":"b","kind":"vote","name":"poll","show":"progress"},
	  {"sceneID":"default","controlID":"c","kind":"vote","name":"poll","show":"progress"},
	  {"sceneID":"default","controlID":"b","kind":"webhook","url":"` + hook.URL + `","timeoutSeconds":20,"retries":0}]}`
	l, _, err := studio.Import([]byte(layout))
	if err != nil {
		t.Fatal(err)
	}
	if r.version, err = r.db.ImportLayout(ctx, r.owner.ID, l); err != nil {
		t.Fatal(err)
	}
	if code, body := r.post(t, "/start", nil); code != http.StatusOK {
		t.Fatalf("go live: %d %s", code, body)
	}

	// The overlay's stream, timed as it arrives.
	key, _ := r.db.OverlayKey(ctx, r.owner.ChannelID)
	type arrival struct {
		press uint64
		total uint64
		at    time.Time
	}
	arrivals := make(chan arrival, n*perSecond*seconds+1000)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var resets, reconnects atomic.Int64
	streamURL := fmt.Sprintf("%s/overlay/%d/events?key=%s", r.srv.URL, r.owner.ChannelID, url.QueryEscape(key))
	// Read as a browser's EventSource does: when the stream ends (a
	// subscriber that fell behind is dropped), reconnect with Last-Event-ID.
	go func() {
		last := ""
		for sctx.Err() == nil {
			req, _ := http.NewRequestWithContext(sctx, http.MethodGet, streamURL, nil)
			if last != "" {
				req.Header.Set("Last-Event-ID", last)
				reconnects.Add(1)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			named := false // the data belongs to a snapshot or reset, not an event
			for sc.Scan() {
				line := sc.Text()
				switch {
				case line == "":
					named = false
				case strings.HasPrefix(line, "id: "):
					last = line[4:]
				case strings.HasPrefix(line, "event: "):
					named = true
					if line == "event: reset" {
						resets.Add(1)
					}
				case !named && strings.HasPrefix(line, "data: ") && strings.Contains(line, `"kind":"vote"`):
					now := time.Now()
					var ev struct {
						Data struct {
							Press uint64 `json:"press"`
							Total uint64 `json:"total"`
						} `json:"data"`
					}
					if json.Unmarshal([]byte(line[6:]), &ev) == nil {
						arrivals <- arrival{ev.Data.Press, ev.Data.Total, now}
					}
				}
			}
			resp.Body.Close()
		}
	}()

	// Anonymous participants; each learns its session id from its join.
	viewers, ids := dialLoadViewers(t, r, n)
	t.Logf("%d participants joined; pressing %d/s each for %ds; the webhook stalls %v from %v", n, perSecond, seconds, stallFor, stallAfter)

	period := time.Second / perSecond
	presses := perSecond * seconds
	start := time.Now().Add(100 * time.Millisecond)
	stallFrom.Store(start.Add(stallAfter).UnixNano())
	stallTimer := time.AfterFunc(time.Until(start.Add(stallAfter+stallFor)), func() { close(stallOver) })
	defer stallTimer.Stop()
	var wg sync.WaitGroup
	var sendErrs atomic.Int64
	for i, v := range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v.sent = make([]time.Time, 0, presses)
			offset := time.Duration(i) * period / time.Duration(n)
			for k := 0; k < presses; k++ {
				time.Sleep(time.Until(start.Add(offset + time.Duration(k)*period)))
				msg := fmt.Sprintf(`{"type":"method","id":%d,"method":"giveInput","params":{"controlID":"b","event":"mousedown","button":0},"discard":true}`, k+1)
				v.sent = append(v.sent, time.Now())
				if err := v.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
					sendErrs.Add(1)
					return
				}
			}
		}()
	}
	wg.Wait()

	want := n * presses
	seen := make(map[uint64]arrival, want)
	dups := 0
	deadline := time.After(60 * time.Second)
collect:
	for len(seen) < want {
		select {
		case a := <-arrivals:
			if _, ok := seen[a.press]; ok {
				dups++
			}
			seen[a.press] = a
		case <-deadline:
			break collect
		}
	}
	// Every press also reaches the webhook, once the stall is over.
	whDeadline := time.Now().Add(60 * time.Second)
	for {
		hookMu.Lock()
		got := len(hookEvents)
		hookMu.Unlock()
		if got >= want || time.Now().After(whDeadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // anything more would be a repeat
	dups += len(arrivals)

	// The webhook's events say whose press each number was; per
	// participant the presses are numbered in the order they were sent.
	hookMu.Lock()
	events := append([]hooked(nil), hookEvents...)
	hookMu.Unlock()
	byParticipant := map[string][]uint64{}
	hookSeen := map[uint64]bool{}
	hookDups := 0
	for _, e := range events {
		if hookSeen[e.Press] {
			hookDups++
			continue
		}
		hookSeen[e.Press] = true
		byParticipant[e.Participant] = append(byParticipant[e.Participant], e.Press)
	}
	var latStall, latOther []time.Duration
	stallStart, stallEnd := start.Add(stallAfter), start.Add(stallAfter+stallFor)
	unattributed := 0
	for sid, ps := range byParticipant {
		v := ids[sid]
		if v == nil || len(ps) > len(v.sent) {
			unattributed += len(ps)
			continue
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		for k, p := range ps {
			a, ok := seen[p]
			if !ok {
				continue
			}
			d := a.at.Sub(v.sent[k])
			if sent := v.sent[k]; !sent.Before(stallStart) && sent.Before(stallEnd) {
				latStall = append(latStall, d)
			} else {
				latOther = append(latOther, d)
			}
		}
	}
	pct := func(lat []time.Duration, p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		slices.Sort(lat)
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	maxTotal := uint64(0)
	for _, a := range seen {
		maxTotal = max(maxTotal, a.total)
	}
	counts := r.console.Channel(r.owner.ChannelID).ReactionCounts()
	t.Logf("presses sent %d; on the overlay %d (repeats %d, vote total %d); at the webhook %d in %d POSTs (repeats %d, unattributed %d); ran %d, refused %d; send errors %d, overlay reconnects %d, resets %d",
		want, len(seen), dups, maxTotal, len(hookSeen), posts.Load(), hookDups, unattributed, counts.Ran, counts.Refused, sendErrs.Load(), reconnects.Load(), resets.Load())
	t.Logf("press → overlay event while the webhook stalled (%d presses): p50 %v, p99 %v, max %v", len(latStall), pct(latStall, .5), pct(latStall, .99), pct(latStall, 1))
	t.Logf("press → overlay event otherwise (%d presses): p50 %v, p99 %v, max %v", len(latOther), pct(latOther, .5), pct(latOther, .99), pct(latOther, 1))
	if len(seen) != want || dups != 0 || len(hookSeen) != want || hookDups != 0 || unattributed != 0 ||
		maxTotal != uint64(want) || counts.Ran != uint64(want) || sendErrs.Load() != 0 || resets.Load() != 0 {
		t.Fatalf("reactions lost or run twice")
	}
	if len(latStall) == 0 || pct(latStall, .99) > 2*pct(latOther, .99)+100*time.Millisecond {
		t.Fatalf("the stalled webhook delayed the overlay: p99 %v while stalled, %v otherwise", pct(latStall, .99), pct(latOther, .99))
	}
}
