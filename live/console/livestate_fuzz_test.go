package console

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The live state is read back from the database at start: whatever the
// row holds, decoding it never panics, and what decodes survives the
// console's own clone and encode unchanged (what is resumed is what was
// saved).
func FuzzLiveStateDecode(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"scenes":{"default":"second"},"groups":{"7":"red"},"controls":[{"scene":"default","control":"b","props":{"text":"\"x\"","cooldown":1795426384842}}],"autoCapture":["paid"]}`))
	f.Add([]byte(`{"controls":[{"scene":"","control":"","props":null}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var st liveState
		if json.Unmarshal(data, &st) != nil {
			return
		}
		c := st.clone()
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("encode %+v: %v", c, err)
		}
		var back liveState
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("decode our own %s: %v", b, err)
		}
		again, _ := json.Marshal(back.clone())
		if !reflect.DeepEqual(b, again) {
			t.Fatalf("state changed through a save and a load:\n%s\n%s", b, again)
		}
		for _, ch := range c.Controls {
			back.drop(ch.Scene, ch.Control)
		}
		if len(back.Controls) != 0 {
			t.Fatalf("drop left %+v", back.Controls)
		}
	})
}
