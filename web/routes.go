package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/static"
)

// bodyCap is the most a route's request body may hold (capBody applies
// it before anything is parsed); every route not named gets the figure of
// a form. 0: the handler bounds the body itself.
func bodyCap(route string) int64 {
	switch {
	case route == "/studio/import":
		return limits.ImportBody
	case route == "/studio/versions/:version/files":
		return persistence.MaxVersionFileBytes + 64<<10 // an alert's image or sound
	case strings.HasPrefix(route, mediator.FilesPath):
		return 0 // uploads: the session's quota (mediator.Options.UploadQuota)
	case strings.HasPrefix(route, "/studio/"):
		return limits.StudioBody
	}
	return limits.FormBody
}

// longLived names the routes that hold their request for a connection's
// life (WebSockets, event streams): they are not counted among an
// address's requests in progress and clear the read deadline themselves.
func longLived(route string) bool {
	switch route {
	case mediator.GameClientPath, mediator.ParticipantPath,
		"/studio/versions/:version/live/events", "/api/live/:channelID/events", "/overlay/:channelID/events":
		return true
	}
	return false
}

// routes lists every route in one place, to be read top to bottom.
// Long-lived routes (WebSocket, SSE) sit behind no timeout middleware.
// `mixstudio mediator` (MediatorOnly) is a public host without sign-in, so
// it serves the protocol and the API only: no studio, account or play pages.
func (s *Server) routes(e *echo.Echo) {
	e.GET("/healthz", s.handleHealth)
	e.StaticFS("/static", static.FS)
	e.GET("/favicon.ico", s.handleFavicon)

	// The protocol (live/mediator): discovery, the game-client and
	// participant sockets, session file uploads and downloads.
	if m := s.cfg.Mediator; m != nil {
		e.GET(mediator.HostsPath, echo.WrapHandler(http.HandlerFunc(m.ServeHosts)))
		e.GET(mediator.GameClientPath, echo.WrapHandler(http.HandlerFunc(m.ServeGameClient)))
		e.GET(mediator.ParticipantPath, echo.WrapHandler(http.HandlerFunc(m.ServeParticipant)))
		e.Match([]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut}, mediator.FilesPath+"*",
			echo.WrapHandler(http.HandlerFunc(m.ServeFiles)))
	}

	// Mixer's REST API: bearer tokens and client ids, no CSRF.
	e.GET("/api/v1/users/current", s.handleCurrentUser)
	e.GET("/api/v1/interactive/:channelID", s.handleParticipantJoin)
	e.POST("/api/v1/oauth/shortcode", s.handleShortcodeCreate)
	e.GET("/api/v1/oauth/shortcode/check/:handle", s.handleShortcodeCheck)
	e.POST("/api/v1/oauth/token", s.handleOAuthToken)
	if s.cfg.MediatorOnly {
		return
	}

	// Sign-in and account pages (CSRF on each).
	// Every page but /play sends pageHeaders (no framing, no inline script).
	e.GET("/signin", s.handleSignInPage, s.pageHeaders, s.csrf, s.loadUser)
	e.POST("/signin", s.handleSignIn, s.pageHeaders, s.csrf)
	e.GET("/signin/link", s.handleSignInLink, s.pageHeaders, s.csrf)
	e.GET("/signup", s.handleSignUpPage, s.pageHeaders, s.csrf, s.loadUser)
	e.POST("/signup", s.handleSignUp, s.pageHeaders, s.csrf)
	e.POST("/signout", s.handleSignOut, s.pageHeaders, s.csrf)
	e.GET("/go", s.handleGoPage, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.POST("/go", s.handleGo, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.GET("/account", s.handleAccount, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.POST("/account/password", s.handleSetPassword, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.GET("/account/tokens", s.handleTokens, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.POST("/account/tokens", s.handleCreateToken, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.POST("/account/tokens/:id/revoke", s.handleRevokeToken, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.GET("/account/sparks", s.handleSparks, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.POST("/account/sparks/rate", s.handleSparksRate, s.pageHeaders, s.csrf, s.requireStudioUser)
	e.POST("/account/sparks/gift", s.handleSparksGift, s.pageHeaders, s.csrf, s.requireOwner)
	e.GET("/account/clients", s.handleClients, s.pageHeaders, s.csrf, s.requireOwner)
	e.POST("/account/clients", s.handleCreateClient, s.pageHeaders, s.csrf, s.requireOwner)
	e.POST("/account/clients/:clientID/delete", s.handleDeleteClient, s.pageHeaders, s.csrf, s.requireOwner)

	// The participant page.
	e.GET("/play/:channelID", s.handlePlay)
	e.GET("/play/:channelID/sparks", s.handlePlaySparks)
	e.GET("/play/:channelID/bundle", s.handlePlayBundle)
	// Control bundles' files, for the play page's sandboxed frame.
	e.GET(BundlePathPrefix+":version/:digest/*", s.handleBundleFile)

	// The studio: the projects list and a version's editor. Every edit is a
	// POST answered with the re-rendered workspace; scene, grid and control
	// ids travel as form values, never in the path.
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/studio") })
	g := e.Group("/studio", s.pageHeaders, s.csrf, s.requireStudioUser)
	g.GET("", s.handleProjects)
	g.POST("/projects", s.handleCreateProject)
	g.POST("/projects/:project/rename", s.handleRenameProject)
	g.POST("/projects/:project/duplicate", s.handleDuplicateProject)
	g.POST("/projects/:project/delete", s.handleDeleteProject)
	// An import is signed in before its body is read, then spooled to
	// disk (the CSRF token may sit in the multipart form), then decoded
	// in one of limits.ConcurrentImports slots.
	e.POST("/studio/import", s.handleImport, s.pageHeaders, s.requireStudioUser, s.spoolUpload, s.csrf, s.importSlot)

	v := g.Group("/versions/:version")
	v.GET("", s.handleEditor)
	v.GET("/preview", s.handlePreview)
	v.GET("/scene-json", s.handleSceneJSON)
	v.GET("/export", s.handleExport)
	v.GET("/connect", s.handleConnect)
	v.POST("/connect/token", s.handleConnectToken)
	v.POST("/sharecode", s.handleSharecode)
	v.POST("/publish", s.handlePublish)
	v.POST("/draft", s.handleNewDraft)
	v.POST("/controls", s.handleAddControl)
	v.POST("/move", s.handleMove)
	v.GET("/properties", s.handleProperties)
	v.POST("/properties", s.handleSaveProperties)
	v.POST("/paste", s.handlePaste)
	v.POST("/delete-controls", s.handleDeleteControls)
	v.POST("/fill", s.handleFill)
	v.GET("/arrange", s.handleArrange)
	v.POST("/arrange", s.handleArrange)
	v.POST("/place", s.handlePlace)
	v.POST("/unplace", s.handleUnplace)
	v.POST("/restore", s.handleRestore)
	v.POST("/scenes", s.handleAddScene)
	v.POST("/scenes/rename", s.handleRenameScene)
	v.POST("/scenes/delete", s.handleDeleteScene)
	v.POST("/groups", s.handleAddGroup)
	v.POST("/groups/update", s.handleUpdateGroup)
	v.POST("/groups/delete", s.handleDeleteGroup)
	v.GET("/reactions", s.handleReactions)
	v.POST("/reactions", s.handleReactions)
	v.POST("/files", s.handleVersionFile)
	v.GET("/bundle", s.handleBundlePage)
	v.POST("/bundle", s.handleBundleUpload)
	v.POST("/bundle/delete", s.handleBundleDelete)

	// The live console of a version (its page, actions and event stream),
	// and the same events for other tools with a bearer token.
	if s.cfg.Console != nil {
		l := e.Group("/studio/versions/:version/live", s.pageHeaders, s.csrf, s.requireStudioUser)
		l.GET("", s.handleLiveConsole)
		l.GET("/events", s.handleLivePageEvents)
		l.POST("/start", s.handleLiveStart)
		l.POST("/stop", s.handleLiveStop)
		l.POST("/scene", s.handleLiveScene)
		l.POST("/participant", s.handleLiveParticipant)
		l.POST("/control", s.handleLiveControl)
		l.POST("/capture", s.handleLiveCapture)
		l.POST("/autocapture", s.handleLiveAutoCapture)
		l.POST("/broadcast", s.handleLiveBroadcast)
		l.POST("/moderate", s.handleLiveModerate)
		l.POST("/lift", s.handleLiveLift)
		l.POST("/discard", s.handleLiveDiscard)
		e.GET("/api/live/:channelID/events", s.handleLiveAPIEvents)

		// The stream overlay: the channel's overlay key is in the query.
		l.POST("/overlay/rotate", s.handleOverlayRotate)
		e.GET("/overlay/:channelID", s.handleOverlay)
		e.GET("/overlay/:channelID/events", s.handleOverlayEvents)
		e.GET("/overlay/:channelID/files/:version/:name", s.handleOverlayFile)
	}
}
