package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/static"
)

// routes lists every route in one place, to be read top to bottom.
// Long-lived routes (WebSocket, SSE) must not sit behind a timeout.
func (s *Server) routes(e *echo.Echo) {
	e.GET("/healthz", s.handleHealth)
	e.StaticFS("/static", static.FS)
	// Identity: /api/v1/users/current, /api/v1/interactive/:channelID, the
	// OAuth shortcode endpoints, /go, sign-in/up/out and /account pages.
	s.identityRoutes(e)
	// Studio: the projects list and a version's editor (studio_routes.go);
	// never on `mixstudio mediator`, a public host without sign-in.
	if !s.cfg.MediatorOnly {
		s.studioRoutes(e)
	}
	// Play: the participant page /play/:channelID (play.go).
	s.playRoutes(e)
	// Live console: /studio/versions/:version/live (page, actions, its
	// event stream) and /api/live/:channelID/events (live.go). No timeouts.
	s.liveRoutes(e)
	// Live (live/mediator): discovery, the game-client and participant
	// sockets, and session file uploads/downloads. No timeouts here.
	if m := s.cfg.Mediator; m != nil {
		e.GET(mediator.HostsPath, echo.WrapHandler(http.HandlerFunc(m.ServeHosts)))
		e.GET(mediator.GameClientPath, echo.WrapHandler(http.HandlerFunc(m.ServeGameClient)))
		e.GET(mediator.ParticipantPath, echo.WrapHandler(http.HandlerFunc(m.ServeParticipant)))
		e.Match([]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut}, mediator.FilesPath+"*",
			echo.WrapHandler(http.HandlerFunc(m.ServeFiles)))
	}
}
