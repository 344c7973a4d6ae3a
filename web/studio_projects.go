package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// maxProjectName is the longest project name the forms accept.
const maxProjectName = 100

// studioUser is the signed-in user of a studio page (requireStudioUser ran).
func (s *Server) studioUser(c echo.Context) (studio.User, error) {
	u, ok := s.currentUser(c)
	if !ok {
		return studio.User{}, echo.NewHTTPError(http.StatusUnauthorized, "Sign in first.")
	}
	return u, nil
}

// projectsView lists the user's projects, newest version of each first.
func (s *Server) projectsView(c echo.Context, u studio.User) (templates.ProjectsView, error) {
	projects, err := s.storeProjects(c.Request().Context(), u)
	if err != nil {
		return templates.ProjectsView{}, err
	}
	var v templates.ProjectsView
	for _, p := range projects {
		row := templates.ProjectRow{ID: p.ID, Name: p.Name, Versions: len(p.Versions), Updated: p.UpdatedAt.UTC().Format("2006-01-02 15:04")}
		if len(p.Versions) > 0 {
			newest := p.Versions[0]
			row.VersionID, row.VersionNumber, row.State = newest.ID, newest.Number, newest.State
		}
		v.Projects = append(v.Projects, row)
	}
	return v, nil
}

func (s *Server) renderProjects(c echo.Context, status int, u studio.User, edit func(*templates.ProjectsView)) error {
	v, err := s.projectsView(c, u)
	if err != nil {
		return studioHTTPError(err)
	}
	if edit != nil {
		edit(&v)
	}
	return s.renderView(c, status, view{Title: "Projects", Partial: templates.ProjectsList(v), Page: templates.ProjectsPage(v)})
}

// handleProjects lists the projects; ?rename=ID and ?delete=ID open the
// rename form and the delete confirmation of one row.
func (s *Server) handleProjects(c echo.Context) error {
	u, err := s.studioUser(c)
	if err != nil {
		return err
	}
	return s.renderProjects(c, http.StatusOK, u, func(v *templates.ProjectsView) {
		if id, _ := strconv.ParseInt(c.QueryParam("rename"), 10, 64); id > 0 {
			v.RenameID = id
			for _, p := range v.Projects {
				if p.ID == id {
					v.RenameName = p.Name
				}
			}
		}
		v.ConfirmDelete, _ = strconv.ParseInt(c.QueryParam("delete"), 10, 64)
	})
}

// checkProjectName trims a posted name and checks it.
func checkProjectName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return name, studio.Errorf(studio.EINVALID, "a project needs a name")
	case utf8.RuneCountInString(name) > maxProjectName:
		return name, studio.Errorf(studio.EINVALID, "a project name has at most %d characters", maxProjectName)
	}
	return name, nil
}

// handleCreateProject creates a project (a draft version 1 with the default
// scene and group) and opens its editor.
func (s *Server) handleCreateProject(c echo.Context) error {
	u, err := s.studioUser(c)
	if err != nil {
		return err
	}
	name, err := checkProjectName(c.FormValue("name"))
	if err == nil {
		var versionID int64
		if versionID, err = s.storeCreateProject(c.Request().Context(), u, name); err == nil {
			return redirect(c, templates.EditorURL(versionID))
		}
	}
	if studioStatus(err) != http.StatusUnprocessableEntity {
		return studioHTTPError(err)
	}
	return s.renderProjects(c, http.StatusUnprocessableEntity, u, func(v *templates.ProjectsView) {
		v.CreateName, v.CreateError = c.FormValue("name"), studio.ErrorMessage(err)
	})
}

// projectID reads the :project parameter.
func projectID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("project"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound, "No such project.")
	}
	return id, nil
}

// handleRenameProject renames a project; a refused name stays in the form.
func (s *Server) handleRenameProject(c echo.Context) error {
	u, err := s.studioUser(c)
	if err != nil {
		return err
	}
	id, err := projectID(c)
	if err != nil {
		return err
	}
	name, err := checkProjectName(c.FormValue("name"))
	if err == nil {
		err = s.storeRenameProject(c.Request().Context(), u, id, name)
	}
	if err != nil {
		if studioStatus(err) != http.StatusUnprocessableEntity {
			return studioHTTPError(err)
		}
		return s.renderProjects(c, http.StatusUnprocessableEntity, u, func(v *templates.ProjectsView) {
			v.RenameID, v.RenameName, v.RenameError = id, c.FormValue("name"), studio.ErrorMessage(err)
		})
	}
	return s.renderProjects(c, http.StatusOK, u, func(v *templates.ProjectsView) { v.Flash = "Renamed to “" + name + "”." })
}

