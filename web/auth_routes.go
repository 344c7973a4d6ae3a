package web

import "github.com/labstack/echo/v4"

// identityRoutes registers the identity part: the API and OAuth device
// endpoints (bearer tokens and client ids, no CSRF), then, unless this is
// the mediator alone, the pages (CSRF on each).
func (s *Server) identityRoutes(e *echo.Echo) {
	e.GET("/api/v1/users/current", s.handleCurrentUser)
	e.GET("/api/v1/interactive/:channelID", s.handleParticipantJoin)
	e.POST("/api/v1/oauth/shortcode", s.handleShortcodeCreate)
	e.GET("/api/v1/oauth/shortcode/check/:handle", s.handleShortcodeCheck)
	e.POST("/api/v1/oauth/token", s.handleOAuthToken)
	if s.cfg.MediatorOnly {
		return
	}
	e.GET("/signin", s.handleSignInPage, s.csrf, s.loadUser)
	e.POST("/signin", s.handleSignIn, s.csrf)
	e.GET("/signin/link", s.handleSignInLink, s.csrf)
	e.GET("/signup", s.handleSignUpPage, s.csrf, s.loadUser)
	e.POST("/signup", s.handleSignUp, s.csrf)
	e.POST("/signout", s.handleSignOut, s.csrf)
	e.GET("/go", s.handleGoPage, s.csrf, s.requireStudioUser)
	e.POST("/go", s.handleGo, s.csrf, s.requireStudioUser)
	e.GET("/account", s.handleAccount, s.csrf, s.requireStudioUser)
	e.POST("/account/password", s.handleSetPassword, s.csrf, s.requireStudioUser)
	e.GET("/account/tokens", s.handleTokens, s.csrf, s.requireStudioUser)
	e.POST("/account/tokens", s.handleCreateToken, s.csrf, s.requireStudioUser)
	e.POST("/account/tokens/:id/revoke", s.handleRevokeToken, s.csrf, s.requireStudioUser)
	e.GET("/account/sparks", s.handleSparks, s.csrf, s.requireStudioUser)
	e.POST("/account/sparks/rate", s.handleSparksRate, s.csrf, s.requireStudioUser)
	e.POST("/account/sparks/gift", s.handleSparksGift, s.csrf, s.requireOwner)
	e.GET("/account/clients", s.handleClients, s.csrf, s.requireOwner)
	e.POST("/account/clients", s.handleCreateClient, s.csrf, s.requireOwner)
	e.POST("/account/clients/:clientID/delete", s.handleDeleteClient, s.csrf, s.requireOwner)
}
