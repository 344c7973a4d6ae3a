package limits

import (
	"net/http"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestKeyedRefillsAtItsRate(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	k := NewKeyed(Rule{Every: time.Second, Burst: 3}, c.now)
	for i := range 3 {
		if !k.Allow("a") {
			t.Fatalf("take %d of the burst refused", i)
		}
	}
	if k.Allow("a") {
		t.Fatal("a 4th take within the burst's second was allowed")
	}
	if !k.Allow("b") {
		t.Fatal("another key shares a's bucket")
	}
	c.t = c.t.Add(time.Second)
	if !k.Allow("a") || k.Allow("a") {
		t.Fatal("one second should refill exactly one token")
	}
}

func TestKeyedSpentTakesNothing(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	k := NewKeyed(Rule{Every: time.Minute, Burst: 2}, c.now)
	for range 5 {
		if k.Spent("x") {
			t.Fatal("Spent alone used up the bucket")
		}
	}
	k.Take("x", "y")
	k.Take("x")
	if !k.Spent("z", "x") {
		t.Fatal("two takes of a burst of 2: x should be spent")
	}
	if k.Spent("y") {
		t.Fatal("y was taken once of 2")
	}
}

func TestKeyedForgetsFullBucketsPastMaxKeys(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	k := NewKeyed(Rule{Every: time.Second, Burst: 1}, c.now)
	k.max = 100
	for i := range 100 {
		k.Take(string(rune('a' + i)))
	}
	k.Take("busy")
	if n := k.Len(); n > 100 {
		t.Fatalf("%d keys remembered past a max of 100", n)
	}
	c.t = c.t.Add(time.Hour) // every bucket full again
	for i := range 1000 {
		k.Take(string(rune(0x1000 + i)))
	}
	if n := k.Len(); n > 100 {
		t.Fatalf("%d keys remembered past a max of 100", n)
	}
}

func TestGateRefusesPastMax(t *testing.T) {
	g := NewGate(2)
	if !g.Enter("a") || !g.Enter("a") {
		t.Fatal("two places refused")
	}
	if g.Enter("a") {
		t.Fatal("a third place given")
	}
	if !g.Enter("b") {
		t.Fatal("b shares a's places")
	}
	g.Leave("a")
	if !g.Enter("a") {
		t.Fatal("a place given back was not reusable")
	}
	g.Leave("a")
	g.Leave("a")
	g.Leave("b")
	if len(g.held) != 0 {
		t.Fatalf("keys holding nothing are remembered: %v", g.held)
	}
}

func TestAddressesBehindATrustedProxy(t *testing.T) {
	req := func(remote string, xff ...string) *http.Request {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		for _, h := range xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		return r
	}
	none := Addresses{}
	if got := none.Of(req("203.0.113.9:5555", "198.51.100.1")); got != "203.0.113.9" {
		t.Fatalf("without a trusted proxy the header was believed: %s", got)
	}
	a, err := ParseTrusted("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.1"},
		// The client wrote the left-most entry itself: not believed.
		{"10.1.2.3:80", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"10.1.2.3:80", []string{"198.51.100.1, 192.0.2.7"}, "198.51.100.1"},
		{"10.1.2.3:80", []string{"1.1.1.1", "198.51.100.2"}, "198.51.100.2"},
		{"10.1.2.3:80", nil, "10.1.2.3"},
		// Not from the proxy: the header is the client's own invention.
		{"203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9"},
		{"[2001:db8:1:2:3:4:5:6]:443", nil, "2001:db8:1:2::/64"},
	} {
		if got := a.Of(req(tc.remote, tc.xff...)); got != tc.want {
			t.Errorf("%s %v: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if _, err := ParseTrusted("not-an-ip"); err == nil {
		t.Fatal("a bad trusted proxy was accepted")
	}
}
