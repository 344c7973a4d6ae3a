package studio

import (
	"fmt"
	"strings"
)

// Problem is one broken rule, located precisely enough for the editor to
// show it next to the field and for the importer to list it.
type Problem struct {
	SceneID   string `json:"sceneID,omitempty"`
	ControlID string `json:"controlID,omitempty"`
	GroupID   string `json:"groupID,omitempty"`
	Grid      string `json:"grid,omitempty"` // "large", "medium", "small" or ""
	Field     string `json:"field,omitempty"`
	Message   string `json:"message"`
}

func (p Problem) String() string {
	var where []string
	if p.SceneID != "" {
		where = append(where, "scene "+quote(p.SceneID))
	}
	if p.ControlID != "" {
		where = append(where, "control "+quote(p.ControlID))
	}
	if p.GroupID != "" {
		where = append(where, "group "+quote(p.GroupID))
	}
	if p.Grid != "" {
		where = append(where, p.Grid+" grid")
	}
	if p.Field != "" {
		where = append(where, "field "+p.Field)
	}
	if len(where) == 0 {
		return p.Message
	}
	return strings.Join(where, ", ") + ": " + p.Message
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// ValidationError lists every problem found, not just the first, so a user
// can fix them all at once. errors.Is(err, ErrInvalid) holds for it.
type ValidationError struct {
	Problems []Problem
}

func (v *ValidationError) Error() string {
	switch len(v.Problems) {
	case 0:
		return "invalid layout"
	case 1:
		return v.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems: ", len(v.Problems))
	for i, p := range v.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Is makes a ValidationError match ErrInvalid.
func (v *ValidationError) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == EINVALID
}

// For returns the problems about one control (any grid), for inline display.
func (v *ValidationError) For(sceneID, controlID string) []Problem {
	var out []Problem
	for _, p := range v.Problems {
		if p.SceneID == sceneID && p.ControlID == controlID {
			out = append(out, p)
		}
	}
	return out
}

// problems collects Problems while validating.
type problems []Problem

func (ps *problems) add(p Problem, format string, args ...any) {
	p.Message = fmt.Sprintf(format, args...)
	*ps = append(*ps, p)
}

// MaxProblems caps a ValidationError's list: past it a hostile or hopeless
// file gets one last problem saying how many more there were.
const MaxProblems = 1000

// err returns a *ValidationError, or nil when nothing was found.
func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	if len(ps) > MaxProblems {
		more := len(ps) - MaxProblems + 1
		ps = append(ps[:MaxProblems-1:MaxProblems-1], Problem{Message: fmt.Sprintf("... and %d more problems", more)})
	}
	return &ValidationError{Problems: ps}
}
