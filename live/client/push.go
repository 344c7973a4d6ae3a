package client

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// defaultID names the scene and group every session has and that cannot
// be deleted.
const defaultID = "default"

// PushLayout makes the session show exactly the given scenes and groups,
// as the studio's live console does when a design is pushed while live:
// missing scenes, controls and groups are created; existing ones are
// patched to the given properties (properties the server has and the
// layout does not are removed with null); controls whose kind changed are
// recreated; scenes, controls and groups that are not in the layout are
// deleted (participants and groups move to "default"). Every change goes
// through the typed calls, so it is restored after a reconnect. It stops
// at the first refusal, returning it (the session then holds the changes
// made before it).
func (c *Client) PushLayout(ctx context.Context, scenes []Scene, groups []Group) error {
	have, err := c.GetScenes(ctx)
	if err != nil {
		return fmt.Errorf("push layout: %w", err)
	}
	onServer := map[string]Scene{}
	for _, s := range have {
		onServer[s.SceneID] = s
	}
	want := map[string]bool{}
	for _, s := range scenes {
		want[s.SceneID] = true
		old, ok := onServer[s.SceneID]
		if !ok {
			sc := s
			if sc.Controls == nil {
				sc.Controls = []Control{}
			}
			if _, err := c.CreateScenes(ctx, []Scene{sc}); err != nil {
				return fmt.Errorf("push layout: %w", err)
			}
			continue
		}
		if err := c.pushScene(ctx, old, s); err != nil {
			return fmt.Errorf("push layout: scene %q: %w", s.SceneID, err)
		}
	}
	if err := c.pushGroups(ctx, groups); err != nil {
		return fmt.Errorf("push layout: %w", err)
	}
	for _, s := range have {
		if !want[s.SceneID] && s.SceneID != defaultID {
			if err := c.DeleteScene(ctx, s.SceneID, defaultID); err != nil {
				return fmt.Errorf("push layout: %w", err)
			}
		}
	}
	return nil
}

// pushScene patches one existing scene and its controls to the wanted ones.
func (c *Client) pushScene(ctx context.Context, old, s Scene) error {
	if patch := propsPatch(propsJSON(old.Props), s.Props); len(patch) > 0 {
		if _, err := c.UpdateScenes(ctx, 0, []Scene{{SceneID: s.SceneID, Props: patch}}); err != nil {
			return err
		}
	}
	oldControls := map[string]Control{}
	for _, ctl := range old.Controls {
		oldControls[ctl.ControlID] = ctl
	}
	var create, update []Control
	var remove []string
	keep := map[string]bool{}
	for _, ctl := range s.Controls {
		keep[ctl.ControlID] = true
		prev, ok := oldControls[ctl.ControlID]
		switch {
		case !ok:
			create = append(create, ctl)
		case prev.Kind != ctl.Kind:
			remove = append(remove, ctl.ControlID)
			create = append(create, ctl)
		default:
			if patch := propsPatch(propsJSON(prev.Props), ctl.Props); len(patch) > 0 {
				update = append(update, Control{ControlID: ctl.ControlID, Props: patch})
			}
		}
	}
	for _, ctl := range old.Controls {
		if !keep[ctl.ControlID] {
			remove = append(remove, ctl.ControlID)
		}
	}
	if len(remove) > 0 {
		if err := c.DeleteControls(ctx, s.SceneID, remove); err != nil {
			return err
		}
	}
	if len(create) > 0 {
		if _, err := c.CreateControls(ctx, s.SceneID, create); err != nil {
			return err
		}
	}
	if len(update) > 0 {
		if _, err := c.UpdateControls(ctx, 0, s.SceneID, update); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) pushGroups(ctx context.Context, groups []Group) error {
	have, err := c.GetGroups(ctx)
	if err != nil {
		return err
	}
	onServer := map[string]Group{}
	for _, g := range have {
		onServer[g.GroupID] = g
	}
	var create, update []Group
	want := map[string]bool{}
	for _, g := range groups {
		want[g.GroupID] = true
		old, ok := onServer[g.GroupID]
		if !ok {
			create = append(create, g)
			continue
		}
		patch := propsPatch(propsJSON(old.Props), g.Props)
		sceneID := g.SceneID
		if sceneID == "" {
			sceneID = defaultID
		}
		if len(patch) > 0 || old.SceneID != sceneID {
			update = append(update, Group{GroupID: g.GroupID, SceneID: sceneID, Props: patch})
		}
	}
	if len(create) > 0 {
		if _, err := c.CreateGroups(ctx, create); err != nil {
			return err
		}
	}
	if len(update) > 0 {
		if _, err := c.UpdateGroups(ctx, 0, update); err != nil {
			return err
		}
	}
	for _, g := range have {
		if !want[g.GroupID] && g.GroupID != defaultID {
			if err := c.DeleteGroup(ctx, g.GroupID, defaultID); err != nil {
				return err
			}
		}
	}
	return nil
}

// propsPatch is the merge patch from the properties a resource has to the
// ones wanted: changed or new values, and null for the ones to remove.
func propsPatch(have json.RawMessage, want Props) Props {
	old, _ := asObject(have)
	patch := Props{}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if prev, ok := old[k]; !ok || !jsonEqual(prev, want[k]) {
			patch[k] = want[k]
		}
	}
	for k := range old {
		if _, ok := want[k]; !ok {
			patch[k] = json.RawMessage("null")
		}
	}
	return patch
}

// jsonEqual compares two JSON values by meaning (key order, spacing).
func jsonEqual(a, b json.RawMessage) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ea, _ := json.Marshal(va)
	eb, _ := json.Marshal(vb)
	return string(ea) == string(eb)
}

// SwitchScene shows sceneID to the participants of groupID (for the whole
// audience: the "default" group).
func (c *Client) SwitchScene(ctx context.Context, groupID, sceneID string) error {
	_, err := c.UpdateGroups(ctx, 0, []Group{{GroupID: groupID, SceneID: sceneID}})
	return err
}
