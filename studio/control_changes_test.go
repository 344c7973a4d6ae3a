package studio

import "testing"

func TestControlChangesApply(t *testing.T) {
	at := func(id string, x int, rev int64) Control {
		c := Control{ControlID: id, Kind: KindButton, Revision: rev}
		c.SetPosition(Position{Size: Large, X: x, Y: 0, Width: 10, Height: 5})
		return c
	}
	scene := func() Scene { return Scene{SceneID: "default", Controls: []Control{at("a", 0, 3), at("b", 20, 4)}} }
	ptr := func(c Control) *Control { return &c }
	label := Control{ControlID: "a", Kind: KindLabel}
	tests := []struct {
		name    string
		changes ControlChanges
		code    string
	}{
		{"move, create into b's place, delete b", ControlChanges{
			{ControlID: "a", Expect: 3, After: ptr(at("a", 40, 3))},
			{ControlID: "c", After: ptr(at("c", 20, 0))},
			{ControlID: "b", Expect: 4},
		}, ""},
		{"stale update", ControlChanges{{ControlID: "a", Expect: 2, After: ptr(at("a", 40, 2))}}, ECONFLICT},
		{"stale delete", ControlChanges{{ControlID: "b", Expect: 3}}, ECONFLICT},
		{"delete of a control never seen", ControlChanges{{ControlID: "zz"}}, ECONFLICT},
		{"update of a deleted control", ControlChanges{{ControlID: "gone", Expect: 1, After: ptr(at("gone", 40, 1))}}, ECONFLICT},
		{"create of an existing control", ControlChanges{{ControlID: "a", After: ptr(at("a", 40, 0))}}, ECONFLICT},
		{"kind change", ControlChanges{{ControlID: "a", Expect: 3, After: &label}}, EINVALID},
		{"named twice", ControlChanges{{ControlID: "a", Expect: 3, After: ptr(at("a", 40, 3))}, {ControlID: "a", Expect: 3}}, EINVALID},
		{"overlap made by the edit", ControlChanges{{ControlID: "a", Expect: 3, After: ptr(at("a", 15, 3))}}, EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scene()
			err := tt.changes.Apply(&s)
			if ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Fatalf("got %v, want code %q", err, tt.code)
			}
			if err != nil {
				return
			}
			if len(s.Controls) != 2 || s.Control("b") != nil || s.Control("a").Position[0].X != 40 || s.Control("c") == nil {
				t.Fatalf("applied scene %+v", s.Controls)
			}
		})
	}
}

func TestChangesListsWhatDiffers(t *testing.T) {
	before := Scene{SceneID: "default", Controls: []Control{{ControlID: "a", Kind: KindButton, Revision: 3}, {ControlID: "b", Kind: KindButton, Revision: 4}, {ControlID: "same", Kind: KindLabel, Revision: 5}}}
	after := before.Clone()
	after.Control("a").Text = Ptr("A")
	after.RemoveControl("b")
	after.Controls = append(after.Controls, Control{ControlID: "new", Kind: KindLabel})
	got := Changes(&before, &after)
	want := map[string]int64{"a": 3, "b": 4, "new": 0}
	if len(got) != len(want) {
		t.Fatalf("changes %+v", got)
	}
	for _, ch := range got {
		if e, ok := want[ch.ControlID]; !ok || e != ch.Expect || (ch.ControlID == "b") != (ch.After == nil) {
			t.Fatalf("change %+v", ch)
		}
	}
}
