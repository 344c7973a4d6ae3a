package transport

import "testing"

// A game client's socket is written before the viewers' already waiting:
// the streamer's game hears input during a fan-out to everyone.
func TestWritersPutTheGameClientFirst(t *testing.T) {
	// No writer goroutines: the queue is only read here. 3,000 viewers:
	// past 1024, next compacts the queue on the way.
	w := &Writers{max: 0}
	viewers := make([]*Conn, 3000)
	for i := range viewers {
		viewers[i] = &Conn{}
		w.schedule(viewers[i])
	}
	game := &Conn{urgent: true}
	w.schedule(game)
	if got := w.next(); got != game {
		t.Fatal("the game client waited behind the viewers")
	}
	for i, want := range viewers {
		if got := w.next(); got != want {
			t.Fatalf("viewer %d out of order", i)
		}
	}
	if w.next() != nil {
		t.Fatal("something left after everyone")
	}
}
