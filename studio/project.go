package studio

import "time"

// Project is what a developer designs: a name, an owner, an optional
// sharecode that lets other users' game clients use its versions, and
// numbered versions.
type Project struct {
	ID        int64
	Name      string
	OwnerID   int64  // users.id
	Sharecode string // "" when none is set
	CreatedAt time.Time
	UpdatedAt time.Time
	// Versions, newest first, without their scenes (see FindVersion).
	Versions []VersionSummary
}

// Version states. A draft can be edited and published; a published version
// never changes again (game clients in the wild rely on it).
const (
	Draft     = "draft"
	Published = "published"
)

// VersionSummary names a version without its content.
type VersionSummary struct {
	ID          int64 // what a game client sends as X-Interactive-Version
	ProjectID   int64
	Number      int // 1, 2, ... within the project
	State       string
	PublishedAt time.Time // zero for a draft
	UpdatedAt   time.Time
}

// Editable reports whether the version may still change.
func (v VersionSummary) Editable() bool { return v.State == Draft }

// Version is one version of a project with its scenes (controls included)
// and groups. The live console and the mediator use published or draft
// versions by ID.
type Version struct {
	VersionSummary
	ProjectName string
	Scenes      []Scene
	Groups      []Group
	// Reactions of the version's controls (see Reaction).
	Reactions []Reaction
	// Bundle is the version's control bundle, nil when it has none.
	Bundle *BundleInfo
}

// Scene returns a pointer to the version's scene with that id, or nil.
func (v *Version) Scene(id string) *Scene {
	for i := range v.Scenes {
		if v.Scenes[i].SceneID == id {
			return &v.Scenes[i]
		}
	}
	return nil
}

// Layout returns the version's content as a Layout named after its project.
func (v Version) Layout() Layout {
	return Layout{Format: LayoutFormat, Name: v.ProjectName, Scenes: v.Scenes, Groups: v.Groups, Reactions: v.Reactions}
}

// SceneSummary counts a scene's controls without loading them: how many
// there are and how many are hidden on at least one grid.
type SceneSummary struct {
	SceneID  string
	Controls int
	Missing  int
}
