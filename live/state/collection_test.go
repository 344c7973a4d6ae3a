package state

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
)

func raws(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

func newControls(t *testing.T) *Collection {
	t.Helper()
	c := NewCollection("controlID", Rules{Fixed: []string{"kind"}})
	_, err := c.Create(raws(
		`{"controlID":"a","kind":"button","disabled":false}`,
		`{"controlID":"b","kind":"button","disabled":false}`,
		`{"controlID":"c","kind":"joystick"}`,
	), Tag{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCollectionApplyAllIsAllOrNothing(t *testing.T) {
	const before = `[{"controlID":"a","kind":"button","disabled":false},{"controlID":"b","kind":"button","disabled":false},{"controlID":"c","kind":"joystick"}]`
	tests := []struct {
		name    string
		patches []string
		index   int
		key     string
		err     error
	}{
		{"unknown id", []string{`{"controlID":"a","disabled":true}`, `{"controlID":"zz","disabled":true}`}, 1, "controlID", ErrUnknownID},
		{"missing id", []string{`{"controlID":"a","disabled":true}`, `{"controlID":"b"}`, `{"disabled":true}`}, 2, "controlID", ErrMissingID},
		{"id not a string", []string{`{"controlID":1,"disabled":true}`}, 0, "controlID", ErrMissingID},
		{"fixed key changed", []string{`{"controlID":"a","disabled":true}`, `{"controlID":"b","kind":"label"}`}, 1, "kind", ErrFixed},
		{"invalid JSON", []string{`{"controlID":"a","disabled":true}`, `{"controlID":"b",`}, 1, "", ErrInvalidJSON},
		{"not an object", []string{`{"controlID":"a","disabled":true}`, `[]`}, 1, "", ErrNotObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newControls(t)
			res, err := c.ApplyAll(raws(tt.patches...), Tag{Seq: 1})
			var be *BatchError
			if !errors.As(err, &be) || be.Index != tt.index || !errors.Is(err, tt.err) {
				t.Fatalf("err = %v (results %v), want item %d: %v", err, res, tt.index, tt.err)
			}
			var ke *KeyError
			if errors.As(err, &ke) != (tt.key != "") || (ke != nil && ke.Key != tt.key) {
				t.Errorf("err = %v, want key %q", err, tt.key)
			}
			if got := string(c.AppendJSON(nil)); got != before {
				t.Errorf("collection changed:\n%s", got)
			}
		})
	}
}

func TestCollectionApplyAll(t *testing.T) {
	c := newControls(t)
	res, err := c.ApplyAll(raws(
		`{"controlID":"b","kind":"button","disabled":true}`,
		`{"controlID":"a","disabled":false}`,
		`{"controlID":"b","text":"go"}`,
	), Tag{Priority: 1, Seq: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].ID != "b" || !res[0].Changed || res[1].Changed || !res[2].Changed {
		t.Errorf("results = %+v", res)
	}
	if got := encode(res[0].Object); got != `{"controlID":"b","kind":"button","disabled":true}` {
		t.Errorf("first result %s", got)
	}
	b, _ := c.Get("b")
	if got := encode(b); got != `{"controlID":"b","kind":"button","disabled":true,"text":"go"}` {
		t.Errorf("b = %s", got)
	}
	// A stale, lower-priority batch is accepted but loses everywhere.
	res, err = c.ApplyAll(raws(`{"controlID":"b","disabled":false}`), Tag{Seq: 2})
	if err != nil || res[0].Changed {
		t.Fatalf("stale batch: %+v, %v", res, err)
	}
	if d, _ := b.Bool("disabled"); !d {
		t.Error("stale batch changed disabled")
	}
}

func TestCollectionCreateAndDelete(t *testing.T) {
	c := newControls(t)
	_, err := c.Create(raws(`{"controlID":"d","kind":"button"}`, `{"controlID":"d","kind":"label"}`), Tag{})
	var be *BatchError
	if !errors.As(err, &be) || be.Index != 1 || !errors.Is(err, ErrDuplicateID) {
		t.Errorf("duplicate in batch: %v", err)
	}
	if _, err := c.Create(raws(`{"controlID":"e"}`, `{"controlID":"a"}`), Tag{}); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("existing id: %v", err)
	}
	if _, err := c.Create(raws(`{"controlID":"e"}`, `{"kind":"button"}`), Tag{}); !errors.Is(err, ErrMissingID) {
		t.Errorf("missing id: %v", err)
	}
	if _, err := c.Create(raws(`{"controlID":"e"}`, `{`), Tag{}); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("invalid JSON: %v", err)
	}
	if c.Len() != 3 {
		t.Fatalf("failed creates added objects: %s", c.AppendJSON(nil))
	}
	if err := c.Delete("a", "nope"); !errors.As(err, &be) || be.Index != 1 || !errors.Is(err, ErrUnknownID) {
		t.Errorf("delete unknown: %v", err)
	}
	if c.Len() != 3 {
		t.Fatal("failed delete removed objects")
	}
	if err := c.Delete("b", "a", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(raws(`{"controlID":"a","kind":"label"}`), Tag{}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range c.All() {
		ids = append(ids, id)
	}
	if len(ids) != 2 || ids[0] != "c" || ids[1] != "a" {
		t.Errorf("order after delete and re-create: %v", ids)
	}
}

func TestCollectionPut(t *testing.T) {
	c := newControls(t)
	a, _ := c.Get("a")
	a2, err := a.Set("cooldown", json.RawMessage(`1700000000000`), Tag{Seq: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Put(a2); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(mustObject(t, `{"controlID":"d","kind":"label"}`, Tag{})); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(mustObject(t, `{"kind":"label"}`, Tag{})); !errors.Is(err, ErrMissingID) {
		t.Errorf("Put without an id: %v", err)
	}
	b, err := json.Marshal(c)
	want := `[{"controlID":"a","kind":"button","disabled":false,"cooldown":1700000000000},` +
		`{"controlID":"b","kind":"button","disabled":false},{"controlID":"c","kind":"joystick"},{"controlID":"d","kind":"label"}]`
	if err != nil || string(b) != want {
		t.Errorf("got %s, %v\nwant %s", b, err, want)
	}
}

// Objects are shared between the goroutine that patches and those that
// encode; run with -race to prove nothing is written after publication.
func TestObjectsAreSafeToShareWhilePatching(t *testing.T) {
	o := mustObject(t, `{"controlID":"b","kind":"button","meta":{"n":0},"cost":0}`, Tag{})
	versions := make(chan *Object, 64)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range versions {
				var dst []byte
				for range 20 {
					dst = v.AppendJSON(dst[:0])
				}
				if !json.Valid(dst) {
					t.Errorf("invalid JSON %s", dst)
				}
			}
		}()
	}
	for i := range 500 {
		versions <- o
		patch, _ := json.Marshal(map[string]any{"meta": map[string]any{"n": i}, "cost": i})
		o, _ = mustPatch(t, o, string(patch), Tag{Seq: int32(i)})
	}
	close(versions)
	wg.Wait()
}
