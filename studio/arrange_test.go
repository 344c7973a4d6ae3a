package studio

import (
	"math/rand"
	"testing"
)

func placed(id, kind string, x, y, w, h int) Control {
	c := Control{ControlID: id, Kind: kind}
	c.SetPosition(Position{Size: Large, X: x, Y: y, Width: w, Height: h})
	return c
}

// after reports whether b comes after a in reading order on grid.
func after(a, b Position) bool {
	return b.Y > a.Y || b.Y == a.Y && b.X > a.X
}

func TestArrangeFromLargeKeepsReadingOrderAndSizesWithoutOverlaps(t *testing.T) {
	base := Scene{SceneID: "default", Controls: []Control{
		placed("b1", KindButton, 0, 0, 16, 6),
		placed("b2", KindButton, 18, 0, 10, 6),
		placed("joy", KindJoystick, 30, 0, 10, 10),
		placed("title", KindLabel, 44, 0, 30, 3),
		placed("tb", KindTextbox, 0, 12, 20, 4),
		placed("b3", KindButton, 24, 12, 10, 5),
	}}
	order := []string{"b1", "b2", "joy", "title", "tb", "b3"}
	for _, grid := range []string{Medium, Small} {
		t.Run(grid, func(t *testing.T) {
			s := base.Clone()
			res, err := ArrangeFromLarge(&s, grid)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("arranged %s breaks a rule: %v", grid, err)
			}
			if res.Scale <= 0 || res.Scale > 1 || len(res.Moved) != len(order) {
				t.Fatalf("result %+v", res)
			}
			pos := func(id string) Position { p, ok := s.Control(id).PositionOn(grid); _ = ok; return p }
			for i := 1; i < len(order); i++ {
				if !after(pos(order[i-1]), pos(order[i])) {
					t.Errorf("%s %v does not come after %s %v", order[i], pos(order[i]), order[i-1], pos(order[i-1]))
				}
			}
			if pos("b1").Width < pos("b2").Width {
				t.Errorf("relative widths lost: b1 %v, b2 %v", pos("b1"), pos("b2"))
			}
			if j := pos("joy"); j.Width != j.Height {
				t.Errorf("joystick not square: %v", j)
			}
			// The large layout is untouched.
			for _, c := range base.Controls {
				if p, _ := s.Control(c.ControlID).PositionOn(Large); p != c.Position[0] {
					t.Errorf("%s moved on large", c.ControlID)
				}
			}
		})
	}
}

func TestArrangeFromLargeFlowsAroundControlsNotOnLarge(t *testing.T) {
	s := Scene{SceneID: "default", Controls: []Control{placed("b1", KindButton, 0, 0, 10, 5)}}
	only := Control{ControlID: "mine", Kind: KindButton}
	only.SetPosition(Position{Size: Small, X: 0, Y: 0, Width: 30, Height: 4})
	s.Controls = append(s.Controls, only)
	if _, err := ArrangeFromLarge(&s, Small); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Control("mine").PositionOn(Small); p.Width != 30 || p.Y != 0 {
		t.Fatalf("a control off large moved: %v", p)
	}
}

func TestArrangeFromLargeRefusesWhatCannotFit(t *testing.T) {
	s := Scene{SceneID: "default"}
	// 40 joysticks of 5x5 need more than the small grid even at their
	// smallest size: nothing changes.
	for i := 0; i < 4; i++ {
		for j := 0; j < 16; j++ {
			s.Controls = append(s.Controls, placed(UniqueControlID(&s, "j-1"), KindJoystick, j*5, i*5, 5, 5))
		}
	}
	before := s.Clone()
	if _, err := ArrangeFromLarge(&s, Small); ErrorCode(err) != EINVALID {
		t.Fatalf("err %v", err)
	}
	for i := range s.Controls {
		if len(s.Controls[i].Position) != len(before.Controls[i].Position) {
			t.Fatal("a refused arrangement changed the scene")
		}
	}
	if _, err := ArrangeFromLarge(&Scene{}, Medium); err == nil {
		t.Fatal("arranged an empty scene")
	}
}

// Random large layouts: the arrangement is valid or refused, never broken.
func TestArrangeFromLargeRandomLayoutsStayValid(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	kinds := []string{KindButton, KindJoystick, KindLabel, KindTextbox}
	arranged := 0
	for n := 0; n < 200; n++ {
		s := Scene{SceneID: "default"}
		for k := 0; k < 1+rng.Intn(12); k++ {
			kind := kinds[rng.Intn(len(kinds))]
			l := Limits(kind, Grids[0])
			w := l.MinWidth + rng.Intn(8)
			h := l.MinHeight + rng.Intn(4)
			if l.Square {
				h = w
			}
			p, ok := FreePlaceNear(s.Controls, kind, Position{Size: Large, X: rng.Intn(80), Y: rng.Intn(20), Width: w, Height: h}, "")
			if !ok {
				continue
			}
			c := Control{ControlID: UniqueControlID(&s, kind+"-1"), Kind: kind}
			c.SetPosition(p)
			s.Controls = append(s.Controls, c)
		}
		for _, grid := range []string{Medium, Small} {
			cp := s.Clone()
			if _, err := ArrangeFromLarge(&cp, grid); err != nil {
				continue
			}
			if err := cp.Validate(); err != nil {
				t.Fatalf("layout %d on %s: %v", n, grid, err)
			}
			arranged++
		}
	}
	// Up to 12 controls of at most a third of large always fit medium and
	// small at some scale.
	if arranged != 400 {
		t.Fatalf("arranged %d of 400 layouts", arranged)
	}
}

// A grid laid out from large follows large's later moves; once edited by
// hand it no longer does.
func TestFollowLargeUntilEditedByHand(t *testing.T) {
	s := Scene{SceneID: "default", Controls: []Control{
		placed("a", KindButton, 0, 0, 10, 5),
		placed("b", KindButton, 12, 0, 10, 5),
	}}
	for _, g := range []string{Medium, Small} {
		if _, err := ArrangeFromLarge(&s, g); err != nil {
			t.Fatal(err)
		}
		if !FollowsLarge(&s, g) {
			t.Fatalf("%s does not follow right after arranging", g)
		}
	}
	// Move b to the left of a on large: both grids follow.
	before := s.Clone()
	b := s.Control("b")
	b.SetPosition(Position{Size: Large, X: 0, Y: 6, Width: 10, Height: 5})
	if got := FollowLarge(&before, &s); len(got) != 2 {
		t.Fatalf("followed %v", got)
	}
	for _, g := range []string{Medium, Small} {
		pa, _ := s.Control("a").PositionOn(g)
		pb, _ := s.Control("b").PositionOn(g)
		if pb.Y <= pa.Y {
			t.Fatalf("%s: b %v not below a %v as on large", g, pb, pa)
		}
	}
	// Edit small by hand: small stops following, medium goes on.
	a := s.Control("a")
	a.SetPosition(Position{Size: Small, X: 15, Y: 30, Width: 10, Height: 5})
	smallBefore, _ := a.PositionOn(Small)
	before = s.Clone()
	a.SetPosition(Position{Size: Large, X: 40, Y: 0, Width: 10, Height: 5})
	if got := FollowLarge(&before, &s); len(got) != 1 || got[0] != Medium {
		t.Fatalf("followed %v, want only medium", got)
	}
	if p, _ := s.Control("a").PositionOn(Small); p != smallBefore {
		t.Fatalf("small moved after a hand edit: %v", p)
	}
}
