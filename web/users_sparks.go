package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

func (s *Server) sparksView(c echo.Context, u studio.User) (templates.SparksView, error) {
	ctx := c.Request().Context()
	bal, err := s.db.SparksBalance(ctx, u.ID)
	if err != nil {
		return templates.SparksView{}, err
	}
	hist, err := s.db.SparksHistory(ctx, u.ID, 50)
	if err != nil {
		return templates.SparksView{}, err
	}
	rate, err := s.db.WatchSparksRate(ctx, u.ChannelID)
	if err != nil {
		return templates.SparksView{}, err
	}
	v := templates.SparksView{CSRF: csrfToken(c), Balance: bal, Rate: rate, IsOwner: s.isOwner(ctx, u)}
	for _, e := range hist {
		v.Entries = append(v.Entries, templates.SparksRow{Amount: e.Amount, Reason: e.Reason, Ref: e.Ref, When: formatTime(e.CreatedAt)})
	}
	return v, nil
}

func (s *Server) renderSparks(c echo.Context, status int, flash, errMsg string) error {
	u, _ := s.currentUser(c)
	v, err := s.sparksView(c, u)
	if err != nil {
		return err
	}
	v.Flash, v.Error = flash, errMsg
	return s.render(c, status, "Sparks", templates.Sparks(v))
}

func (s *Server) handleSparks(c echo.Context) error { return s.renderSparks(c, http.StatusOK, "", "") }

// handleSparksRate sets what viewers earn per minute on the user's channel.
func (s *Server) handleSparksRate(c echo.Context) error {
	u, _ := s.currentUser(c)
	rate, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("rate")), 10, 64)
	if err == nil {
		err = s.db.SetWatchSparksRate(c.Request().Context(), u.ChannelID, rate)
	} else {
		err = studio.Errorf(studio.EINVALID, "the rate is a whole number")
	}
	if studio.ErrorCode(err) == studio.EINVALID {
		return s.renderSparks(c, http.StatusUnprocessableEntity, "", studio.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	return s.renderSparks(c, http.StatusOK, fmt.Sprintf("Viewers now earn %d sparks per minute.", rate), "")
}

// handleSparksGift credits a viewer (owner only): a ledger entry "gift".
func (s *Server) handleSparksGift(c echo.Context) error {
	ctx := c.Request().Context()
	name := strings.TrimSpace(c.FormValue("username"))
	amount, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("amount")), 10, 64)
	if err != nil || amount <= 0 || amount > 1_000_000_000 {
		return s.renderSparks(c, http.StatusUnprocessableEntity, "", "Gift a whole number of sparks from 1 to 1000000000.")
	}
	viewer, err := s.db.UserByName(ctx, name)
	if studio.ErrorCode(err) == studio.ENOTFOUND {
		return s.renderSparks(c, http.StatusNotFound, "", fmt.Sprintf("No viewer is called %q.", name))
	}
	if err != nil {
		return err
	}
	bal, err := s.db.CreditSparks(ctx, viewer.ID, amount, "gift")
	if err != nil {
		return err
	}
	return s.renderSparks(c, http.StatusOK, fmt.Sprintf("Gave %d sparks to %s (balance %d).", amount, viewer.Username, bal), "")
}
