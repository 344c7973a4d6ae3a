package studio

import (
	"encoding/json"
	"testing"
)

// BenchmarkDecodeProps is why props_fast.go exists: loading a version
// decodes every control's stored properties and positions. "fast" is what
// persistence calls (DecodeProps, DecodePositions); "general" is the
// reflective decoder alone, what they fall back to.
func BenchmarkDecodeProps(b *testing.B) {
	var props, positions [][]byte
	var kinds []string
	for _, c := range richLayout().Scenes[0].Controls {
		p, err := c.PropsJSON()
		if err != nil {
			b.Fatal(err)
		}
		ps, _ := json.Marshal(positionsOrEmpty(c.Position))
		props, positions, kinds = append(props, p), append(positions, ps), append(kinds, c.Kind)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			j := i % len(props)
			c := Control{ControlID: "c", Kind: kinds[j]}
			if err := DecodeProps(&c, props[j]); err != nil {
				b.Fatal(err)
			}
			if _, err := DecodePositions(positions[j]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			j := i % len(props)
			if _, err := slowProps(kinds[j], props[j]); err != nil {
				b.Fatal(err)
			}
			var ps []Position
			if err := json.Unmarshal(positions[j], &ps); err != nil {
				b.Fatal(err)
			}
		}
	})
}
