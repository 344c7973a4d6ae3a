package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mixstudio/mixstudio/live/console"
)

// TestLiveLoadEveryInputReachesTheStream is the console's load test:
// MIXSTUDIO_LIVE_LOAD participants (1000) press a button 5 times a second
// for MIXSTUDIO_LIVE_SECONDS (30) through the real mediator; every input
// must come out of GET /api/live/{channelID}/events exactly once, in each
// participant's order, and the send-to-receive latency is reported.
//
//	MIXSTUDIO_LIVE_LOAD=1000 go test ./web -run LiveLoad -v -timeout 10m
func TestLiveLoadEveryInputReachesTheStream(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MIXSTUDIO_LIVE_LOAD"))
	if n <= 0 || testing.Short() {
		t.Skip("set MIXSTUDIO_LIVE_LOAD=1000 to run the load test")
	}
	seconds := 30
	if s, err := strconv.Atoi(os.Getenv("MIXSTUDIO_LIVE_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	const perSecond = 5
	r := newLiveRigWith(t, console.Config{}, loadMediator)
	if code, body := r.post(t, "/start", nil); code != http.StatusOK {
		t.Fatalf("go live: %d %s", code, body)
	}

	// The stream, read and timed as it arrives.
	type arrival struct {
		participant string
		at          time.Time
	}
	arrivals := make(chan arrival, n*perSecond*seconds+1000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/live/%d/events", r.srv.URL, r.owner.ChannelID), nil)
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var resets, lastID atomic.Uint64
	var idGaps atomic.Int64
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Participant string `json:"participant"`
			} `json:"data"`
		}
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: reset"):
				resets.Add(1)
			case strings.HasPrefix(line, "id: "):
				id, _ := strconv.ParseUint(line[4:], 10, 64)
				if prev := lastID.Swap(id); prev != 0 && id != prev+1 {
					idGaps.Add(1)
				}
			case strings.HasPrefix(line, "data: ") && strings.Contains(line, `"type":"input"`):
				now := time.Now()
				ev.Data.Participant = ""
				if json.Unmarshal([]byte(line[6:]), &ev) == nil {
					arrivals <- arrival{ev.Data.Participant, now}
				}
			}
		}
	}()

	// The participants: each learns its session id from its own join,
	// then presses on its own ticker (staggered across the period).
	viewers, ids := dialLoadViewers(t, r, n)
	// Drain the join events' noise: only inputs are counted.
	t.Logf("%d participants joined; pressing %d/s each for %ds", n, perSecond, seconds)

	period := time.Second / perSecond
	presses := perSecond * seconds
	start := time.Now().Add(100 * time.Millisecond)
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
	got := map[*loadViewer]int{}
	lat := make([]time.Duration, 0, want)
	deadline := time.After(30 * time.Second)
	unknown := 0
collect:
	for len(lat)+unknown < want {
		select {
		case a := <-arrivals:
			v := ids[a.participant]
			if v == nil {
				unknown++
				continue
			}
			k := got[v]
			got[v] = k + 1
			if k < len(v.sent) {
				lat = append(lat, a.at.Sub(v.sent[k]))
			} else {
				unknown++ // more inputs than sent: a duplicate
			}
		case <-deadline:
			break collect
		}
	}
	// Anything more would be a duplicate.
	time.Sleep(500 * time.Millisecond)
	extra := len(arrivals)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	t.Logf("inputs sent %d, received on the stream %d (unattributed %d, extra %d), send errors %d, id gaps %d, resets %d",
		want, len(lat), unknown, extra, sendErrs.Load(), idGaps.Load(), resets.Load())
	t.Logf("latency participant send → SSE receive: p50 %v, p90 %v, p99 %v, max %v", pct(0.50), pct(0.90), pct(0.99), pct(1))
	if len(lat) != want || unknown != 0 || extra != 0 || sendErrs.Load() != 0 || idGaps.Load() != 0 || resets.Load() != 0 {
		t.Fatalf("lost or repeated inputs: sent %d, received %d, unattributed %d, extra %d", want, len(lat), unknown, extra)
	}
}
