package studio

import "testing"

func TestNothingToShowNamesBlankButtonsAndLabels(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     Control
		blank bool
	}{
		{"button without text", Control{Kind: KindButton}, true},
		{"button with spaces", Control{Kind: KindButton, Props: Props{Text: Ptr("   ")}}, true},
		{"button with text", Control{Kind: KindButton, Props: Props{Text: Ptr("Go")}}, false},
		{"button with an image", Control{Kind: KindButton, Props: Props{BackgroundImage: Ptr("https://example.com/a.png")}}, false},
		{"label without text", Control{Kind: KindLabel}, true},
		{"label with text", Control{Kind: KindLabel, Props: Props{Text: Ptr("Vote")}}, false},
		{"joystick", Control{Kind: KindJoystick}, false},
		{"textbox", Control{Kind: KindTextbox}, false},
	} {
		if got := NothingToShow(&tc.c) != ""; got != tc.blank {
			t.Errorf("%s: blank = %v, want %v (%q)", tc.name, got, tc.blank, NothingToShow(&tc.c))
		}
	}
}
