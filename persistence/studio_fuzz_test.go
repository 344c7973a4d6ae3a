package persistence

import (
	"bytes"
	"context"
	"testing"

	"github.com/mixstudio/mixstudio/studio"
)

// FuzzStoredLayoutRoundTrip: any layout the importer accepts comes back
// from the database exactly as it went in (export bytes compared), whatever
// its strings, numbers and custom JSON look like.
func FuzzStoredLayoutRoundTrip(f *testing.F) {
	f.Add([]byte(`{"scenes":[{"sceneID":"default","controls":[{"controlID":"a\u00e9\"","kind":"button","text":"x\\y\n","cost":0,"progress":1e-7,"c":{"k":[1, 2 ,{}]},"position":[{"size":"small","width":3,"height":2,"x":27,"y":38}]}],"s":null}],"groups":[{"groupID":"g","sceneID":"default","x":"\u2028"}]}`))
	f.Add([]byte(`{"scenes":[{"sceneID":"default","controls":[{"controlID":"j","kind":"joystick","angle":6.2,"intensity":0,"sampleRate":1,"position":[{"size":"large","width":20,"height":20,"x":60,"y":0}]},{"controlID":"t","kind":"textbox","placeholder":"","multiline":true,"position":[]}]}]}`))
	f.Add([]byte(`{"controls":{"scenes":[{"sceneID":"default","meta":{"m":{"value":[true]}},"controls":[{"controlID":"l","kind":"label","bold":false,"textSize":"1.5em"}]}]}}`))
	db := MustOpenDB(f)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, _, err := studio.Import(data)
		if err != nil {
			return
		}
		want, err := studio.Export(l)
		if err != nil {
			t.Fatal(err)
		}
		vid, err := db.ImportLayout(ctx, u.ID, l)
		if err != nil {
			t.Fatalf("a layout the importer accepted was refused: %v", err)
		}
		got, err := db.ExportLayout(ctx, vid)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := studio.Export(got)
		if !bytes.Equal(want, out) {
			t.Fatalf("stored layout differs:\n%s\n---\n%s", want, out)
		}
	})
}