// handleDuplicateProject copies a project with all its versions.
func (s *Server) handleDuplicateProject(c echo.Context) error {
	u, err := s.studioUser(c)
	if err != nil {
		return err
	}
	id, err := projectID(c)
	if err != nil {
		return err
	}
	name, err := s.storeDuplicateProject(c.Request().Context(), u, id)
	if err != nil {
		return studioHTTPError(err)
	}
	return s.renderProjects(c, http.StatusOK, u, func(v *templates.ProjectsView) { v.Flash = "Created “" + name + "”." })
}

// handleDeleteProject deletes a project and every version, but only with
// confirm=yes (the confirmation step of the list).
func (s *Server) handleDeleteProject(c echo.Context) error {
	u, err := s.studioUser(c)
	if err != nil {
		return err
	}
	id, err := projectID(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return s.renderProjects(c, http.StatusUnprocessableEntity, u, func(v *templates.ProjectsView) { v.ConfirmDelete = id })
	}
	if err := s.storeDeleteProject(c.Request().Context(), u, id); err != nil {
		return studioHTTPError(err)
	}
	return s.renderProjects(c, http.StatusOK, u, func(v *templates.ProjectsView) { v.Flash = "Deleted the project." })
}

// handleImport creates a project from an uploaded layout file. Every
// problem of the file is listed and nothing is saved unless there is none.
func (s *Server) handleImport(c echo.Context) error {
	u, err := s.studioUser(c)
	if err != nil {
		return err
	}
	refuse := func(problems ...string) error {
		return s.renderProjects(c, http.StatusUnprocessableEntity, u, func(v *templates.ProjectsView) { v.ImportErrors = problems })
	}
	fh, err := c.FormFile("layout")
	if err != nil {
		return refuse("choose a layout file (.json) to import")
	}
	if fh.Size > studio.MaxImportBytes {
		return refuse(fmt.Sprintf("the file is %d bytes; at most %d are accepted", fh.Size, studio.MaxImportBytes))
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, studio.MaxImportBytes+1))
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	layout, report, err := studio.Import(data)
	if err != nil {
		var v *studio.ValidationError
		if errors.As(err, &v) {
			var lines []string
			for _, p := range v.Problems {
				lines = append(lines, p.String())
			}
			return refuse(lines...)
		}
		if studioStatus(err) == http.StatusUnprocessableEntity {
			return refuse(studio.ErrorMessage(err))
		}
		return err
	}
	// A file that names no layout (a Dev Lab version) is named after the
	// file; a named one keeps its name, marked as imported.
	name := layout.Name + " (imported)"
	if report.Unnamed {
		name = fileTitle(fh.Filename)
	}
	if layout.Name, err = checkProjectName(name); err != nil {
		layout.Name = "Imported layout"
	}
	versionID, err := s.storeImport(c.Request().Context(), u, layout)
	if err != nil {
		if studioStatus(err) == http.StatusUnprocessableEntity {
			return refuse(problemText(err))
		}
		return studioHTTPError(err)
	}
	// Every import ends the same way: what was imported, what was not
	// carried over, and a button to open it.
	return s.renderProjects(c, http.StatusOK, u, func(v *templates.ProjectsView) {
		v.Imported = &templates.ImportSummary{Name: layout.Name, Format: formatName(report.Format), Counts: layoutCounts(layout),
			Warnings: report.Warnings, URL: templates.EditorURL(versionID)}
	})
}

// fileTitle is an uploaded file's name without its folder and extension.
func fileTitle(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return strings.TrimSpace(name)
}

// formatName says which kind of file an import was.
func formatName(format string) string {
	switch format {
	case studio.FormatMixstudio:
		return "a mixstudio layout"
	case studio.FormatBare:
		return "a list of scenes"
	case studio.FormatMixerLab:
		return "a Mixer Developer Lab version"
	case studio.FormatFirebot:
		return "a Firebot MixPlay project"
	}
	return format
}

// layoutCounts says what an imported layout holds.
func layoutCounts(l studio.Layout) string {
	controls := 0
	for _, sc := range l.Scenes {
		controls += len(sc.Controls)
	}
	return fmt.Sprintf("%d scene%s, %d control%s, %d group%s", len(l.Scenes), plural(len(l.Scenes)), controls, plural(controls), len(l.Groups), plural(len(l.Groups)))
}
