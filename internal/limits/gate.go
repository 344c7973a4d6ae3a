package limits

import "sync"

// Gate counts what each key holds at once (requests in progress, open
// sockets) and refuses past max.
type Gate struct {
	max  int
	mu   sync.Mutex
	held map[string]int
}

// NewGate makes a gate letting each key hold at most max at once.
func NewGate(max int) *Gate { return &Gate{max: max, held: map[string]int{}} }

// Enter takes one place for key; false when key holds max already. Every
// true must be followed by one Leave.
func (g *Gate) Enter(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held[key] >= g.max {
		return false
	}
	g.held[key]++
	return true
}

// Leave gives back a place taken by Enter.
func (g *Gate) Leave(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held[key] <= 1 {
		delete(g.held, key) // keys holding nothing cost nothing
		return
	}
	g.held[key]--
}

// Held is how many places key holds.
func (g *Gate) Held(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held[key]
}
