package state

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Objects past indexMin keys look keys up through a map; the map must
// follow every way members are added, replaced and deleted.
func TestLargeObjectsKeepTheirIndex(t *testing.T) {
	var parts []string
	for i := range 40 {
		parts = append(parts, fmt.Sprintf(`"k%d":%d`, i, i))
	}
	parts = append(parts, `"k3":"dup"`) // a duplicate past the index threshold
	o := mustObject(t, "{"+strings.Join(parts, ",")+"}", Tag{})
	if s, ok := o.String("k3"); !ok || s != "dup" || o.Len() != 40 {
		t.Fatalf("k3 = %q, %v; Len %d", s, ok, o.Len())
	}
	o, _ = mustPatch(t, o, `{"k39":null,"k40":40,"k0":{"x":1},"k41":41}`, Tag{Seq: 1})
	o, err := o.Set("k42", json.RawMessage(`42`), Tag{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	o = o.Delete("k1", Tag{Seq: 1})
	for key, want := range map[string]int64{"k2": 2, "k38": 38, "k40": 40, "k41": 41, "k42": 42} {
		if got, ok := o.Int64(key); !ok || got != want {
			t.Errorf("%s = %d, %v", key, got, ok)
		}
	}
	for _, key := range []string{"k1", "k39", "k43"} {
		if o.Has(key) {
			t.Errorf("%s present", key)
		}
	}
	if x, ok := o.Object("k0"); !ok || x.Len() != 1 {
		t.Errorf("k0 not an object")
	}
	if o.Len() != 41 {
		t.Errorf("Len = %d, want 41", o.Len())
	}
	// A stale re-set cannot pass the deletions, found through the index.
	if next, changed := mustPatch(t, o, `{"k1":1,"k39":39}`, Tag{Seq: 0}); changed || next != o {
		t.Errorf("stale re-set applied: %s", encode(next))
	}
	keys := o.Keys()
	if keys[0] != "k0" || keys[len(keys)-1] != "k42" {
		t.Errorf("order: first %s, last %s", keys[0], keys[len(keys)-1])
	}
}
