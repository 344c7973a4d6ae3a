package studio

import (
	"encoding/json"
	"reflect"
	"testing"
)

// slowProps decodes with the general decoder only.
func slowProps(kind string, data []byte) (Control, error) {
	c := Control{ControlID: "c", Kind: kind}
	var d decoder
	obj, ok := d.object(data, Problem{}, "properties")
	if ok {
		d.controlBody(obj, &c, Problem{})
	}
	return c, d.problems.err()
}

func TestFastDecodersReadWhatTheEncoderWrites(t *testing.T) {
	for _, c := range richLayout().Scenes[0].Controls {
		props, err := c.PropsJSON()
		if err != nil {
			t.Fatal(err)
		}
		fast := Control{ControlID: c.ControlID, Kind: c.Kind}
		if !fastProps(&fast, props) {
			t.Fatalf("%s: fast path refused our own encoding %s", c.ControlID, props)
		}
		if !reflect.DeepEqual(fast.Props, c.Props) || !reflect.DeepEqual(fast.Custom, c.Custom) && len(c.Custom)+len(fast.Custom) > 0 {
			t.Fatalf("%s: fast decode differs:\n%+v\n%+v", c.ControlID, fast, c)
		}
		ps, _ := json.Marshal(positionsOrEmpty(c.Position))
		got, ok := fastPositions(ps)
		if !ok || !reflect.DeepEqual(got, positionsOrEmpty(c.Position)) {
			t.Fatalf("%s: positions %s -> %+v %v", c.ControlID, ps, got, ok)
		}
	}
}

// FuzzFastDecoders: whenever the fast scanners accept an input, they must
// decode exactly what the general decoder does.
func FuzzFastDecoders(f *testing.F) {
	for _, c := range richLayout().Scenes[0].Controls {
		props, _ := c.PropsJSON()
		f.Add(c.Kind, props)
		ps, _ := json.Marshal(positionsOrEmpty(c.Position))
		f.Add(c.Kind, ps)
	}
	f.Add(KindButton, []byte(`{"text":"a\"b","x":[1,"]"],"cost":1e2}`))
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		fast := Control{ControlID: "c", Kind: kind}
		if fastProps(&fast, data) {
			slow, err := slowProps(kind, data)
			if err != nil {
				t.Fatalf("fast accepted what the decoder refuses (%v): %s", err, data)
			}
			if !reflect.DeepEqual(fast.Props, slow.Props) || len(fast.Custom) != len(slow.Custom) {
				t.Fatalf("props differ for %s:\nfast %+v\nslow %+v", data, fast, slow)
			}
			for k, v := range fast.Custom {
				if string(slow.Custom[k]) != string(v) {
					t.Fatalf("custom %q: fast %s slow %s", k, v, slow.Custom[k])
				}
			}
		}
		if ps, ok := fastPositions(data); ok {
			var slow []Position
			if err := json.Unmarshal(data, &slow); err != nil || len(slow) != len(ps) {
				t.Fatalf("positions %s: fast %+v slow %+v %v", data, ps, slow, err)
			}
			for i := range ps {
				if ps[i] != slow[i] {
					t.Fatalf("positions %s: fast %+v slow %+v", data, ps, slow)
				}
			}
		}
	})
}
