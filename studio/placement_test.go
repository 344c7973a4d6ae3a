package studio

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFreePlaceNear(t *testing.T) {
	occupied := []Control{button("a", pos(Large, 0, 0, 10, 5)), button("b", pos(Large, 10, 0, 10, 5))}
	tests := []struct {
		name     string
		controls []Control
		kind     string
		want     Position
		except   string
		got      Position
		ok       bool
	}{
		{"free spot stays", occupied, KindButton, pos(Large, 30, 10, 10, 5), "", pos(Large, 30, 10, 10, 5), true},
		{"on top of a moves just below", occupied, KindButton, pos(Large, 1, 0, 10, 5), "", pos(Large, 1, 5, 10, 5), true},
		{"except ignores itself", occupied, KindButton, pos(Large, 0, 0, 10, 5), "a", pos(Large, 0, 0, 10, 5), true},
		{"off the grid is pulled in", nil, KindButton, pos(Small, 28, 39, 10, 5), "", pos(Small, 20, 35, 10, 5), true},
		{"unknown grid", nil, KindButton, pos("huge", 0, 0, 1, 1), "", Position{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FreePlaceNear(tt.controls, tt.kind, tt.want, tt.except)
			if ok != tt.ok || got != tt.got {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tt.got, tt.ok)
			}
		})
	}
}

func TestFreePlaceNearShrinksThenGivesUp(t *testing.T) {
	// Fill the large grid but a 4x3 hole at (76, 17).
	var cs []Control
	for y := 0; y < 20; y += 5 {
		for x := 0; x < 80; x += 10 {
			cs = append(cs, button(UniqueControlID(&Scene{Controls: cs}, "f"), pos(Large, x, y, 10, 5)))
		}
	}
	cs[len(cs)-1].Position = []Position{pos(Large, 70, 15, 6, 5)}
	cs = append(cs, button("g", pos(Large, 76, 15, 4, 2)))
	got, ok := FreePlaceNear(cs, KindButton, pos(Large, 0, 0, 10, 5), "")
	if !ok || got != pos(Large, 76, 17, 4, 3) {
		t.Fatalf("want the hole 4x3 at (76,17), got %+v %v", got, ok)
	}
	// A joystick needs at least 5x5: no room.
	if got, ok := FreePlaceNear(cs, KindJoystick, pos(Large, 0, 0, 10, 10), ""); ok {
		t.Fatalf("joystick placed in a full grid at %+v", got)
	}
}

func TestPlaceCopyNeverDropsAControl(t *testing.T) {
	s := Scene{SceneID: "default", Controls: []Control{button("fire", pos(Large, 0, 0, 10, 5), pos(Small, 0, 0, 30, 40))}}
	s.Controls[0].Text = Ptr("Fire")
	cp := PlaceCopy(&s, s.Controls[0])
	if cp.ControlID != "fire-2" || len(s.Controls) != 2 {
		t.Fatalf("copy id %q, %d controls", cp.ControlID, len(s.Controls))
	}
	if p, ok := cp.PositionOn(Large); !ok || p != pos(Large, 0, 5, 10, 5) {
		t.Fatalf("large position %+v %v: want just below the original", p, ok)
	}
	if _, ok := cp.PositionOn(Small); ok {
		t.Fatal("small grid is full; the copy must be hidden there")
	}
	if got := MissingGrids(cp); !reflect.DeepEqual(got, []string{Medium, Small}) {
		t.Fatalf("MissingGrids = %v", got)
	}
	*cp.Text = "changed"
	if *s.Controls[0].Text != "Fire" {
		t.Fatal("the copy shares a property with the original")
	}
	if again := PlaceCopy(&s, cp); again.ControlID != "fire-3" {
		t.Fatalf("copy of a copy: %q", again.ControlID)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("after pasting: %v", err)
	}
}

