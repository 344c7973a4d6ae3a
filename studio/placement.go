package studio

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The placement helpers never drop a control: when a grid has no room even
// at the kind's smallest size, the control is left without a position
// there (hidden on that grid) and MissingGrids reports it.

// occupancy marks the cells of one grid taken by controls; a summed-area
// table makes "is this rectangle free" O(1), so searching every place for
// every size stays cheap.
type occupancy struct {
	g     Grid
	cells []bool
	sum   []int // (W+1)*(H+1) prefix sums of taken cells; nil when stale
}

func occupy(controls []Control, g Grid, except string) *occupancy {
	o := &occupancy{g: g, cells: make([]bool, g.Width*g.Height)}
	for i := range controls {
		if controls[i].ControlID == except {
			continue
		}
		if p, ok := controls[i].PositionOn(g.Name); ok {
			o.mark(p)
		}
	}
	return o
}

func (o *occupancy) mark(p Position) {
	for y := max(p.Y, 0); y < min(p.Y+p.Height, o.g.Height); y++ {
		for x := max(p.X, 0); x < min(p.X+p.Width, o.g.Width); x++ {
			o.cells[y*o.g.Width+x] = true
		}
	}
	o.sum = nil
}

func (o *occupancy) free(p Position) bool {
	if !p.inside(o.g) {
		return false
	}
	w := o.g.Width + 1
	if o.sum == nil {
		o.sum = make([]int, w*(o.g.Height+1))
		for y := 0; y < o.g.Height; y++ {
			for x := 0; x < o.g.Width; x++ {
				v := 0
				if o.cells[y*o.g.Width+x] {
					v = 1
				}
				o.sum[(y+1)*w+x+1] = v + o.sum[y*w+x+1] + o.sum[(y+1)*w+x] - o.sum[y*w+x]
			}
		}
	}
	x0, y0, x1, y1 := p.X, p.Y, p.X+p.Width, p.Y+p.Height
	return o.sum[y1*w+x1]-o.sum[y0*w+x1]-o.sum[y1*w+x0]+o.sum[y0*w+x0] == 0
}

// nearest returns the free w x h place whose corner is closest to (x, y);
// ties go to the upper, then the left one.
func (o *occupancy) nearest(x, y, w, h int) (Position, bool) {
	best, bestD := Position{}, math.MaxInt
	for py := 0; py+h <= o.g.Height; py++ {
		for px := 0; px+w <= o.g.Width; px++ {
			d := (px-x)*(px-x) + (py-y)*(py-y)
			if d >= bestD {
				continue
			}
			p := Position{Size: o.g.Name, Width: w, Height: h, X: px, Y: py}
			if o.free(p) {
				best, bestD = p, d
			}
		}
	}
	return best, bestD != math.MaxInt
}

// firstFrom returns the first free w x h place in reading order starting at
// (x, y), wrapping around to the top.
func (o *occupancy) firstFrom(x, y, w, h int) (Position, bool) {
	rows := o.g.Height - h + 1
	if rows <= 0 || w > o.g.Width {
		return Position{}, false
	}
	y = min(max(y, 0), rows-1)
	for i := 0; i <= rows; i++ {
		py := (y + i) % rows
		startX, endX := 0, o.g.Width
		switch {
		case i == 0:
			startX = max(x, 0)
		case i == rows: // back on the first row: its left part
			endX = max(x, 0) + w - 1
		}
		for px := startX; px+w <= o.g.Width && px+w <= endX; px++ {
			p := Position{Size: o.g.Name, Width: w, Height: h, X: px, Y: py}
			if o.free(p) {
				return p, true
			}
		}
	}
	return Position{}, false
}

// shrinking tries find at the wanted size (clamped to the kind's limits),
// then at every smaller size the kind allows, largest area first and, among
// equal areas, the one closest to the wanted proportions (a joystick stays
// square).
func shrinking(kind string, g Grid, w, h int, find func(w, h int) (Position, bool)) (Position, bool) {
	l := Limits(kind, g)
	w, h = clampSize(l, w, h)
	if p, ok := find(w, h); ok {
		return p, true
	}
	type size struct{ w, h int }
	var sizes []size
	for sw := l.MinWidth; sw <= w; sw++ {
		for sh := l.MinHeight; sh <= h; sh++ {
			if (sw != w || sh != h) && (!l.Square || sw == sh) {
				sizes = append(sizes, size{sw, sh})
			}
		}
	}
	ratio := float64(w) / float64(h)
	sort.Slice(sizes, func(i, j int) bool {
		a, b := sizes[i], sizes[j]
		if a.w*a.h != b.w*b.h {
			return a.w*a.h > b.w*b.h
		}
		return math.Abs(float64(a.w)/float64(a.h)-ratio) < math.Abs(float64(b.w)/float64(b.h)-ratio)
	})
	for _, s := range sizes {
		if p, ok := find(s.w, s.h); ok {
			return p, true
		}
	}
	return Position{}, false
}

func clampSize(l SizeLimits, w, h int) (int, int) {
	w = min(max(w, l.MinWidth), l.MaxWidth)
	h = min(max(h, l.MinHeight), l.MaxHeight)
	if l.Square {
		w = min(w, h)
		h = w
	}
	return w, h
}

// FreePlaceNear returns the free place on want.Size nearest to want for a
// control of kind, among controls (ignoring the control with id except,
// normally the one being placed). It keeps want's size if that fits
// anywhere and shrinks it otherwise; false when the grid is full.
func FreePlaceNear(controls []Control, kind string, want Position, except string) (Position, bool) {
	g, ok := GridByName(want.Size)
	if !ok {
		return Position{}, false
	}
	o := occupy(controls, g, except)
	return shrinking(kind, g, want.Width, want.Height, func(w, h int) (Position, bool) {
		return o.nearest(want.X, want.Y, w, h)
	})
}

