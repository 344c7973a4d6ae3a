package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

func (s *Server) clientsView(c echo.Context) (templates.ClientsView, error) {
	list, err := s.db.ListOAuthClients(c.Request().Context())
	if err != nil {
		return templates.ClientsView{}, err
	}
	v := templates.ClientsView{CSRF: csrfToken(c)}
	for _, cl := range list {
		v.Clients = append(v.Clients, templates.ClientRow{ClientID: cl.ClientID, Name: cl.Name, HasSecret: cl.HasSecret, Created: formatTime(cl.CreatedAt)})
	}
	return v, nil
}

func (s *Server) handleClients(c echo.Context) error {
	v, err := s.clientsView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "Applications", templates.Clients(v))
}

// handleCreateClient registers an application; its secret is shown once.
func (s *Server) handleCreateClient(c echo.Context) error {
	cl, secret, err := s.db.CreateOAuthClient(c.Request().Context(), c.FormValue("name"), c.FormValue("secret") != "")
	status := http.StatusOK
	if err != nil && !errors.Is(err, studio.ErrInvalid) {
		return err
	}
	v, verr := s.clientsView(c)
	if verr != nil {
		return verr
	}
	if err != nil {
		status, v.Error = http.StatusUnprocessableEntity, studio.ErrorMessage(err)
	} else {
		v.NewID, v.NewSecret = cl.ClientID, secret
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return s.render(c, status, "Applications", templates.Clients(v))
}

func (s *Server) handleDeleteClient(c echo.Context) error {
	err := s.db.DeleteOAuthClient(c.Request().Context(), c.Param("clientID"))
	if err != nil && !errors.Is(err, studio.ErrNotFound) {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account/clients")
}