func TestNewControlOnAllGrids(t *testing.T) {
	s := Scene{SceneID: "default"}
	for i, kind := range []string{KindButton, KindJoystick, KindLabel, KindTextbox, KindButton} {
		c, err := NewControl(&s, kind, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Position) != 3 {
			t.Fatalf("control %d (%s) placed on %d grids", i, kind, len(c.Position))
		}
	}
	if s.Controls[4].ControlID != "button-2" {
		t.Fatalf("second button id %q", s.Controls[4].ControlID)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("new controls: %v", err)
	}
	if _, err := NewControl(&s, "di al", ""); ErrorCode(err) != EINVALID {
		t.Fatalf("unknown kind: %v", err)
	}
	if _, err := NewControl(&s, KindButton, "button-1"); ErrorCode(err) != ECONFLICT {
		t.Fatalf("taken id: %v", err)
	}
}

func TestFillFromLargeKeepsRowsAndOrder(t *testing.T) {
	s := Scene{SceneID: "default", Controls: []Control{
		button("c", pos(Large, 60, 0, 20, 5)),
		button("a", pos(Large, 0, 0, 20, 5)),
		button("b", pos(Large, 30, 0, 20, 5)),
		button("d", pos(Large, 0, 10, 80, 5)),
		button("keep", pos(Large, 0, 16, 10, 4), pos(Medium, 0, 0, 5, 5)),
		{ControlID: "j", Kind: KindJoystick, Position: []Position{pos(Large, 30, 5, 5, 5)}},
		button("nolarge", pos(Small, 0, 0, 5, 5)),
	}}
	placed := FillFromLarge(&s)
	if len(placed[Medium]) != 5 || len(placed[Small]) != 6 {
		t.Fatalf("placed %v", placed)
	}
	at := func(id, grid string) Position {
		p, ok := s.Control(id).PositionOn(grid)
		if !ok {
			t.Fatalf("%s not placed on %s", id, grid)
		}
		return p
	}
	// Medium (45 wide): the first row keeps its order left to right.
	a, b, c := at("a", Medium), at("b", Medium), at("c", Medium)
	if !(a.X < b.X && b.X < c.X) || a.Y != 0 || b.Y != 0 || c.Y != 0 {
		t.Fatalf("row order lost on medium: a=%+v b=%+v c=%+v", a, b, c)
	}
	// a's proportional spot (0,0) is taken by "keep": first free place after it.
	if a.X != 5 || b.X != 17 || c.X != 34 {
		t.Fatalf("medium x: a=%d b=%d c=%d, want 5 17 34", a.X, b.X, c.X)
	}
	if d := at("d", Medium); d.Y != 10 || d.Width != 45 {
		t.Fatalf("d on medium: %+v", d)
	}
	if k := at("keep", Medium); k != pos(Medium, 0, 0, 5, 5) {
		t.Fatalf("an existing position was changed: %+v", k)
	}
	if j := at("j", Small); j.Width != j.Height {
		t.Fatalf("joystick not square on small: %+v", j)
	}
	if _, ok := s.Control("nolarge").PositionOn(Medium); ok {
		t.Fatal("a control without a large position was placed")
	}
	if got := ControlsMissingFrom(s, Medium); !reflect.DeepEqual(got, []string{"nolarge"}) {
		t.Fatalf("missing from medium: %v", got)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("after fill: %v", err)
	}
}

func TestUniqueControlID(t *testing.T) {
	long := strings.Repeat("é", MaxIDLen/2) + "x" // 255 bytes
	s0 := Scene{Controls: []Control{button(long)}}
	if id := UniqueControlID(&s0, long); len(id) > MaxIDLen || !utf8.ValidString(id) || !strings.HasSuffix(id, "-2") {
		t.Fatalf("copy of a %d-byte id: %d bytes %q", len(long), len(id), id)
	}
	s := Scene{Controls: []Control{button("a"), button("a-2"), button("b-x")}}
	for in, want := range map[string]string{"a": "a-3", "a-2": "a-3", "c": "c", "": "control", "b-x": "b-x-2"} {
		if got := UniqueControlID(&s, in); got != want {
			t.Errorf("UniqueControlID(%q) = %q, want %q", in, got, want)
		}
	}
}
