package state

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzConflictSequence applies a sequence of patches with arbitrary tags to
// three top-level keys and compares each step with a model written straight
// from the rule: a key takes a change if the change beats the key's last
// change (or, for a key never named, the object's creation), deletions
// included; a key keeps the place where it was first named.
func FuzzConflictSequence(f *testing.F) {
	f.Add([]byte{5, 0, 1, 3, 0, 2, 4, 1, 1})
	f.Add([]byte{2, 0, 2, 1, 0, 1, 7, 2, 8, 0, 1, 13})
	f.Fuzz(func(t *testing.T, ops []byte) {
		keys := []string{"a", "b", "c"}
		created := Tag{Priority: 1, Seq: 2}
		type prop struct {
			named   bool
			present bool
			value   int
			tag     Tag
		}
		model := map[string]*prop{}
		var order []string
		o := mustObject(t, `{}`, created)
		for i := 0; i+3 <= len(ops) && i < 300; i += 3 {
			tag := Tag{Seq: int32(ops[i] % 8), Priority: int(ops[i+1] % 3)}
			actions := int(ops[i+2])
			var patch []string
			for _, k := range keys {
				action := actions % 3
				actions /= 3
				if action == 0 {
					continue
				}
				value := "null"
				if action == 1 {
					value = strconv.Itoa(i)
				}
				patch = append(patch, strconv.Quote(k)+":"+value)

				p := model[k]
				if p == nil {
					p = &prop{tag: created}
					model[k] = p
				}
				if !tag.Beats(p.tag) {
					continue
				}
				if !p.named {
					p.named = true
					order = append(order, k)
				}
				p.tag, p.present, p.value = tag, action == 1, i
			}
			o, _ = mustPatch(t, o, "{"+strings.Join(patch, ",")+"}", tag)

			var want []string
			for _, k := range order {
				if p := model[k]; p.present {
					want = append(want, strconv.Quote(k)+":"+strconv.Itoa(p.value))
				}
			}
			if got := encode(o); got != "{"+strings.Join(want, ",")+"}" {
				t.Fatalf("op %d %+v %v: got %s, want {%s}", i/3, tag, patch, got, strings.Join(want, ","))
			}
			for _, k := range order {
				if got, _ := o.TagOf(k); got != model[k].tag {
					t.Fatalf("op %d: tag of %s = %+v, want %+v", i/3, k, got, model[k].tag)
				}
			}
		}
	})
}
