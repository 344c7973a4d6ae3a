package web

import (
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// The editor's reactions panel: GET lists a control's reactions (and the
// add form for a kind), POST adds or deletes one, POST /files uploads an
// image or sound for alerts. Each answers with the panel alone.

// reactionFields are the add form's inputs per kind: name, label, help.
var reactionFields = map[string][][3]string{
	studio.ReactCooldown: {{"seconds", "Seconds after each press", "Viewers see the countdown; the control stays cooled while the alert it started plays."},
		{"group", "Cooldown group (optional)", "Controls with the same group cool down together."}},
	studio.ReactAlert: {{"text", "Text", "Placeholders: {username} {control} {text} {cost}"},
		{"seconds", "Seconds on screen", "Default 5. Alerts queue; they never overlap."},
		{"image", "Image", ""}, {"sound", "Sound", ""}},
	studio.ReactCounter: {{"name", "Counter name (optional)", "Default: the control's id."}, {"label", "Label on the overlay", ""},
		{"show", "Show on the control", "text: \"label: count\"; progress: towards the goal"}, {"goal", "Goal", "For progress."}},
	studio.ReactVote: {{"name", "Vote name", "Buttons with the same vote name are its options."}, {"label", "Option label", "Default: the button's text."},
		{"show", "Show on the control", "progress: the option's share as a live bar; text: \"label: N%\""}},
	studio.ReactScene:   {{"group", "Group", ""}, {"scene", "Show scene", ""}},
	studio.ReactMove:    {{"group", "Move the viewer into group", ""}},
	studio.ReactWebhook: {{"url", "URL", "Receives a POST of {\"events\": [...]} for each press."}, {"timeoutSeconds", "Timeout (s)", "Default 5."}, {"retries", "Retries", "Default 2."}},
}

type reactionsRequest struct {
	*editorRequest
	control *studio.Control
	saved   persistence.ControlReactions
}

func (s *Server) loadReactions(c echo.Context) (*reactionsRequest, error) {
	r, err := s.loadEditor(c)
	if err != nil {
		return nil, err
	}
	ctl := r.scene().Control(c.FormValue("control"))
	if ctl == nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "That control no longer exists; reload the editor.")
	}
	saved, err := s.db.FindControlReactions(c.Request().Context(), r.version.ID, r.sceneID, ctl.ControlID)
	if err != nil {
		return nil, err
	}
	return &reactionsRequest{editorRequest: r, control: ctl, saved: saved}, nil
}

// handleReactions serves GET (the panel) and POST (add, delete).
func (s *Server) handleReactions(c echo.Context) error {
	r, err := s.loadReactions(c)
	if err != nil {
		return err
	}
	kind := c.FormValue("kind")
	if _, ok := reactionFields[kind]; !ok {
		kind = studio.ReactCooldown
	}
	v := s.reactionsView(c, r, kind)
	if c.Request().Method == http.MethodGet {
		return writeComponent(c, http.StatusOK, templates.ReactionsPanel(v))
	}
	if err := r.editable(); err != nil {
		v.Error = studio.ErrorMessage(err)
		return writeComponent(c, http.StatusConflict, templates.ReactionsPanel(v))
	}
	list := append([]studio.Reaction(nil), r.saved.Reactions...)
	switch c.FormValue("action") {
	case "delete":
		i, err := strconv.Atoi(c.FormValue("index"))
		if err != nil || i < 0 || i >= len(list) {
			v.Error = "That reaction no longer exists; reload the editor."
			return writeComponent(c, http.StatusConflict, templates.ReactionsPanel(v))
		}
		list = append(list[:i], list[i+1:]...)
	default:
		re, msg := reactionFromForm(c, kind)
		for i := range v.Fields {
			v.Fields[i].Value = c.FormValue(v.Fields[i].Name)
		}
		if msg != "" {
			v.Error = msg
			return writeComponent(c, http.StatusUnprocessableEntity, templates.ReactionsPanel(v))
		}
		list = append(list, re)
	}
	rev, _ := strconv.ParseInt(c.FormValue("revision"), 10, 64)
	if _, err := s.db.SaveControlReactions(c.Request().Context(), r.version.ID, r.sceneID, r.control.ControlID, list, rev); err != nil {
		v.Error = reactionError(err)
		return writeComponent(c, studioStatus(err), templates.ReactionsPanel(v))
	}
	if r.saved, err = s.db.FindControlReactions(c.Request().Context(), r.version.ID, r.sceneID, r.control.ControlID); err != nil {
		return err
	}
	v = s.reactionsView(c, r, kind)
	v.Saved = "Saved."
	return writeComponent(c, http.StatusOK, templates.ReactionsPanel(v))
}

// reactionError is a refused save in the panel's words.
func reactionError(err error) string {
	var ve *studio.ValidationError
	if errors.As(err, &ve) && len(ve.Problems) > 0 {
		msgs := make([]string, len(ve.Problems))
		for i, p := range ve.Problems {
			msgs[i] = p.Message
		}
		return strings.Join(msgs, "; ")
	}
	return studio.ErrorMessage(err)
}

