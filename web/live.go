package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/live/console"
	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// liveScript is the console page's own script (SSE feed, chart, actions).
const liveScript = "/static/js/live.js"

// liveRequest is the version (the user's own) and the user's channel.
type liveRequest struct {
	user    studio.User
	version *studio.Version
	channel *console.Channel
}

func (s *Server) loadLive(c echo.Context) (*liveRequest, error) {
	u, ok := s.currentUser(c)
	if !ok {
		return nil, echo.NewHTTPError(http.StatusUnauthorized, "Sign in first.")
	}
	id, err := strconv.ParseInt(c.Param("version"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.NewHTTPError(http.StatusNotFound, "No such version.")
	}
	v, err := s.db.FindUserVersion(c.Request().Context(), u.ID, id)
	if err != nil {
		return nil, studioHTTPError(err)
	}
	return &liveRequest{user: u, version: &v, channel: s.cfg.Console.Channel(u.ChannelID)}, nil
}

func (s *Server) handleLiveConsole(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	lv := liveView(r)
	if lv.OverlayURL, err = s.overlayURL(c, r.user.ChannelID); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	// Participants' names and inputs are shown on this page: only our own
	// scripts may run, whatever they contain (studioCSP, set by the route).
	return s.renderView(c, http.StatusOK, view{Title: "Live · " + r.version.ProjectName, Page: templates.LiveConsole(lv), Scripts: []string{liveScript}})
}

// liveView is what the console page shows of a version and its channel.
func liveView(r *liveRequest) templates.LiveView {
	v := r.version
	st := r.channel.Status()
	view := templates.LiveView{
		VersionID: v.ID, Number: v.Number, ProjectName: v.ProjectName, Published: !v.Editable(),
		ChannelID: r.user.ChannelID, State: st.State, Reason: st.Reason, Code: st.Code,
		Running:     st.State != console.StateStopped,
		LiveVersion: r.channel.LiveVersion(),
	}
	auto := r.channel.AutoCapture()
	groups := map[string]bool{}
	for _, g := range v.Groups {
		view.Groups = append(view.Groups, g.GroupID)
		groups[g.GroupID] = true
	}
	if !groups[studio.DefaultGroupID] {
		view.Groups = append([]string{studio.DefaultGroupID}, view.Groups...)
	}
	for _, sc := range v.Scenes {
		ls := templates.LiveScene{ID: sc.SceneID}
		for _, ctl := range sc.Controls {
			lc := templates.LiveControl{ID: ctl.ControlID, Kind: ctl.Kind, Revision: ctl.Revision, AutoCapture: auto[ctl.ControlID]}
			if ctl.Text != nil {
				lc.Text = *ctl.Text
			}
			if ctl.Cost != nil {
				lc.Cost = strconv.FormatInt(*ctl.Cost, 10)
			}
			if ctl.Disabled != nil {
				lc.Disabled = *ctl.Disabled
			}
			ls.Controls = append(ls.Controls, lc)
		}
		view.Scenes = append(view.Scenes, ls)
	}
	return view
}

// actionResult is every console action's answer: the page shows Message
// beside the form; Revision is a saved control's new revision.
type actionResult struct {
	OK       bool   `json:"ok"`
	Message  string `json:"message"`
	Revision int64  `json:"revision,omitempty"`
	Saved    bool   `json:"saved,omitempty"`
	Code     int    `json:"code,omitempty"`
}

// liveFail answers a refused action with a readable message and the
// status its cause maps to (a server's protocol refusal is a 422 with
// its code).
func (s *Server) liveFail(c echo.Context, err error) error {
	var re *console.ReplyError
	if errors.As(err, &re) {
		return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: re.Error(), Code: re.Code})
	}
	status := studioStatus(err)
	if status == http.StatusInternalServerError {
		s.log.Warn("live console action failed", "path", c.Path(), "err", err)
		status = http.StatusBadGateway
		return c.JSON(status, actionResult{Message: err.Error()})
	}
	return c.JSON(status, actionResult{Message: studio.ErrorMessage(err)})
}

func (s *Server) handleLiveStart(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	opts := console.LiveOptions{VersionID: r.version.ID}
	if c.FormValue("mediator") == "remote" {
		opts.RemoteURL = strings.TrimRight(strings.TrimSpace(c.FormValue("url")), "/")
		opts.RemoteToken = strings.TrimSpace(c.FormValue("token"))
		opts.RemoteVersion = strings.TrimSpace(c.FormValue("remoteVersion"))
		if !strings.HasPrefix(opts.RemoteURL, "http://") && !strings.HasPrefix(opts.RemoteURL, "https://") {
			return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: "the remote mediator's URL starts with http:// or https://"})
		}
		if opts.RemoteToken == "" {
			return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: "a remote mediator needs a token"})
		}
	}
	if err := r.channel.GoLive(c.Request().Context(), r.user, opts); err != nil {
		return s.liveFail(c, err)
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: "Live."})
}

