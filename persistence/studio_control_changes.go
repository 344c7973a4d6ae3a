package persistence

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mixstudio/mixstudio/studio"
)

// ControlChanges is one edit of a scene's controls, saved as a whole: what
// a paste, a fill or an undo needs (creations, updates and deletions
// mixed). Each control appears at most once.
type ControlChanges struct {
	// Create adds controls the scene must not have yet.
	Create []studio.Control
	// Update replaces controls; each one's Revision is the revision the
	// editor loaded, and its kind must stay.
	Update []studio.Control
	// Delete removes controls, each at the revision the editor loaded.
	Delete []ControlRef
}

// ControlRef names a control at the revision the editor saw.
type ControlRef struct {
	ControlID string
	Revision  int64
}

func (ch ControlChanges) len() int { return len(ch.Create) + len(ch.Update) + len(ch.Delete) }

// SaveControls saves one edit of a draft's scene in one transaction: all
// of it or nothing. Any control whose revision is not the one the editor
// saw (or that exists when it is to be created, or is gone when it is to
// be updated or deleted) is a concurrent edit and refuses the whole save
// (ECONFLICT). The scene is validated again inside the transaction, so two
// tabs cannot together store an overlap that neither made alone, and the
// version keeps its studio.MaxControls cap. Every written control gets the
// same new revision, which is returned.
func (db *DB) SaveControls(ctx context.Context, versionID int64, sceneID string, changes ControlChanges) (int64, error) {
	if changes.len() == 0 {
		return 0, nil
	}
	if err := changes.checkOnce(); err != nil {
		return 0, err
	}
	var rev int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		ref, scene, err := sceneForSave(ctx, tx, versionID, sceneID)
		if err != nil {
			return err
		}
		if err := changes.apply(&scene); err != nil {
			return err
		}
		if err := scene.Validate(); err != nil {
			return err
		}
		if added := len(changes.Create) - len(changes.Delete); added > 0 {
			if err := checkControlCount(ctx, tx, versionID, added); err != nil {
				return err
			}
		}
		if rev, err = nextControlRevision(ctx, tx, versionID); err != nil {
			return err
		}
		if err := changes.write(ctx, tx, ref, sceneID, rev); err != nil {
			return err
		}
		return db.touch(ctx, tx, versionID)
	})
	return rev, err
}

// sceneForSave is sceneForEdit for a save the editor made from a page: a
// scene gone since the page loaded is a concurrent edit (ECONFLICT), not a
// wrong address.
func sceneForSave(ctx context.Context, tx *sql.Tx, versionID int64, sceneID string) (int64, studio.Scene, error) {
	ref, scene, err := sceneForEdit(ctx, tx, versionID, sceneID)
	if studio.ErrorCode(err) == studio.ENOTFOUND {
		if _, verr := versionSummary(ctx, tx, versionID); verr != nil {
			return 0, scene, verr
		}
		return 0, scene, studio.Errorf(studio.ECONFLICT, "scene %q no longer exists (deleted in another tab?)", sceneID)
	}
	return ref, scene, err
}

// checkOnce refuses a control named twice: the order of its changes
// would decide what is saved.
func (ch ControlChanges) checkOnce() error {
	seen := make(map[string]bool, ch.len())
	once := func(id string) error {
		if seen[id] {
			return &studio.Error{Code: studio.EINVALID, Field: "controlID", Message: fmt.Sprintf("control %q is changed twice in one save", id)}
		}
		seen[id] = true
		return nil
	}
	for i := range ch.Create {
		if err := once(ch.Create[i].ControlID); err != nil {
			return err
		}
	}
	for i := range ch.Update {
		if err := once(ch.Update[i].ControlID); err != nil {
			return err
		}
	}
	for _, d := range ch.Delete {
		if err := once(d.ControlID); err != nil {
			return err
		}
	}
	return nil
}

// apply checks each change against the stored scene and makes it there,
// so that the whole scene can be validated before anything is written.
func (ch ControlChanges) apply(scene *studio.Scene) error {
	for i := range ch.Create {
		c := &ch.Create[i]
		if scene.Control(c.ControlID) != nil {
			return studio.Errorf(studio.ECONFLICT, "control %q of scene %q was created elsewhere (another tab?); your change was not saved — reload to see it", c.ControlID, scene.SceneID)
		}
		scene.Controls = append(scene.Controls, c.Clone())
	}
	for i := range ch.Update {
		c := &ch.Update[i]
		cur := scene.Control(c.ControlID)
		if cur == nil || cur.Revision != c.Revision {
			return staleControl(scene.SceneID, c.ControlID)
		}
		if cur.Kind != c.Kind {
			return &studio.Error{Code: studio.EINVALID, Field: "kind", Message: fmt.Sprintf("control %q cannot change its kind", c.ControlID)}
		}
		*cur = c.Clone()
	}
	for _, d := range ch.Delete {
		cur := scene.Control(d.ControlID)
		if cur == nil || cur.Revision != d.Revision {
			return staleControl(scene.SceneID, d.ControlID)
		}
		removeControl(scene, d.ControlID)
	}
	return nil
}

func removeControl(s *studio.Scene, id string) {
	for i := range s.Controls {
		if s.Controls[i].ControlID == id {
			s.Controls = append(s.Controls[:i], s.Controls[i+1:]...)
			return
		}
	}
}

// write stores the changes; each statement's revision guard holds even
// against a writer that skipped apply's checks.
func (ch ControlChanges) write(ctx context.Context, tx *sql.Tx, ref int64, sceneID string, rev int64) error {
	for _, d := range ch.Delete {
		res, err := tx.ExecContext(ctx, `DELETE FROM controls WHERE scene_ref = ? AND control_id = ? AND revision = ?`, ref, d.ControlID, d.Revision)
		if err != nil {
			return fmt.Errorf("delete control %q: %w", d.ControlID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return staleControl(sceneID, d.ControlID)
		}
	}
	for i := range ch.Update {
		c := ch.Update[i]
		if err := saveControl(ctx, tx, ref, &c, sceneID, rev); err != nil {
			return err
		}
	}
	if len(ch.Create) == 0 {
		return nil
	}
	var ord int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ord), -1) + 1 FROM controls WHERE scene_ref = ?`, ref).Scan(&ord); err != nil {
		return fmt.Errorf("order of new controls: %w", err)
	}
	ins, err := tx.PrepareContext(ctx, insertControlSQL)
	if err != nil {
		return err
	}
	defer ins.Close()
	for i := range ch.Create {
		c := ch.Create[i]
		if err := insertControl(ctx, ins, ref, &c, ord+i, rev); err != nil {
			return err
		}
	}
	return nil
}
