package web

import (
	"context"

	"github.com/mixstudio/mixstudio/studio"
	"github.com/mixstudio/mixstudio/templates"
)

// The studio pages' calls into persistence, in one place. Access (the
// project is the user's) is checked by persistence's FindUser* functions,
// which every call here goes through.

// ownProject returns the project if u owns it.
func (s *Server) ownProject(ctx context.Context, u studio.User, projectID int64) (studio.Project, error) {
	return s.db.FindUserProject(ctx, u.ID, projectID)
}

func (s *Server) storeProjects(ctx context.Context, u studio.User) ([]studio.Project, error) {
	return s.db.FindProjects(ctx, u.ID)
}

func (s *Server) storeCreateProject(ctx context.Context, u studio.User, name string) (int64, error) {
	_, v, err := s.db.CreateProject(ctx, u.ID, name)
	return v.ID, err
}

func (s *Server) storeRenameProject(ctx context.Context, u studio.User, id int64, name string) error {
	if _, err := s.ownProject(ctx, u, id); err != nil {
		return err
	}
	return s.db.RenameProject(ctx, id, name)
}

func (s *Server) storeDuplicateProject(ctx context.Context, u studio.User, id int64) (string, error) {
	if _, err := s.ownProject(ctx, u, id); err != nil {
		return "", err
	}
	p, err := s.db.DuplicateProject(ctx, id, u.ID)
	return p.Name, err
}

func (s *Server) storeDeleteProject(ctx context.Context, u studio.User, id int64) error {
	if _, err := s.ownProject(ctx, u, id); err != nil {
		return err
	}
	return s.db.DeleteProject(ctx, id)
}

func (s *Server) storeImport(ctx context.Context, u studio.User, l studio.Layout) (int64, error) {
	return s.db.ImportLayout(ctx, u.ID, l)
}

// editorData is what one editor answer needs: the version with only the
// shown scene's controls loaded (the others are listed by id, with their
// counts in tabs), so a 50-scene project costs no more than one scene.
type editorData struct {
	version  *studio.Version
	versions []studio.VersionSummary
	tabs     []templates.SceneTab
}

// storeEditor loads a version of the user's for the editor, with the
// controls of sceneID (or of the default scene when there is no such one).
func (s *Server) storeEditor(ctx context.Context, u studio.User, id int64, sceneID string) (*editorData, error) {
	v, err := s.db.FindUserVersionOutline(ctx, u.ID, id)
	if err != nil {
		return nil, err
	}
	p, err := s.db.FindProjectByID(ctx, v.ProjectID)
	if err != nil {
		return nil, err
	}
	sums, err := s.db.FindSceneSummaries(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &editorData{versions: p.Versions, version: &v, tabs: make([]templates.SceneTab, len(sums))}
	for i, sum := range sums {
		d.tabs[i] = templates.SceneTab{ID: sum.SceneID, Controls: sum.Controls, Missing: sum.Missing}
	}
	if v.Scene(sceneID) == nil {
		sceneID = studio.DefaultSceneID
		if v.Scene(sceneID) == nil && len(v.Scenes) > 0 {
			sceneID = v.Scenes[0].SceneID
		}
	}
	scene, err := s.db.FindScene(ctx, id, sceneID)
	if err != nil {
		return nil, err
	}
	*d.version.Scene(sceneID) = scene
	return d, nil
}

func (s *Server) storeCreateScene(ctx context.Context, versionID int64, sceneID string) error {
	_, err := s.db.CreateScene(ctx, versionID, sceneID)
	return err
}

func (s *Server) storeRenameScene(ctx context.Context, versionID int64, from, to string) error {
	return s.db.RenameScene(ctx, versionID, from, to)
}

func (s *Server) storeDeleteScene(ctx context.Context, versionID int64, sceneID, reassign string) error {
	return s.db.DeleteScene(ctx, versionID, sceneID, reassign)
}

func (s *Server) storeCreateGroup(ctx context.Context, versionID int64, g studio.Group) error {
	_, err := s.db.CreateGroup(ctx, versionID, g)
	return err
}

func (s *Server) storeUpdateGroup(ctx context.Context, versionID int64, g studio.Group) error {
	_, err := s.db.UpdateGroup(ctx, versionID, g)
	return err
}

func (s *Server) storeDeleteGroup(ctx context.Context, versionID int64, groupID string) error {
	return s.db.DeleteGroup(ctx, versionID, groupID)
}

func (s *Server) storePublish(ctx context.Context, versionID int64) error {
	return s.db.PublishVersion(ctx, versionID)
}

func (s *Server) storeNewDraft(ctx context.Context, versionID int64) (int64, error) {
	v, err := s.db.CreateDraftFrom(ctx, versionID)
	return v.ID, err
}

// storeRestoreScene brings a deleted scene back with its controls, and
// points groupIDs at it again, in one transaction.
func (s *Server) storeRestoreScene(ctx context.Context, versionID int64, scene studio.Scene, groupIDs []string) error {
	_, err := s.db.RestoreScene(ctx, versionID, scene, groupIDs)
	return err
}
