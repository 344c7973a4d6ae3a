package studio

// GamepadButtonNames names the buttons of the standard gamepad mapping by
// their index (the gamepadButton property), for the editor's picker.
var GamepadButtonNames = [...]string{
	"A (bottom)", "B (right)", "X (left)", "Y (top)",
	"Left bumper", "Right bumper", "Left trigger", "Right trigger",
	"Back / Select", "Start", "Left stick press", "Right stick press",
	"D-pad up", "D-pad down", "D-pad left", "D-pad right",
}

// GamepadJoystickNames names the gamepadJoystick values.
var GamepadJoystickNames = [...]string{"Left stick", "Right stick"}
