package state

import (
	"encoding/json"
	"strconv"
	"testing"
)

// typicalControl is a button as a game client creates it: built-in
// properties, three grid positions and a little custom data (15 keys).
const typicalControl = `{"controlID":"win_the_game_btn","kind":"button","text":"Win the Game","tooltip":"Press to win",
"cost":100,"progress":0.25,"disabled":false,"cooldown":0,"keyCode":87,"backgroundColor":"#1f2d3d","textColor":"#ffffff",
"textSize":"16px","accentColor":"#00ff00","position":[{"size":"large","width":10,"height":9,"x":0,"y":0},
{"size":"medium","width":10,"height":3,"x":0,"y":0},{"size":"small","width":10,"height":3,"x":0,"y":0}],
"meta":{"team":"red","weight":3}}`

func BenchmarkPatchOneProperty(b *testing.B) {
	o := mustObject(b, typicalControl, Tag{})
	patch := json.RawMessage(`{"controlID":"win_the_game_btn","disabled":true}`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := o.Patch(patch, Tag{Seq: int32(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPatchOnePropertyAndEncode(b *testing.B) {
	o := mustObject(b, typicalControl, Tag{})
	patch := json.RawMessage(`{"controlID":"win_the_game_btn","disabled":true}`)
	var dst []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next, _, err := o.Patch(patch, Tag{Seq: int32(i)})
		if err != nil {
			b.Fatal(err)
		}
		dst = next.AppendJSON(dst[:0])
	}
	b.SetBytes(int64(len(dst)))
}

func BenchmarkEncode(b *testing.B) {
	o := mustObject(b, typicalControl, Tag{})
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst = o.AppendJSON(dst[:0])
	}
	b.SetBytes(int64(len(dst)))
}

// BenchmarkEncodingJSONBaseline is the same work with encoding/json and a
// map, for comparison: unmarshal the patch, merge one key, marshal.
func BenchmarkEncodingJSONBaseline(b *testing.B) {
	var m map[string]any
	if err := json.Unmarshal([]byte(typicalControl), &m); err != nil {
		b.Fatal(err)
	}
	patch := []byte(`{"controlID":"win_the_game_btn","disabled":true}`)
	b.ReportAllocs()
	for b.Loop() {
		var p map[string]any
		if err := json.Unmarshal(patch, &p); err != nil {
			b.Fatal(err)
		}
		next := make(map[string]any, len(m))
		for k, v := range m {
			next[k] = v
		}
		for k, v := range p {
			next[k] = v
		}
		if _, err := json.Marshal(next); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewObject(b *testing.B) {
	raw := json.RawMessage(typicalControl)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := NewObject(raw, Tag{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyAll patches "disabled" on 100 controls in one batch, as an
// updateControls call for a full scene would.
func BenchmarkApplyAll(b *testing.B) {
	c := NewCollection("controlID", Rules{Fixed: []string{"kind"}})
	var creates, patches []json.RawMessage
	for i := range 100 {
		id := strconv.Itoa(i)
		creates = append(creates, json.RawMessage(`{"controlID":"`+id+`","kind":"button","text":"t","disabled":false,"cost":1}`))
		patches = append(patches, json.RawMessage(`{"controlID":"`+id+`","disabled":true}`))
	}
	if _, err := c.Create(creates, Tag{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := c.ApplyAll(patches, Tag{Seq: int32(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHostilePatches measures patches near the wire's size cap, to
// show the cost grows with the input and not with its square.
func BenchmarkHostilePatches(b *testing.B) {
	wide := []byte{'{'}
	for i := range 50000 {
		if i > 0 {
			wide = append(wide, ',')
		}
		wide = append(wide, `"k`+strconv.Itoa(i)+`":null`...)
	}
	wide = append(wide, '}')
	deep := []byte(repeat(`{"a":`, 9000) + "1" + repeat("}", 9000))
	for _, tc := range []struct {
		name  string
		patch []byte
	}{{"50000-keys", wide}, {"9000-deep", deep}} {
		b.Run(tc.name, func(b *testing.B) {
			o := mustObject(b, typicalControl, Tag{})
			b.SetBytes(int64(len(tc.patch)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				next, _, err := o.Patch(tc.patch, Tag{Seq: int32(i)})
				if err != nil {
					b.Fatal(err)
				}
				_ = next.AppendJSON(nil)
			}
		})
	}
}
