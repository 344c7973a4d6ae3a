package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// studioBodyLimit bounds a studio request's body (Echo's size syntax).
const studioBodyLimit = "17M"

// studioRoutes are the studio's pages: the projects list and a version's
// editor. Every edit is a POST that answers with the re-rendered workspace;
// scene, grid and control ids travel as form values, never in the path.
func (s *Server) studioRoutes(e *echo.Echo) {
	// The site's root is the studio (the brand link and sign-in lead here).
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/studio") })
	// The largest request is an import: studio.MaxImportBytes plus the
	// multipart framing. Anything bigger is refused before it is read.
	g := e.Group("/studio", middleware.BodyLimit(studioBodyLimit), s.csrf, s.requireStudioUser)
	g.GET("", s.handleProjects)
	g.POST("/projects", s.handleCreateProject)
	g.POST("/projects/:project/rename", s.handleRenameProject)
	g.POST("/projects/:project/duplicate", s.handleDuplicateProject)
	g.POST("/projects/:project/delete", s.handleDeleteProject)
	g.POST("/import", s.handleImport)

	v := g.Group("/versions/:version")
	v.GET("", s.handleEditor)
	v.GET("/preview", s.handlePreview)
	v.GET("/scene-json", s.handleSceneJSON)
	v.GET("/export", s.handleExport)
	v.POST("/publish", s.handlePublish)
	v.POST("/draft", s.handleNewDraft)

	v.POST("/controls", s.handleAddControl)
	v.POST("/move", s.handleMove)
	v.GET("/properties", s.handleProperties)
	v.POST("/properties", s.handleProperties)
	v.POST("/paste", s.handlePaste)
	v.POST("/delete-controls", s.handleDeleteControls)
	v.POST("/fill", s.handleFill)
	v.POST("/place", s.handlePlace)
	v.POST("/unplace", s.handleUnplace)
	v.POST("/restore", s.handleRestore)

	v.POST("/scenes", s.handleAddScene)
	v.POST("/scenes/rename", s.handleRenameScene)
	v.POST("/scenes/delete", s.handleDeleteScene)
	v.POST("/groups", s.handleAddGroup)
	v.POST("/groups/update", s.handleUpdateGroup)
	v.POST("/groups/delete", s.handleDeleteGroup)
}
