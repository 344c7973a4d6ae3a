package web

import (
	"strconv"
	"strings"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// A properties form saves what is valid and keeps the rest as typed: these
// helpers put a refused field back to its saved value in the control to
// save, and say what was and was not saved.

// revertRefused sets every field of the form that carries an error back to
// the saved control's value in target. It reports whether it changed
// anything (nothing left to revert means the problem is not the form's).
func revertRefused(target, saved *studio.Control, form *templates.PropsView, grid string) bool {
	changed := false
	for _, f := range form.Fields {
		if f.Error == "" {
			continue
		}
		want, _ := saved.Get(f.Name)
		if got, _ := target.Get(f.Name); got != want {
			_ = target.Set(f.Name, want) // the saved value parsed before
			changed = true
		}
	}
	for _, f := range form.Position {
		if f.Error == "" {
			continue
		}
		p, ok := saved.PositionOn(grid)
		if cur, on := target.PositionOn(grid); ok && (!on || cur != p) {
			target.SetPosition(p)
			changed = true
		}
		break
	}
	if form.Custom.Error != "" {
		if string(customJSON(target)) != string(customJSON(saved)) {
			target.Custom = saved.Clone().Custom
			changed = true
		}
	}
	return changed
}

func customJSON(c *studio.Control) []byte {
	b, _ := studio.CustomJSON(c.Custom)
	return b
}

// fieldOutcome is one changed field of the form and, if it was refused, why.
type fieldOutcome struct {
	name, err string
}

// formOutcome lists the fields whose typed value differs from the saved
// control: saved (no error) and refused.
func formOutcome(form *templates.PropsView, saved *studio.Control, grid string) (ok []string, refused []fieldOutcome) {
	for _, f := range form.Fields {
		was, _ := saved.Get(f.Name)
		switch {
		case f.Error != "":
			refused = append(refused, fieldOutcome{f.Name, f.Error})
		case strings.TrimSpace(f.Value) != was:
			ok = append(ok, f.Name)
		}
	}
	p, on := saved.PositionOn(grid)
	was := [...]int{p.X, p.Y, p.Width, p.Height}
	for i, f := range form.Position {
		n, err := strconv.Atoi(strings.TrimSpace(f.Value))
		switch {
		case f.Error != "":
			refused = append(refused, fieldOutcome{f.Name, f.Error})
		case on && err == nil && n != was[i]:
			ok = append(ok, f.Name)
		}
	}
	switch {
	case form.Custom.Error != "":
		refused = append(refused, fieldOutcome{"custom properties", form.Custom.Error})
	case strings.TrimSpace(form.Custom.Value) != strings.TrimSpace(string(customJSON(saved))) &&
		!(strings.TrimSpace(form.Custom.Value) == "" && len(saved.Custom) == 0):
		ok = append(ok, "custom properties")
	}
	return ok, refused
}

func savedText(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "Saved: " + strings.Join(names, ", ") + "."
}

func refusedText(refused []fieldOutcome) string {
	if len(refused) == 0 {
		return ""
	}
	parts := make([]string, len(refused))
	for i, r := range refused {
		parts[i] = r.name + " (" + r.err + ")"
	}
	return "Not saved: " + strings.Join(parts, "; ") + ". What you typed is kept below: fix it and save again."
}
