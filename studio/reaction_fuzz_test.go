package studio

import (
	"bytes"
	"testing"
)

// FuzzImportReactions feeds hostile "reactions" arrays to the importer: it
// must never panic, and whatever it accepts must export and import again
// to the same bytes.
func FuzzImportReactions(f *testing.F) {
	for _, seed := range []string{
		`[{"sceneID":"default","controlID":"b","kind":"cooldown","seconds":5,"group":"g"}]`,
		`[{"sceneID":"default","controlID":"b","kind":"alert","text":"{username} {cost}","seconds":0.5,"image":"a.png"}]`,
		`[{"sceneID":"default","controlID":"b","kind":"vote","name":"poll","show":"progress"}]`,
		`[{"sceneID":"default","controlID":"b","kind":"webhook","url":"https://x.example/h","retries":0}]`,
		`[{"sceneID":"default","controlID":"b","kind":"counter","goal":-1,"show":"progress"}]`,
		`[{"kind":"scene","group":"default","scene":"default","sceneID":"default","controlID":"b","extra":1}]`,
		`{"not":"an array"}`, `[1,2,3]`, `[{"seconds":"5"}]`, `null`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, reactions string) {
		doc := `{"format":"mixstudio/2","name":"f","scenes":[{"sceneID":"default","controls":[` +
			`{"controlID":"b","kind":"button","position":[{"size":"large","width":4,"height":4,"x":0,"y":0}]},` +
			`{"controlID":"t","kind":"textbox","position":[{"size":"large","width":8,"height":4,"x":5,"y":0}]}]}],` +
			`"groups":[{"groupID":"default","sceneID":"default"}],"reactions":` + reactions + `}`
		l, _, err := Import([]byte(doc))
		if err != nil {
			return
		}
		first, err := Export(l)
		if err != nil {
			t.Fatalf("export of an accepted layout: %v", err)
		}
		back, _, err := Import(first)
		if err != nil {
			t.Fatalf("re-import of %s: %v", first, err)
		}
		second, _ := Export(back)
		if !bytes.Equal(first, second) {
			t.Fatalf("not stable:\n%s\n---\n%s", first, second)
		}
	})
}
