package studio

import (
	"fmt"
	"testing"
)

// randomScene builds a valid scene from fuzz bytes: controls of every kind
// dropped at the places the bytes say, skipping those that would overlap.
func randomScene(data []byte) Scene {
	s := Scene{SceneID: DefaultSceneID}
	for i := 0; i+4 <= len(data) && len(s.Controls) < 60; i += 4 {
		kind := Kinds[int(data[i])%len(Kinds)]
		g := Grids[int(data[i+1])%len(Grids)]
		l := Limits(kind, g)
		w := l.MinWidth + int(data[i+2])%4
		h := l.MinHeight + int(data[i+3])%3
		if l.Square {
			h = w
		}
		p := Position{Size: g.Name, Width: w, Height: h, X: int(data[i+2]) % max(g.Width-w+1, 1), Y: int(data[i+3]) % max(g.Height-h+1, 1)}
		c := Control{ControlID: fmt.Sprintf("c%d", i), Kind: kind}
		if q, ok := FreePlaceNear(s.Controls, kind, p, ""); ok {
			c.Position = []Position{q}
			if g.Name != Large { // and something on large, so fill has work
				if q, ok := FreePlaceNear(s.Controls, kind, Position{Size: Large, Width: w, Height: h, X: p.X, Y: p.Y}, ""); ok {
					c.SetPosition(q)
				}
			}
		}
		s.Controls = append(s.Controls, c)
	}
	return s
}

// FuzzPlacement: whatever the scene, the placement helpers keep it valid,
// never drop a control, and never move a control that already had a place.
func FuzzPlacement(f *testing.F) {
	f.Add([]byte{0, 0, 5, 5, 1, 1, 9, 9, 2, 2, 3, 3, 3, 0, 200, 7})
	f.Add([]byte("a full grid of buttons? aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := randomScene(data)
		if err := s.Validate(); err != nil {
			t.Fatalf("generator made an invalid scene: %v", err)
		}
		before := s.Clone()
		placed := FillFromLarge(&s)
		if err := s.Validate(); err != nil {
			t.Fatalf("FillFromLarge broke the scene: %v", err)
		}
		if len(s.Controls) != len(before.Controls) {
			t.Fatal("FillFromLarge changed the number of controls")
		}
		for i, c := range before.Controls {
			for _, p := range c.Position {
				if q, _ := s.Controls[i].PositionOn(p.Size); q != p {
					t.Fatalf("%s moved on %s: %+v -> %+v", c.ControlID, p.Size, p, q)
				}
			}
		}
		n := 0
		for _, ids := range placed {
			n += len(ids)
		}
		gained := 0
		for i := range s.Controls {
			gained += len(s.Controls[i].Position) - len(before.Controls[i].Position)
		}
		if n != gained {
			t.Fatalf("reported %d placements, made %d", n, gained)
		}
		if len(s.Controls) > 0 {
			cp := PlaceCopy(&s, s.Controls[0])
			if s.Control(cp.ControlID) == nil || len(s.Controls) != len(before.Controls)+1 {
				t.Fatal("PlaceCopy dropped the copy")
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("PlaceCopy broke the scene: %v", err)
			}
		}
		if _, err := NewControl(&s, Kinds[len(data)%len(Kinds)], ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("NewControl broke the scene: %v", err)
		}
	})
}
