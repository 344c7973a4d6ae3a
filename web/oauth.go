package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// The OAuth shortcode flow's device endpoints (spec: OAuth). They take
// JSON or form bodies, carry no cookies and so no CSRF token; the handle,
// the authorization code and the refresh token are the credentials.

// oauthRequest is every field the device endpoints read.
type oauthRequest struct {
	ClientID     string `json:"client_id" form:"client_id"`
	ClientSecret string `json:"client_secret" form:"client_secret"`
	Scope        string `json:"scope" form:"scope"`
	GrantType    string `json:"grant_type" form:"grant_type"`
	Code         string `json:"code" form:"code"`
	RefreshToken string `json:"refresh_token" form:"refresh_token"`
	RedirectURI  string `json:"redirect_uri" form:"redirect_uri"` // ignored (spec)
}

func bindOAuth(c echo.Context) (oauthRequest, error) {
	var r oauthRequest
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, limits.OAuthBody)
	if err := (&echo.DefaultBinder{}).BindBody(c, &r); err != nil {
		return r, oauthError(c, http.StatusBadRequest, "invalid_request", "the body is not valid JSON or form data")
	}
	return r, nil
}

// oauthError writes RFC 6749's error object.
func oauthError(c echo.Context, status int, code, desc string) error {
	return c.JSON(status, map[string]string{"error": code, "error_description": desc})
}

// handleShortcodeCreate is POST /api/v1/oauth/shortcode.
func (s *Server) handleShortcodeCreate(c echo.Context) error {
	r, err := bindOAuth(c)
	if err != nil || c.Response().Committed {
		return err
	}
	if r.ClientID == "" {
		return oauthError(c, http.StatusBadRequest, "invalid_request", "client_id is required")
	}
	if !s.auth.shortcodes.Allow(s.clientAddr(c)) { // every request counts, not only failures
		c.Response().Header().Set("Retry-After", "60")
		return oauthError(c, http.StatusTooManyRequests, "slow_down", "too many shortcodes requested; wait a minute")
	}
	if strings.TrimSpace(r.Scope) == "" {
		r.Scope = studio.ScopeRobotSelf
	}
	sc, err := s.db.CreateShortcode(c.Request().Context(), r.ClientID, r.ClientSecret, r.Scope)
	switch {
	case errors.Is(err, persistence.ErrInvalidClient):
		return oauthError(c, http.StatusUnauthorized, "invalid_client", studio.ErrorMessage(err))
	case errors.Is(err, studio.ErrInvalid):
		return oauthError(c, http.StatusBadRequest, "invalid_scope", studio.ErrorMessage(err))
	case err != nil:
		return authError(err)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"code": sc.Code, "expires_in": int(sc.ExpiresIn.Seconds()), "handle": sc.Handle,
	})
}

// handleShortcodeCheck is GET /api/v1/oauth/shortcode/check/{handle}:
// 204 waiting, 403 denied, 404 unknown or expired, 200 {code} granted.
func (s *Server) handleShortcodeCheck(c echo.Context) error {
	chk, err := s.db.CheckShortcode(c.Request().Context(), c.Param("handle"))
	if errors.Is(err, studio.ErrNotFound) {
		return c.JSON(http.StatusNotFound, map[string]string{"error": "unknown or expired handle"})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	switch chk.Status {
	case studio.ShortcodeGranted:
		return c.JSON(http.StatusOK, map[string]string{"code": chk.AuthCode})
	case studio.ShortcodeDenied:
		return c.JSON(http.StatusForbidden, map[string]string{"error": "access denied"})
	default:
		return c.NoContent(http.StatusNoContent)
	}
}

// handleOAuthToken is POST /api/v1/oauth/token: the authorization_code and
// refresh_token grants.
func (s *Server) handleOAuthToken(c echo.Context) error {
	r, err := bindOAuth(c)
	if err != nil || c.Response().Committed {
		return err
	}
	if r.ClientID == "" {
		return oauthError(c, http.StatusBadRequest, "invalid_request", "client_id is required")
	}
	ctx := c.Request().Context()
	var out struct {
		access, refresh string
		expiresIn       int
		scope           string
	}
	switch r.GrantType {
	case "authorization_code":
		if r.Code == "" {
			return oauthError(c, http.StatusBadRequest, "invalid_request", "code is required")
		}
		t, err := s.db.ExchangeAuthCode(ctx, r.ClientID, r.ClientSecret, r.Code)
		if err != nil {
			return s.tokenGrantError(c, err)
		}
		out.access, out.refresh, out.expiresIn, out.scope = t.AccessToken, t.RefreshToken, int(t.ExpiresIn.Seconds()), t.Scope
	case "refresh_token":
		if r.RefreshToken == "" {
			return oauthError(c, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		}
		t, err := s.db.RefreshTokens(ctx, r.ClientID, r.ClientSecret, r.RefreshToken)
		if err != nil {
			return s.tokenGrantError(c, err)
		}
		out.access, out.refresh, out.expiresIn, out.scope = t.AccessToken, t.RefreshToken, int(t.ExpiresIn.Seconds()), t.Scope
	default:
		return oauthError(c, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{
		"access_token": out.access, "expires_in": out.expiresIn, "refresh_token": out.refresh,
		"token_type": "Bearer", "scope": out.scope,
	})
}

// tokenGrantError maps a failed grant to RFC 6749's answers. A wrong client
// and a wrong code both read "invalid_grant" unless the client itself was
// refused: either way nothing says which secret was close.
func (s *Server) tokenGrantError(c echo.Context, err error) error {
	if !errors.Is(err, studio.ErrUnauthorized) {
		return err
	}
	if errors.Is(err, persistence.ErrInvalidClient) {
		return oauthError(c, http.StatusUnauthorized, "invalid_client", studio.ErrorMessage(err))
	}
	return oauthError(c, http.StatusBadRequest, "invalid_grant", studio.ErrorMessage(err))
}
