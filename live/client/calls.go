package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// call waits for a live connection, sends method and decodes the result
// into out (left untouched when the result is null or out is nil). A
// context without a deadline gets Config.RequestTimeout.
func (c *Client) call(ctx context.Context, method string, params any, out any) error {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	var res json.RawMessage
	for {
		cn, err := c.live(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		res, err = cn.call(ctx, method, params, false)
		var ns *notSentError
		if errors.As(err, &ns) {
			// It never left: wait for the next connection and send it there.
			c.detachIf(cn)
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	if out == nil || isNull(res) {
		return nil
	}
	if err := json.Unmarshal(res, out); err != nil {
		return fmt.Errorf("%s: decode reply %s: %w", method, truncate(res), err)
	}
	return nil
}

func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.cfg.RequestTimeout)
}

// Call sends any method with raw params and returns the raw result. It is
// the escape hatch for methods this package does not name; what it
// changes is not restored after a reconnect.
func (c *Client) Call(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	var out json.RawMessage
	if params == nil {
		params = json.RawMessage("{}")
	}
	err := c.call(ctx, method, params, &out)
	return out, err
}

// Ready enters (true) or leaves (false) interactive mode. The last value
// is re-sent after a reconnect.
func (c *Client) Ready(ctx context.Context, isReady bool) error {
	err := c.call(ctx, "ready", map[string]bool{"isReady": isReady}, nil)
	if err == nil {
		c.model.setReady(isReady)
	}
	return err
}

// SetCompression asks for schemes in preference order (lz4, gzip, none)
// and returns the server's choice, which applies from the next message.
func (c *Client) SetCompression(ctx context.Context, schemes ...string) (string, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	cn, err := c.live(ctx)
	if err != nil {
		return "", fmt.Errorf("setCompression: %w", err)
	}
	s, err := setCompression(ctx, cn, schemes)
	if err == nil {
		c.setStatusScheme(cn)
	}
	return s, err
}

// setStatusScheme refreshes Status.Scheme after a switch.
func (c *Client) setStatusScheme(cn *conn) {
	c.mu.Lock()
	if c.cur == cn {
		c.status.Scheme = string(cn.schemeName())
	}
	c.mu.Unlock()
}

// GetTime asks the server for its clock, updates ServerNow's offset, and
// returns the server's time.
func (c *Client) GetTime(ctx context.Context) (time.Time, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	cn, err := c.live(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("getTime: %w", err)
	}
	return c.syncClock(ctx, cn)
}

// MemoryStats is getMemoryStats' reply and issueMemoryWarning's params.
// Resources is the server's recursive breakdown, kept raw.
type MemoryStats struct {
	UsedBytes  int64           `json:"usedBytes"`
	TotalBytes int64           `json:"totalBytes"`
	Resources  json.RawMessage `json:"resources,omitempty"`
}

func (c *Client) GetMemoryStats(ctx context.Context) (MemoryStats, error) {
	var v MemoryStats
	return v, c.call(ctx, "getMemoryStats", nil, &v)
}

// ThrottleRule is a leaky bucket for one server-to-client method (or "*"
// for all): capacity in bytes, drain rate in bytes per second.
type ThrottleRule struct {
	Capacity  int64 `json:"capacity"`
	DrainRate int64 `json:"drainRate"`
}

// SetBandwidthThrottle sets throttles per method name; a nil rule removes
// the method's throttle. Rules are re-sent after a reconnect.
func (c *Client) SetBandwidthThrottle(ctx context.Context, rules map[string]*ThrottleRule) error {
	raw, err := json.Marshal(rules)
	if err != nil {
		return fmt.Errorf("setBandwidthThrottle: %w", err)
	}
	if err = c.call(ctx, "setBandwidthThrottle", json.RawMessage(raw), nil); err == nil {
		c.model.setThrottle(raw)
	}
	return err
}

// ThrottleState counts packets let through and rejected by one throttle.
type ThrottleState struct {
	Inserted uint64 `json:"inserted"`
	Rejected uint64 `json:"rejected"`
}

func (c *Client) GetThrottleState(ctx context.Context) (map[string]ThrottleState, error) {
	var v map[string]ThrottleState
	return v, c.call(ctx, "getThrottleState", nil, &v)
}

// UpdateWorld merges world (a JSON object of custom properties) into the
// session's world and returns the server's world (with its scenes), raw.
func (c *Client) UpdateWorld(ctx context.Context, priority int, world json.RawMessage) (json.RawMessage, error) {
	if _, ok := asObject(world); !ok {
		return nil, fmt.Errorf("updateWorld: world must be a JSON object")
	}
	var out json.RawMessage
	params := struct {
		Priority int             `json:"priority"`
		World    json.RawMessage `json:"world"`
	}{priority, world}
	err := c.call(ctx, "updateWorld", params, &out)
	if err == nil {
		c.model.updateWorld(world)
	}
	return out, err
}

// ParticipantPage is one page of getAllParticipants/getActiveParticipants.
type ParticipantPage struct {
	Participants []Participant `json:"participants"`
	Total        int           `json:"total"`
	HasMore      bool          `json:"hasMore"`
}

// GetAllParticipants lists connected participants who joined after from
// (unix ms); continue from the last one's ConnectedAt while HasMore.
func (c *Client) GetAllParticipants(ctx context.Context, from int64) (ParticipantPage, error) {
	var v ParticipantPage
	return v, c.call(ctx, "getAllParticipants", map[string]int64{"from": from}, &v)
}

// GetActiveParticipants lists participants whose last input is after
// threshold (unix ms), oldest first.
func (c *Client) GetActiveParticipants(ctx context.Context, threshold int64) (ParticipantPage, error) {
	var v ParticipantPage
	return v, c.call(ctx, "getActiveParticipants", map[string]int64{"threshold": threshold}, &v)
}

// GetParticipantsByMixerID maps each user ID (as decimal text) to its
// participant, or nil when that user is not connected.
func (c *Client) GetParticipantsByMixerID(ctx context.Context, userIDs []uint64) (map[string]*Participant, error) {
	var v struct {
		Users map[string]*Participant `json:"users"`
	}
	return v.Users, c.call(ctx, "getParticipantsByMixerID", map[string][]uint64{"userIDs": userIDs}, &v)
}

// GetParticipantsBySessionID maps each session ID to its participant, or
// nil when it is not connected.
func (c *Client) GetParticipantsBySessionID(ctx context.Context, sessionIDs []string) (map[string]*Participant, error) {
	var v struct {
		Users map[string]*Participant `json:"users"`
	}
	return v.Users, c.call(ctx, "getParticipantsBySessionID", map[string][]string{"sessionIDs": sessionIDs}, &v)
}

// UpdateParticipants changes participants (group, disabled, custom
// properties) all or nothing, and returns them as updated. Participants
// belong to a session, so these changes are not restored after a reconnect.
func (c *Client) UpdateParticipants(ctx context.Context, priority int, updates []ParticipantUpdate) ([]Participant, error) {
	var v struct {
		Participants []Participant `json:"participants"`
	}
	params := struct {
		Priority     int                 `json:"priority"`
		Participants []ParticipantUpdate `json:"participants"`
	}{priority, updates}
	return v.Participants, c.call(ctx, "updateParticipants", params, &v)
}

// CreateGroups creates groups (an empty SceneID means the default scene)
// and returns them as the server has them (nil if it replied null).
func (c *Client) CreateGroups(ctx context.Context, groups []Group) ([]Group, error) {
	var v struct {
		Groups []Group `json:"groups"`
	}
	err := c.call(ctx, "createGroups", map[string][]Group{"groups": groups}, &v)
	if err == nil {
		c.model.putGroups(groups, true)
	}
	return v.Groups, err
}

func (c *Client) GetGroups(ctx context.Context) ([]Group, error) {
	var v struct {
		Groups []Group `json:"groups"`
	}
	return v.Groups, c.call(ctx, "getGroups", nil, &v)
}

// UpdateGroups patches groups (for example SceneID, to switch the scene
// its participants see) and returns them as updated.
func (c *Client) UpdateGroups(ctx context.Context, priority int, groups []Group) ([]Group, error) {
	var v struct {
		Groups []Group `json:"groups"`
	}
	params := struct {
		Priority int     `json:"priority"`
		Groups   []Group `json:"groups"`
	}{priority, groups}
	err := c.call(ctx, "updateGroups", params, &v)
	if err == nil {
		c.model.putGroups(groups, false)
	}
	return v.Groups, err
}

// DeleteGroup removes a group, moving its participants to reassignGroupID.
func (c *Client) DeleteGroup(ctx context.Context, groupID, reassignGroupID string) error {
	params := map[string]string{"groupID": groupID, "reassignGroupID": reassignGroupID}
	err := c.call(ctx, "deleteGroup", params, nil)
	if err == nil {
		c.model.deleteGroup(groupID, reassignGroupID)
	}
	return err
}

// CreateScenes creates scenes with their controls (all or nothing) and
// returns them as the server has them (nil if it replied null).
func (c *Client) CreateScenes(ctx context.Context, scenes []Scene) ([]Scene, error) {
	var v struct {
		Scenes []Scene `json:"scenes"`
	}
	err := c.call(ctx, "createScenes", map[string][]Scene{"scenes": scenes}, &v)
	if err == nil {
		c.model.createScenes(scenes)
	}
	return v.Scenes, err
}

// GetScenes lists the session's scenes with their controls and groups.
func (c *Client) GetScenes(ctx context.Context) ([]Scene, error) {
	var v struct {
		Scenes []Scene `json:"scenes"`
	}
	return v.Scenes, c.call(ctx, "getScenes", nil, &v)
}

// UpdateScenes patches scenes' properties and returns them as updated.
func (c *Client) UpdateScenes(ctx context.Context, priority int, scenes []Scene) ([]Scene, error) {
	var v struct {
		Scenes []Scene `json:"scenes"`
	}
	params := struct {
		Priority int     `json:"priority"`
		Scenes   []Scene `json:"scenes"`
	}{priority, scenes}
	err := c.call(ctx, "updateScenes", params, &v)
	if err == nil {
		c.model.updateScenes(scenes)
	}
	return v.Scenes, err
}

// DeleteScene removes a scene, moving groups on it to reassignSceneID.
func (c *Client) DeleteScene(ctx context.Context, sceneID, reassignSceneID string) error {
	params := map[string]string{"sceneID": sceneID, "reassignSceneID": reassignSceneID}
	err := c.call(ctx, "deleteScene", params, nil)
	if err == nil {
		c.model.deleteScene(sceneID, reassignSceneID)
	}
	return err
}

// CreateControls adds fully described controls to a scene and returns
// them as created (nil if the server replied null).
func (c *Client) CreateControls(ctx context.Context, sceneID string, controls []Control) ([]Control, error) {
	var v struct {
		Controls []Control `json:"controls"`
	}
	params := struct {
		SceneID  string    `json:"sceneID"`
		Controls []Control `json:"controls"`
	}{sceneID, controls}
	err := c.call(ctx, "createControls", params, &v)
	if err == nil {
		c.model.createControls(sceneID, controls)
	}
	return v.Controls, err
}

// UpdateControls patches controls of a scene (all or nothing) and returns
// them as updated. A property set to JSON null is removed.
func (c *Client) UpdateControls(ctx context.Context, priority int, sceneID string, controls []Control) ([]Control, error) {
	var v struct {
		Controls []Control `json:"controls"`
	}
	params := struct {
		Priority int       `json:"priority"`
		SceneID  string    `json:"sceneID"`
		Controls []Control `json:"controls"`
	}{priority, sceneID, controls}
	err := c.call(ctx, "updateControls", params, &v)
	if err == nil {
		c.model.updateControls(sceneID, controls)
	}
	return v.Controls, err
}

// DeleteControls removes controls from a scene.
func (c *Client) DeleteControls(ctx context.Context, sceneID string, controlIDs []string) error {
	params := struct {
		SceneID    string   `json:"sceneID"`
		ControlIDs []string `json:"controlIDs"`
	}{sceneID, controlIDs}
	err := c.call(ctx, "deleteControls", params, nil)
	if err == nil {
		c.model.deleteControls(sceneID, controlIDs)
	}
	return err
}

// BroadcastEvent sends data to participants in the given scopes
// ("everyone", "group:ID", "scene:ID", "participant:SESSION").
func (c *Client) BroadcastEvent(ctx context.Context, scope []string, data json.RawMessage) error {
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	params := struct {
		Scope []string        `json:"scope"`
		Data  json.RawMessage `json:"data"`
	}{scope, data}
	return c.call(ctx, "broadcastEvent", params, nil)
}

// Capture charges the spark transaction created by an input. Wait for it
// to succeed before acting on the input.
func (c *Client) Capture(ctx context.Context, transactionID TransactionID) error {
	return c.call(ctx, "capture", map[string]TransactionID{"transactionID": transactionID}, nil)
}

// UploadTarget is where and with which token to POST a file.
type UploadTarget struct {
	URL           string `json:"url"`
	Authorization string `json:"authorization"`
}

// UploadFile authorises an upload of a file stored at path.
func (c *Client) UploadFile(ctx context.Context, path string) (UploadTarget, error) {
	var v UploadTarget
	return v, c.call(ctx, "uploadFile", map[string]string{"path": path}, &v)
}

// DeleteFile removes an uploaded file (no error if it does not exist).
func (c *Client) DeleteFile(ctx context.Context, path string) error {
	return c.call(ctx, "deleteFile", map[string]string{"path": path}, nil)
}
