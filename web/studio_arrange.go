package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// handleArrange lays the current grid (medium or small) out after the large
// layout (studio.ArrangeFromLarge). GET shows the result in the canvas
// without saving it, with Apply and Cancel; POST saves it as one edit (one
// undo step).
func (s *Server) handleArrange(c echo.Context) error {
	r, err := s.loadEditor(c)
	if err != nil {
		return err
	}
	edited := r.scene().Clone()
	res, err := studio.ArrangeFromLarge(&edited, r.grid)
	if err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	if len(res.Moved) == 0 {
		return s.renderEditor(c, http.StatusOK, r, editorState{flash: templates.Flash{Kind: "ok", Text: "The " + r.grid + " grid already follows the large layout: nothing to change."}})
	}
	if c.Request().Method == http.MethodGet {
		*r.scene() = edited // shown, not saved
		return s.renderEditor(c, http.StatusOK, r, editorState{arrange: &templates.ArrangePreview{Text: res.String(), Moved: len(res.Moved)}})
	}
	if err := r.editable(); err != nil {
		return s.renderEditError(c, r, err, editorState{})
	}
	label := "Arrange " + r.grid + " from large"
	return s.saveEdit(c, r, label, "edit", studio.Changes(r.scene(), &edited),
		editorState{flash: templates.Flash{Kind: "ok", Text: "Arranged: " + res.String() + ". Undo puts it back."}})
}
