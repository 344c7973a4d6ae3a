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
	existing := map[string]Scene{}
	for _, s := range have.Scenes {
		existing[s.SceneID] = s
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
	if obj == nil || !s.created {
		obj = map[string]json.RawMessage{}
		if m, ok := asObject(mergePatch(nil, s.props)); ok {
			obj = m // a patch applied to nothing: its nulls go
		}
	}
	obj["sceneID"] = jsonString(s.id)
	controls := []json.RawMessage{}
	for _, ctl := range s.controls {
		if ctl.created {
			controls = append(controls, ctl.obj)
		}
	}
	cs, _ := json.Marshal(controls)
	obj["controls"] = cs
	return r.do(ctx, "createScenes", map[string][]map[string]json.RawMessage{"scenes": {obj}}, nil)
}

// updateScene brings an existing scene to our model. What we created is
// known whole, so the server's copy is patched to equal it (nulls for
// properties it has and we do not; a control of another kind is deleted
// and created again); what we only patched gets our composed patches.
func (r restorer) updateScene(ctx context.Context, s sceneModel, onServer Scene) error {
	var props Props
	if s.created {
		props = propsPatch(propsJSON(onServer.Props), objectProps(s.props))
	} else {
		props = objectProps(s.props)
	}
	if len(props) > 0 {
		params := map[string]any{"priority": 0, "scenes": []Scene{{SceneID: s.id, Props: props}}}
		if err := r.do(ctx, "updateScenes", params, nil); err != nil {
			return err
		}
	}
	serverControls := map[string]Control{}
	for _, ctl := range onServer.Controls {
		serverControls[ctl.ControlID] = ctl
	}
	var create, update []json.RawMessage
	gone := []string{}
	for _, ctl := range s.controls {
		have, exists := serverControls[ctl.id]
		var mine Control
		if err := json.Unmarshal(ctl.obj, &mine); err != nil {
			continue
		}
		switch {
		case !exists && ctl.created:
			create = append(create, ctl.obj)
		case !exists: // a patch to a control the new session lacks
		case ctl.created && mine.Kind != have.Kind:
			gone = append(gone, ctl.id)
			create = append(create, ctl.obj)
		case ctl.created:
			if patch := propsPatch(propsJSON(have.Props), mine.Props); len(patch) > 0 {
				b, _ := json.Marshal(Control{ControlID: ctl.id, Props: patch})
				update = append(update, b)
			}
		default:
			update = append(update, without(ctl.obj, "kind")) // kind is not settable
		}
	}
	for _, id := range s.deletedControls {
		if _, ok := serverControls[id]; ok {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := r.do(ctx, "deleteControls", map[string]any{"sceneID": s.id, "controlIDs": gone}, nil); err != nil {
			return err
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
	return nil
}

func (r restorer) groups(ctx context.Context, snap snapshot) error {
	var have struct {
		Groups []Group `json:"groups"`
	}
	if err := r.do(ctx, "getGroups", nil, &have); err != nil {
		return err
	}
	existing := map[string]Group{}
	for _, g := range have.Groups {
		existing[g.GroupID] = g
	}
	var create, update []json.RawMessage
	for _, g := range snap.groups {
		onServer, ok := existing[g.id]
		switch {
		case !ok:
			create = append(create, mergePatch(nil, g.obj)) // no nulls in a creation
		case g.created:
			var mine Group
			if json.Unmarshal(g.obj, &mine) != nil {
				continue
			}
			patch := propsPatch(propsJSON(onServer.Props), mine.Props)
			if mine.SceneID == "" {
				mine.SceneID = defaultID
			}
			if len(patch) > 0 || mine.SceneID != onServer.SceneID {
				b, _ := json.Marshal(Group{GroupID: g.id, SceneID: mine.SceneID, Props: patch})
				update = append(update, b)
			}
		default:
			update = append(update, g.obj)
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
		if _, ok := existing[d.id]; !ok {
			continue
		}
		params := map[string]string{"groupID": d.id, "reassignGroupID": d.reassign}
		if err := r.do(ctx, "deleteGroup", params, nil); err != nil {
			return err
		}
	}
	return nil
}

// objectProps decodes a JSON object into Props (nil for anything else).
func objectProps(raw json.RawMessage) Props {
	m, _ := asObject(raw)
	return nonEmpty(m)
}