// UniqueControlID returns base, or base-2, base-3, ... whichever no control
// of the scene has yet. A trailing -N of base is replaced, so copying
// "fire-2" gives "fire-3", not "fire-2-2".
func UniqueControlID(s *Scene, base string) string {
	if base == "" {
		base = "control"
	}
	if s.Control(base) == nil {
		return base
	}
	if i := strings.LastIndexByte(base, '-'); i > 0 {
		if _, err := strconv.Atoi(base[i+1:]); err == nil {
			base = base[:i]
		}
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		id := trimToBytes(base, MaxIDLen-len(suffix)) + suffix
		if s.Control(id) == nil {
			return id
		}
	}
}

// trimToBytes shortens s to at most n bytes without splitting a character.
func trimToBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// PlaceCopy adds a copy of c to the scene (pasting, or duplicating a
// control of the same scene): it gets an id unused in the scene and, on
// every grid c has a position on, the free place nearest to c's. The copy
// is returned; it is hidden on a grid with no room left.
func PlaceCopy(s *Scene, c Control) Control {
	cp := c.Clone()
	cp.ControlID = UniqueControlID(s, c.ControlID)
	cp.Revision = 0
	cp.Position = nil
	for _, p := range c.Position {
		if np, ok := FreePlaceNear(s.Controls, c.Kind, p, ""); ok {
			cp.Position = append(cp.Position, np)
		}
	}
	sortPositions(cp.Position)
	s.Controls = append(s.Controls, cp)
	return cp
}

// NewControl adds a control of kind with its default size to the scene,
// placed on all three grids at once (the first free place on each). An
// empty id picks kind-N.
func NewControl(s *Scene, kind, id string) (Control, error) {
	if !KnownKind(kind) && !ValidCustomKind(kind) {
		return Control{}, &Error{Code: EINVALID, Field: "kind", Message: fmt.Sprintf("unknown kind %q; use one of %s, or a custom kind of 1-64 letters, digits, '-', '_' and '.'", truncate(kind), strings.Join(Kinds[:], ", "))}
	}
	if id == "" {
		id = UniqueControlID(s, kind+"-1")
	} else if s.Control(id) != nil {
		return Control{}, &Error{Code: ECONFLICT, Field: "controlID", Message: fmt.Sprintf("scene %q already has a control %q", s.SceneID, id)}
	}
	c := Control{ControlID: id, Kind: kind}
	for _, g := range Grids {
		l := Limits(kind, g)
		o := occupy(s.Controls, g, "")
		p, ok := shrinking(kind, g, l.DefaultWidth, l.DefaultHeight, func(w, h int) (Position, bool) {
			return o.firstFrom(0, 0, w, h)
		})
		if ok {
			c.Position = append(c.Position, p)
		}
	}
	s.Controls = append(s.Controls, c)
	return c, nil
}

// MissingGrids lists the grids the control has no position on (it is
// hidden there), in grid order.
func MissingGrids(c Control) []string {
	var out []string
	for _, g := range Grids {
		if _, ok := c.PositionOn(g.Name); !ok {
			out = append(out, g.Name)
		}
	}
	return out
}

// ControlsMissingFrom lists the ids of the scene's controls hidden on grid.
func ControlsMissingFrom(s Scene, grid string) []string {
	var out []string
	for i := range s.Controls {
		if _, ok := s.Controls[i].PositionOn(grid); !ok {
			out = append(out, s.Controls[i].ControlID)
		}
	}
	return out
}

// FillFromLarge places the controls that have a large position but none on
// medium or small. Each keeps its large row (y) and its horizontal place in
// proportion to the grid's width (so rows and their order survive); its
// width scales the same way, its height stays, both within the kind's
// limits. Where that spot is taken, the control goes to the first free
// place after it in reading order, shrinking if it must. It returns the ids
// of the controls it placed, per grid.
func FillFromLarge(s *Scene) map[string][]string {
	large := Grids[0]
	order := make([]int, 0, len(s.Controls))
	for i := range s.Controls {
		if _, ok := s.Controls[i].PositionOn(Large); ok {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		pa, _ := s.Controls[order[a]].PositionOn(Large)
		pb, _ := s.Controls[order[b]].PositionOn(Large)
		if pa.Y != pb.Y {
			return pa.Y < pb.Y
		}
		return pa.X < pb.X
	})
	placed := map[string][]string{}
	for _, g := range Grids[1:] {
		o := occupy(s.Controls, g, "")
		scale := float64(g.Width) / float64(large.Width)
		for _, i := range order {
			c := &s.Controls[i]
			if _, ok := c.PositionOn(g.Name); ok {
				continue
			}
			lp, _ := c.PositionOn(Large)
			l := Limits(c.Kind, g)
			w, h := clampSize(l, int(math.Round(float64(lp.Width)*scale)), lp.Height)
			if l.Square {
				w, h = clampSize(l, int(math.Round(float64(lp.Width)*scale)), int(math.Round(float64(lp.Width)*scale)))
			}
			x := min(int(math.Round(float64(lp.X)*scale)), g.Width-w)
			y := min(lp.Y, g.Height-h)
			p, ok := shrinking(c.Kind, g, w, h, func(w, h int) (Position, bool) {
				return o.firstFrom(x, y, w, h)
			})
			if !ok {
				continue
			}
			c.SetPosition(p)
			o.mark(p)
			placed[g.Name] = append(placed[g.Name], c.ControlID)
		}
	}
	return placed
}
