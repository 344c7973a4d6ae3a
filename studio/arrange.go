package studio

import (
	"fmt"
	"math"
	"sort"
)

// ArrangeResult says how ArrangeFromLarge laid a grid out.
type ArrangeResult struct {
	Grid  string
	Scale float64  // the one factor every size was multiplied by
	Moved []string // controls whose position on Grid changed
}

// ArrangeFromLarge lays grid (medium or small) out after the large layout,
// at any time, replacing the positions the controls placed on large have
// there. It keeps:
//   - reading order: the large layout's rows (controls whose rows overlap
//     form one row) stay in order top to bottom, each left to right; a row
//     too wide for the grid wraps onto the next line;
//   - relative sizes: every size and gap is multiplied by one factor (the
//     largest, at most 1, at which the whole layout fits the grid), then
//     held within the kind's limits (a joystick stays square);
//   - no overlaps, also with controls that are not on large (they keep
//     their place on grid and the others flow around them).
//
// Nothing of s changes when the layout cannot fit (EINVALID).
func ArrangeFromLarge(s *Scene, grid string) (ArrangeResult, error) {
	g, ok := GridByName(grid)
	if !ok || grid == Large {
		return ArrangeResult{}, Errorf(EINVALID, "arrange medium or small from large, not %q", grid)
	}
	rows := largeRows(s)
	if len(rows) == 0 {
		return ArrangeResult{}, Errorf(EINVALID, "nothing is placed on the large grid to arrange from")
	}
	for step := 0; step <= 18; step++ {
		f := 1 - 0.05*float64(step)
		if placed, ok := flow(s, g, rows, f); ok {
			res := ArrangeResult{Grid: grid, Scale: f}
			for _, i := range sortedIndexes(placed) {
				c := &s.Controls[i]
				if old, on := c.PositionOn(grid); !on || old != placed[i] {
					res.Moved = append(res.Moved, c.ControlID)
				}
				c.SetPosition(placed[i])
			}
			return res, nil
		}
	}
	return ArrangeResult{}, Errorf(EINVALID, "the large layout does not fit the %s grid (%d×%d) even at a tenth of its size: move some controls to another scene, or arrange %s by hand",
		grid, g.Width, g.Height, grid)
}

// largeRows groups the indexes of the controls placed on large into rows:
// sorted by top edge, a control whose top is above the current row's
// bottom joins it. Each row is sorted left to right.
func largeRows(s *Scene) [][]int {
	var order []int
	for i := range s.Controls {
		if _, ok := s.Controls[i].PositionOn(Large); ok {
			order = append(order, i)
		}
	}
	pos := func(i int) Position { p, _ := s.Controls[i].PositionOn(Large); return p }
	sort.SliceStable(order, func(a, b int) bool {
		pa, pb := pos(order[a]), pos(order[b])
		if pa.Y != pb.Y {
			return pa.Y < pb.Y
		}
		return pa.X < pb.X
	})
	var rows [][]int
	bottom := -1
	for _, i := range order {
		p := pos(i)
		if len(rows) == 0 || p.Y >= bottom {
			rows = append(rows, nil)
			bottom = p.Y + p.Height
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], i)
		bottom = max(bottom, p.Y+p.Height)
	}
	for _, r := range rows {
		sort.SliceStable(r, func(a, b int) bool { return pos(r[a]).X < pos(r[b]).X })
	}
	return rows
}

// flow places the rows at factor f; false when they do not all fit.
func flow(s *Scene, g Grid, rows [][]int, f float64) (map[int]Position, bool) {
	scale := func(v int) int { return int(math.Round(float64(v) * f)) }
	// Controls not on large keep their place on g: obstacles.
	o := &occupancy{g: g, cells: make([]bool, g.Width*g.Height)}
	onLarge := map[int]bool{}
	for _, r := range rows {
		for _, i := range r {
			onLarge[i] = true
		}
	}
	for i := range s.Controls {
		if p, ok := s.Controls[i].PositionOn(g.Name); ok && !onLarge[i] {
			o.mark(p)
		}
	}
	placed := map[int]Position{}
	y := 0          // top of the current line
	prevBottom := 0 // the previous row's bottom on large
	for ri, r := range rows {
		top := math.MaxInt
		for _, i := range r {
			p, _ := s.Controls[i].PositionOn(Large)
			top = min(top, p.Y)
		}
		if ri > 0 {
			y += scale(max(top-prevBottom, 0))
		}
		x, lineH, prevRight := 0, 0, 0
		for k, i := range r {
			c := &s.Controls[i]
			lp, _ := c.PositionOn(Large)
			l := Limits(c.Kind, g)
			w, h := clampSize(l, scale(lp.Width), scale(lp.Height))
			gap := scale(max(lp.X-prevRight, 0))
			if k == 0 {
				gap = scale(lp.X)
			}
			prevRight = lp.X + lp.Width
			dy := scale(lp.Y - top)
			if x+gap+w > g.Width && x > 0 { // wrap this row onto a new line
				y, x, lineH, gap = y+lineH, 0, 0, 0
			}
			want := Position{Size: g.Name, X: min(x+gap, max(g.Width-w, 0)), Y: y + dy, Width: w, Height: h}
			p := want
			if !o.free(p) {
				var ok bool
				if p, ok = o.firstFrom(want.X, want.Y, w, h); !ok || p.Y < y {
					return nil, false
				}
			}
			o.mark(p)
			placed[i] = p
			x = p.X + p.Width
			lineH = max(lineH, p.Y+p.Height-y)
		}
		y += lineH
		prevBottom = 0
		for _, i := range r {
			p, _ := s.Controls[i].PositionOn(Large)
			prevBottom = max(prevBottom, p.Y+p.Height)
		}
	}
	return placed, y <= g.Height
}

func sortedIndexes(m map[int]Position) []int {
	out := make([]int, 0, len(m))
	for i := range m {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// String describes the result for the editor's preview.
func (r ArrangeResult) String() string {
	return fmt.Sprintf("%d control%s moved on %s, in the large layout's reading order, every size ×%.2f", len(r.Moved), pluralS(len(r.Moved)), r.Grid, r.Scale)
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// FollowsLarge reports whether grid is laid out exactly as ArrangeFromLarge
// would lay it out now: it has not been edited by hand since. The editor
// keeps such a grid following large when large changes.
func FollowsLarge(s *Scene, grid string) bool {
	if grid == Large || len(s.Controls) > maxFollowControls {
		return false
	}
	cp := s.Clone()
	res, err := ArrangeFromLarge(&cp, grid)
	return err == nil && len(res.Moved) == 0
}

// maxFollowControls bounds the scenes whose grids follow large: checking
// costs an arrangement per grid on every save of large.
const maxFollowControls = 200

// FollowLarge re-arranges, in after, every grid that followed large in
// before (FollowsLarge), so that moving or resizing on large moves them
// too until one is edited by hand. It returns the grids it arranged.
func FollowLarge(before, after *Scene) []string {
	var out []string
	for _, g := range Grids[1:] {
		if !FollowsLarge(before, g.Name) {
			continue
		}
		if _, err := ArrangeFromLarge(after, g.Name); err == nil {
			out = append(out, g.Name)
		}
	}
	return out
}
