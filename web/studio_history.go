package web

import (
	"encoding/json"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// Undo and redo are server-backed: every edit answers with its inverse (an
// historyEntry), the page keeps those on its stacks, and undoing posts the
// entry back to /restore, which is a real save with the same revision
// checks as any other. Its answer carries the inverse again (the redo).

// historyEntry is an edit's inverse: the state each touched control must
// return to, and the revision it must have now (the one the edit saved).
type historyEntry struct {
	Label string      `json:"label"`
	Scene string      `json:"scene"`
	Ops   []controlOp `json:"ops,omitempty"`
	// Structure, instead of Ops, undoes an edit of scenes or groups.
	Structure *structureOp `json:"structure,omitempty"`
}

// structureOp is one scene or group edit (as its inverse):
//   - "create-scene": Scene (its controls too) comes back, and Groups that
//     showed it are pointed at it again;
//   - "delete-scene": SceneID goes, its groups move to Reassign;
//   - "rename-scene": SceneID becomes NewID;
//   - "create-group", "delete-group": Groups[0] comes back or goes;
//   - "set-group": Groups[0] shows its SceneID again, if its revision is
//     still Revision.
type structureOp struct {
	Action   string          `json:"action"`
	SceneID  string          `json:"sceneID,omitempty"`
	NewID    string          `json:"newID,omitempty"`
	Reassign string          `json:"reassign,omitempty"`
	Scene    json.RawMessage `json:"scene,omitempty"`
	Groups   []groupState    `json:"groups,omitempty"`
}

// groupState is a group as an undo entry carries it.
type groupState struct {
	GroupID  string `json:"groupID"`
	SceneID  string `json:"sceneID"`
	Revision int64  `json:"revision"`
}

// structureEntry is the history entry of a scene or group edit.
func structureEntry(kind, label, sceneID string, op structureOp) (*templates.HistoryEntry, error) {
	b, err := json.Marshal(historyEntry{Label: label, Scene: sceneID, Structure: &op})
	if err != nil {
		return nil, err
	}
	return &templates.HistoryEntry{Kind: kind, JSON: string(b)}, nil
}

// controlOp restores one control. Revision 0 means the control must not
// exist now (the edit deleted it); a null State deletes it (the edit
// created it).
type controlOp struct {
	ControlID string          `json:"controlID"`
	Revision  int64           `json:"revision"`
	State     json.RawMessage `json:"state"`
}

// maxHistoryOps bounds what one restore may touch: a whole scene at most.
const maxHistoryOps = 2000

// inverseOf builds the undo entry of a saved edit from the scene before it
// and after it (with the revisions the save gave).
func inverseOf(label, sceneID string, changes studio.ControlChanges, before, after *studio.Scene) (*templates.HistoryEntry, error) {
	e := historyEntry{Label: label, Scene: sceneID}
	for _, ch := range changes {
		op := controlOp{ControlID: ch.ControlID, State: json.RawMessage("null")}
		if now := after.Control(ch.ControlID); now != nil {
			op.Revision = now.Revision
		}
		if was := before.Control(ch.ControlID); was != nil {
			b, err := json.Marshal(was)
			if err != nil {
				return nil, fmt.Errorf("encode control %q: %w", ch.ControlID, err)
			}
			op.State = b
		}
		e.Ops = append(e.Ops, op)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return &templates.HistoryEntry{Kind: "edit", JSON: string(b)}, nil
}

// parseHistory reads a posted entry into the changes that restore it,
// checking each state as a control of the scene.
func parseHistory(payload string) (historyEntry, studio.ControlChanges, error) {
	var e historyEntry
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		return e, nil, studio.Errorf(studio.EINVALID, "the undo entry is not valid JSON: %v", err)
	}
	if e.Structure != nil {
		return e, nil, nil
	}
	if len(e.Ops) == 0 || len(e.Ops) > maxHistoryOps {
		return e, nil, studio.Errorf(studio.EINVALID, "an undo entry restores 1 to %d controls, not %d", maxHistoryOps, len(e.Ops))
	}
	changes := make(studio.ControlChanges, 0, len(e.Ops))
	for _, op := range e.Ops {
		ch := studio.ControlChange{ControlID: op.ControlID, Expect: op.Revision}
		if len(op.State) > 0 && string(op.State) != "null" {
			var c studio.Control
			if err := json.Unmarshal(op.State, &c); err != nil {
				return e, nil, studio.Errorf(studio.EINVALID, "the undo entry's control %q is not valid: %v", op.ControlID, err)
			}
			if c.ControlID != op.ControlID {
				return e, nil, studio.Errorf(studio.EINVALID, "the undo entry restores %q under the id %q", c.ControlID, op.ControlID)
			}
			ch.After = &c
		}
		changes = append(changes, ch)
	}
	return e, changes, nil
}
