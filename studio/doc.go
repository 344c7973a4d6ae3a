// Package studio is the domain of mixstudio: the layouts — projects,
// versions, scenes, controls, their positions on the three grids, and
// groups; the rules that keep a layout valid (and ControlChanges.Apply,
// the one judge of an edit of controls); placement helpers for the editor;
// the layout JSON used for import and export — and the accounts that own
// them (user.go: users and their channels, the OAuth scopes and tokens
// that act for them, shortcodes, the sparks they spend). Both share one
// error vocabulary (errors.go) that every caller maps in one table. It is
// pure Go: no HTTP, no SQL.
//
// The rules a layout obeys, in one place (Validate enforces all of them and
// reports every violation as a Problem naming scene, control or group,
// grid and field):
//
//   - Ids (sceneID, controlID, groupID): non-empty, valid UTF-8, at most
//     255 bytes, no control characters. Scene and group ids are unique in a
//     version; control ids are unique in their scene (the protocol
//     addresses a control by scene and id).
//   - The "default" scene and the "default" group always exist; every
//     group shows an existing scene.
//   - Kinds: button, joystick, label, textbox, screen. A kind's built-in properties
//     are typed (see PropertiesOf); other keys are custom properties, kept
//     as JSON at the top level of the object (at most 100 per object).
//   - Value ranges: progress [0, 1]; angle [0, 2π); intensity [0, 1];
//     cost ≥ 0; cooldown ≥ 0 (a unix time in ms); keyCode 0..255;
//     gamepadButton 0..15; gamepadJoystick 0 or 1; sampleRate 1..10000 ms;
//     moveThrottle 0..10000 ms; sendMoveEvents always, mousedown or never;
//     text-like properties at most 1000 characters; colours are CSS colours
//     (hex, rgb/rgba/hsl/hsla with numbers, or a named colour); textSize is a
//     CSS length; backgroundImage is an http(s) URL.
//   - Positions: at most one per grid (large 80x20, medium 45x25, small
//     30x40 units of 12 px); integers; entirely inside the grid; no two
//     controls of a scene share a cell on the same grid. No position on a
//     grid hides the control there without deleting it.
//   - Sizes per kind, in grid units (min .. max, max being the grid):
//     button 3x2 .. grid; joystick square, 5 .. the grid's smaller side;
//     label 2x1 .. grid; textbox 6x4 .. grid; screen 4x4 .. grid. New
//     controls get 10x5, 10x10, 10x2, 15x4 and 20x10.
//   - A version holds at most 500 scenes, 20,000 controls and 1,000 groups;
//     an import file at most 16 MiB.
package studio