// reactionFromForm reads the add form; a number that is not one is
// refused here with the field's name, the rest by the studio's rules.
func reactionFromForm(c echo.Context, kind string) (studio.Reaction, string) {
	r := studio.Reaction{Kind: kind, Group: c.FormValue("group"), Text: c.FormValue("text"), Image: c.FormValue("image"),
		Sound: c.FormValue("sound"), Name: strings.TrimSpace(c.FormValue("name")), Label: c.FormValue("label"),
		Show: c.FormValue("show"), Scene: c.FormValue("scene"), URL: strings.TrimSpace(c.FormValue("url"))}
	num := func(field, label string) (float64, string) {
		v := strings.TrimSpace(c.FormValue(field))
		if v == "" {
			return 0, ""
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, label + " must be a number, not " + strconv.Quote(v)
		}
		return f, ""
	}
	var msg string
	switch kind {
	case studio.ReactCooldown, studio.ReactAlert:
		r.Seconds, msg = num("seconds", "Seconds")
		if kind == studio.ReactCooldown && msg == "" && strings.TrimSpace(c.FormValue("seconds")) == "" {
			msg = "Say how many seconds the cooldown lasts."
		}
	case studio.ReactCounter:
		var g float64
		g, msg = num("goal", "The goal")
		r.Goal = int64(g)
	case studio.ReactWebhook:
		r.TimeoutSeconds, msg = num("timeoutSeconds", "The timeout")
		if msg == "" && strings.TrimSpace(c.FormValue("retries")) != "" {
			n, err := strconv.Atoi(strings.TrimSpace(c.FormValue("retries")))
			if err != nil {
				msg = "Retries must be a whole number"
			}
			r.Retries = &n
		}
	}
	return r, msg
}

func (s *Server) reactionsView(c echo.Context, r *reactionsRequest, kind string) templates.ReactionsView {
	v := templates.ReactionsView{Base: templates.EditorURL(r.version.ID), SceneID: r.sceneID, ControlID: r.control.ControlID,
		Revision: r.saved.Revision, ReadOnly: !r.version.Editable(), AddKind: kind, Kinds: studio.ReactionKinds[:]}
	for i, re := range r.saved.Reactions {
		v.Items = append(v.Items, templates.ReactionItem{Index: i, Kind: re.Kind, Text: studio.DescribeReaction(re)})
	}
	files, _ := s.db.ListVersionFiles(c.Request().Context(), r.version.ID)
	for _, f := range files {
		v.Files = append(v.Files, f.Name)
	}
	var groups, scenes []string
	for _, g := range r.version.Groups {
		groups = append(groups, g.GroupID)
	}
	for _, sc := range r.version.Scenes {
		scenes = append(scenes, sc.SceneID)
	}
	for _, f := range reactionFields[kind] {
		rf := templates.ReactionField{Name: f[0], Label: f[1], Help: f[2]}
		switch {
		case f[0] == "show":
			rf.Options = []string{"", studio.ShowProgress, studio.ShowText}
		case f[0] == "image" || f[0] == "sound":
			rf.Options = append([]string{""}, v.Files...)
		case f[0] == "group" && kind != studio.ReactCooldown:
			rf.Options = groups
		case f[0] == "scene":
			rf.Options = scenes
		}
		v.Fields = append(v.Fields, rf)
	}
	return v
}

// handleVersionFile uploads an image or a sound to a draft, for alerts.
func (s *Server) handleVersionFile(c echo.Context) error {
	r, err := s.loadReactions(c)
	if err != nil {
		return err
	}
	v := s.reactionsView(c, r, studio.ReactAlert)
	fail := func(status int, msg string) error {
		v.FileError = msg
		return writeComponent(c, status, templates.ReactionsPanel(v))
	}
	if err := r.editable(); err != nil {
		return fail(http.StatusConflict, studio.ErrorMessage(err))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail(http.StatusUnprocessableEntity, "Choose a file to upload.")
	}
	if fh.Size > persistence.MaxVersionFileBytes {
		return fail(http.StatusUnprocessableEntity, "That file is too large: at most 4 MB.")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, persistence.MaxVersionFileBytes+1))
	if err != nil {
		return err
	}
	// The bytes say what the file is, not the browser's label; SVG is not
	// among the images sniffed (it can carry scripts).
	ct := http.DetectContentType(data)
	if ct == "application/ogg" {
		ct = "audio/ogg"
	}
	if !strings.HasPrefix(ct, "image/") && !strings.HasPrefix(ct, "audio/") {
		return fail(http.StatusUnprocessableEntity, "Only images (PNG, JPEG, GIF, WebP) and sounds (MP3, Ogg, WAV) can be uploaded; this file is "+ct+".")
	}
	name := path.Base(strings.ReplaceAll(fh.Filename, "\\", "/"))
	if err := s.db.SaveVersionFile(c.Request().Context(), r.version.ID, persistence.VersionFile{Name: name, ContentType: ct, Data: data}); err != nil {
		return fail(studioStatus(err), studio.ErrorMessage(err))
	}
	v = s.reactionsView(c, r, studio.ReactAlert)
	v.Saved = "Uploaded " + name + "."
	return writeComponent(c, http.StatusOK, templates.ReactionsPanel(v))
}
