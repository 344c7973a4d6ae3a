package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// restore replays the model of what we pushed onto a fresh session. It
// reconciles rather than blindly recreating: the new session may already
// hold the version's scenes and groups (the mediator loads them), so it
// asks what exists and creates what is missing, updates what is there,
// deletes what we had deleted. A call the server refuses is logged and
// counted (Stats.RestoreErrors) and the rest goes on; a lost connection
// aborts, and the next attempt starts over.
func (c *Client) restore(ctx context.Context, cn *conn) error {
	snap := c.model.snapshot()
	r := restorer{c: c, cn: cn}
	if len(snap.scenes) > 0 || len(snap.deletedScenes) > 0 {
		if err := r.scenes(ctx, snap); err != nil {
			return err
		}
	}
	if len(snap.groups) > 0 || len(snap.deletedGroups) > 0 {
		if err := r.groups(ctx, snap); err != nil {
			return err
		}
	}
	if snap.world != nil {
		params := struct {
			Priority int             `json:"priority"`
			World    json.RawMessage `json:"world"`
		}{0, snap.world}
		if err := r.do(ctx, "updateWorld", params, nil); err != nil {
			return err
		}
	}
	if snap.throttle != nil {
		if err := r.do(ctx, "setBandwidthThrottle", snap.throttle, nil); err != nil {
			return err
		}
	}
	if snap.ready != nil && *snap.ready {
		if err := r.do(ctx, "ready", map[string]bool{"isReady": true}, nil); err != nil {
			return err
		}
	}
	return nil
}

type restorer struct {
	c  *Client
	cn *conn
}

// do makes one call; a refusal is counted and swallowed, a transport
// failure returned.
func (r restorer) do(ctx context.Context, method string, params any, out any) error {
	ctx, cancel := context.WithTimeout(ctx, r.c.cfg.RequestTimeout)
	defer cancel()
	res, err := r.cn.call(ctx, method, params, false)
	var re *ReplyError
	if errors.As(err, &re) {
		r.c.stats.restoreErrors.Add(1)
		r.c.log.Warn("interactive client: server refused a restored change", "method", method, "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if out != nil && !isNull(res) {
		if err := json.Unmarshal(res, out); err != nil {
			return fmt.Errorf("restore: %s reply: %w", method, err)
		}
	}
	return nil
}

func (r restorer) scenes(ctx context.Context, snap snapshot) error {
	var have struct {
		Scenes []Scene `json:"scenes"`
	}
	if err := r.do(ctx, "getScenes", nil, &have); err != nil {
		return err
	}
	existing := map[string]map[string]bool{}
	for _, s := range have.Scenes {
		ids := map[string]bool{}
		for _, ctl := range s.Controls {
			ids[ctl.ControlID] = true
		}
		existing[s.SceneID] = ids
	}
	for _, s := range snap.scenes {
		onServer, ok := existing[s.id]
		if !ok {
			if err := r.createScene(ctx, s); err != nil {
				return err
			}
			continue
		}
		if err := r.updateScene(ctx, s, onServer); err != nil {
			return err
		}
	}
	for _, d := range snap.deletedScenes {
		if _, ok := existing[d.id]; !ok {
			continue
		}
		if err := r.do(ctx, "deleteScene", map[string]string{"sceneID": d.id, "reassignSceneID": d.reassign}, nil); err != nil {
			return err
		}
	}
	return nil
}

// createScene recreates a missing scene with every control we know in full
// (patches to controls we never saw whole cannot make a control).
func (r restorer) createScene(ctx context.Context, s sceneModel) error {
	obj, _ := asObject(s.props)
	if obj == nil {
		obj = map[string]json.RawMessage{}
	}
	obj["sceneID"] = jsonString(s.id)
	var controls []json.RawMessage
	for _, ctl := range s.controls {
		if ctl.created {
			controls = append(controls, ctl.obj)
		}
	}
	cs, _ := json.Marshal(controls)
	if controls == nil {
		cs = []byte("[]")
	}
	obj["controls"] = cs
	return r.do(ctx, "createScenes", map[string][]map[string]json.RawMessage{"scenes": {obj}}, nil)
}

// updateScene brings an existing scene to our model: its properties, then
// controls created (missing ones), updated (present ones), deleted.
func (r restorer) updateScene(ctx context.Context, s sceneModel, onServer map[string]bool) error {
	if props, _ := asObject(s.props); len(props) > 0 {
		props["sceneID"] = jsonString(s.id)
		params := map[string]any{"priority": 0, "scenes": []any{props}}
		if err := r.do(ctx, "updateScenes", params, nil); err != nil {
			return err
		}
	}
	var create, update []json.RawMessage
	for _, ctl := range s.controls {
		switch {
		case onServer[ctl.id]:
			update = append(update, without(ctl.obj, "kind")) // kind is not settable
		case ctl.created:
			create = append(create, ctl.obj)
		}
	}
	if len(create) > 0 {
		if err := r.do(ctx, "createControls", map[string]any{"sceneID": s.id, "controls": create}, nil); err != nil {
			return err
		}
	}
	if len(update) > 0 {
		params := map[string]any{"priority": 0, "sceneID": s.id, "controls": update}
		if err := r.do(ctx, "updateControls", params, nil); err != nil {
			return err
		}
	}
	var gone []string
	for _, id := range s.deletedControls {
		if onServer[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		return r.do(ctx, "deleteControls", map[string]any{"sceneID": s.id, "controlIDs": gone}, nil)
	}
	return nil
}

func (r restorer) groups(ctx context.Context, snap snapshot) error {
	var have struct {
		Groups []Group `json:"groups"`
	}
	if err := r.do(ctx, "getGroups", nil, &have); err != nil {
		return err
	}
	existing := map[string]bool{}
	for _, g := range have.Groups {
		existing[g.GroupID] = true
	}
	var create, update []json.RawMessage
	for _, g := range snap.groups {
		if existing[g.id] {
			update = append(update, g.obj)
		} else {
			create = append(create, g.obj)
		}
	}
	if len(create) > 0 {
		if err := r.do(ctx, "createGroups", map[string]any{"groups": create}, nil); err != nil {
			return err
		}
	}
	if len(update) > 0 {
		if err := r.do(ctx, "updateGroups", map[string]any{"priority": 0, "groups": update}, nil); err != nil {
			return err
		}
	}
	for _, d := range snap.deletedGroups {
		if !existing[d.id] {
			continue
		}
		params := map[string]string{"groupID": d.id, "reassignGroupID": d.reassign}
		if err := r.do(ctx, "deleteGroup", params, nil); err != nil {
			return err
		}
	}
	return nil
}