func (s *Server) handleLiveStop(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	r.channel.Stop(c.Request().Context())
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: "Stopped."})
}

func (s *Server) handleLiveScene(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	group := c.FormValue("group")
	if group == "" {
		group = studio.DefaultGroupID
	}
	scene := c.FormValue("scene")
	if err := r.channel.SwitchScene(c.Request().Context(), group, scene); err != nil {
		return s.liveFail(c, err)
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: "Group " + group + " now sees " + scene + "."})
}

func (s *Server) handleLiveParticipant(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	if err := r.channel.MoveParticipant(c.Request().Context(), c.FormValue("participant"), c.FormValue("group")); err != nil {
		return s.liveFail(c, err)
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: "Moved to " + c.FormValue("group") + "."})
}

// handleLiveControl applies a live control change; form fields left
// empty are not changed ("disabled": "", "disable" or "enable").
func (s *Server) handleLiveControl(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	cc, err := controlChangeForm(c)
	if err != nil {
		return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: err.Error()})
	}
	res, err := r.channel.UpdateControl(c.Request().Context(), cc)
	if err != nil {
		return s.liveFail(c, err)
	}
	out := actionResult{OK: true, Message: "Changed live.", Saved: res.Saved, Revision: res.Revision}
	switch {
	case res.Saved:
		out.Message = "Changed live and saved into the draft."
	case res.SaveError != nil:
		// The live change stands; the page says why it was not saved.
		out.OK = false
		out.Message = "Changed live, but not saved: " + studio.ErrorMessage(res.SaveError)
		if studio.ErrorCode(res.SaveError) == studio.ECONFLICT && r.version.Editable() {
			out.Message = "Changed live, but not saved: " + staleMessage
		}
		return c.JSON(studioStatus(res.SaveError), out)
	}
	return c.JSON(http.StatusOK, out)
}

func controlChangeForm(c echo.Context) (console.ControlChange, error) {
	cc := console.ControlChange{SceneID: c.FormValue("scene"), ControlID: c.FormValue("control"), SaveBack: c.FormValue("save") != ""}
	bad := func(field string) error { return errors.New("the " + field + " is not a number") }
	switch c.FormValue("disabled") {
	case "disable":
		cc.Disabled = studio.Ptr(true)
	case "enable":
		cc.Disabled = studio.Ptr(false)
	}
	if t, ok := c.Request().Form["text"]; ok && len(t) > 0 && t[0] != "" {
		cc.Text = studio.Ptr(t[0])
	}
	if v := strings.TrimSpace(c.FormValue("cost")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cc, bad("cost")
		}
		cc.Cost = &n
	}
	if v := strings.TrimSpace(c.FormValue("progress")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return cc, bad("progress")
		}
		cc.Progress = &f
	}
	if v := strings.TrimSpace(c.FormValue("cooldown")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cc, bad("cooldown")
		}
		cc.CooldownSeconds = &n
	}
	if v := strings.TrimSpace(c.FormValue("priority")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return cc, bad("priority")
		}
		cc.Priority = n
	}
	if v := strings.TrimSpace(c.FormValue("revision")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cc, bad("revision")
		}
		cc.Revision = n
	}
	return cc, nil
}

func (s *Server) handleLiveCapture(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	res, err := r.channel.Capture(c.Request().Context(), c.FormValue("transaction"))
	if err != nil {
		return s.liveFail(c, err)
	}
	if res.Result != "ok" {
		return c.JSON(http.StatusUnprocessableEntity, actionResult{Code: res.Code, Message: "Not captured: " + (&console.ReplyError{Code: res.Code, Message: res.Message}).Error()})
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: "Captured."})
}

func (s *Server) handleLiveAutoCapture(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	id := c.FormValue("control")
	if id == "" {
		return c.JSON(http.StatusUnprocessableEntity, actionResult{Message: "which control?"})
	}
	on := c.FormValue("on") == "true" || c.FormValue("on") == "on"
	r.channel.SetAutoCapture(id, on)
	msg := "Auto-capture off."
	if on {
		msg = "Auto-capture on."
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: msg})
}

func (s *Server) handleLiveBroadcast(c echo.Context) error {
	r, err := s.loadLive(c)
	if err != nil {
		return err
	}
	var scope []string
	for _, sc := range strings.FieldsFunc(c.FormValue("scope"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		scope = append(scope, sc)
	}
	data := strings.TrimSpace(c.FormValue("data"))
	if data == "" {
		data = "{}"
	}
	if err := r.channel.Broadcast(c.Request().Context(), scope, json.RawMessage(data)); err != nil {
		return s.liveFail(c, err)
	}
	return c.JSON(http.StatusOK, actionResult{OK: true, Message: "Sent."})
}
