package studio

// Grid is one of the three grids a control is placed on (spec: Control
// Positioning). One unit is UnitPx pixels on screen.
type Grid struct {
	Name          string `json:"name"`          // the position's "size": large, medium or small
	Width         int    `json:"width"`         // in grid units
	Height        int    `json:"height"`        // in grid units
	MinViewportPx int    `json:"minViewportPx"` // a participant's viewport at least this wide uses the grid
}

// Grid names, as the protocol spells a position's "size".
const (
	Large  = "large"
	Medium = "medium"
	Small  = "small"
)

// UnitPx is the size of one grid unit on screen, in pixels: the one
// source of the CSS variable --unit (the layout sets it) and of the play
// page's data-unit.
const UnitPx = 12

// Grids lists the grids from the largest down, the order positions are
// written in. The play page receives this table as JSON (its data-grids).
var Grids = [...]Grid{
	{Name: Large, Width: 80, Height: 20, MinViewportPx: 900},
	{Name: Medium, Width: 45, Height: 25, MinViewportPx: 540},
	{Name: Small, Width: 30, Height: 40, MinViewportPx: 0},
}

// GridByName returns the grid with that name.
func GridByName(name string) (Grid, bool) {
	for _, g := range Grids {
		if g.Name == name {
			return g, true
		}
	}
	return Grid{}, false
}

// GridForViewport returns the grid a participant's viewport of that width
// (in CSS pixels) uses.
func GridForViewport(px int) Grid {
	for _, g := range Grids {
		if px >= g.MinViewportPx {
			return g
		}
	}
	return Grids[len(Grids)-1]
}

func gridIndex(name string) int {
	for i, g := range Grids {
		if g.Name == name {
			return i
		}
	}
	return -1
}

// Position places a control on one grid. All values are grid units.
type Position struct {
	Size   string `json:"size"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	X      int    `json:"x"`
	Y      int    `json:"y"`
}

// overlaps reports whether two rectangles on the same grid share a cell.
func (p Position) overlaps(q Position) bool {
	return p.X < q.X+q.Width && q.X < p.X+p.Width && p.Y < q.Y+q.Height && q.Y < p.Y+p.Height
}

// inside reports whether the rectangle lies entirely on grid g.
func (p Position) inside(g Grid) bool {
	return p.X >= 0 && p.Y >= 0 && p.Width > 0 && p.Height > 0 &&
		p.X+p.Width <= g.Width && p.Y+p.Height <= g.Height
}

// SizeLimits are the smallest and largest sizes a kind of control may take,
// in grid units. Largest 0 means "the grid's own size".
type SizeLimits struct {
	MinWidth, MinHeight int
	MaxWidth, MaxHeight int
	Square              bool // width must equal height (joysticks)
	// DefaultWidth and DefaultHeight size a new control.
	DefaultWidth, DefaultHeight int
}

// Limits returns the size limits for a kind on a grid. A control never
// exceeds its grid; a joystick is square, so its side is at most the grid's
// smaller dimension.
//
// The minimums keep a control usable on a phone (12 px units): a button
// needs room for a word (3x2 = 36x24 px), a joystick for a thumb
// (5x5 = 60 px), a label for one line (2x1), a textbox for an input and a
// submit button (6x4, which Mixer's own textbox also required in height),
// a screen for a finger's drag (4x4).
func Limits(kind string, g Grid) SizeLimits {
	l := SizeLimits{MaxWidth: g.Width, MaxHeight: g.Height}
	switch kind {
	case KindButton:
		l.MinWidth, l.MinHeight, l.DefaultWidth, l.DefaultHeight = 3, 2, 10, 5
	case KindJoystick:
		side := min(g.Width, g.Height)
		l.MinWidth, l.MinHeight, l.MaxWidth, l.MaxHeight = 5, 5, side, side
		l.DefaultWidth, l.DefaultHeight, l.Square = 10, 10, true
	case KindLabel:
		l.MinWidth, l.MinHeight, l.DefaultWidth, l.DefaultHeight = 2, 1, 10, 2
	case KindTextbox:
		l.MinWidth, l.MinHeight, l.DefaultWidth, l.DefaultHeight = 6, 4, 15, 4
	case KindScreen:
		l.MinWidth, l.MinHeight, l.DefaultWidth, l.DefaultHeight = 4, 4, 20, 10
	default:
		l.MinWidth, l.MinHeight, l.DefaultWidth, l.DefaultHeight = 1, 1, 10, 5
	}
	return l
}
