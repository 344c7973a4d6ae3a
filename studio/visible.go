package studio

import "strings"

// NothingToShow says why viewers would see nothing of a control (a button
// or a label without text, a button without a background image either),
// or "" when they see something. The editor shows the page's own drawing
// of the control, so a blank control looks blank there too; this is the
// warning beside it.
func NothingToShow(c *Control) string {
	text := ""
	if c.Text != nil {
		text = strings.TrimSpace(*c.Text)
	}
	if text != "" {
		return ""
	}
	switch c.Kind {
	case KindButton:
		if c.BackgroundImage != nil && *c.BackgroundImage != "" {
			return ""
		}
		return "No text: viewers see an empty button. Give it a text."
	case KindLabel:
		return "No text: viewers see nothing here. Give it a text."
	}
	return ""
}
