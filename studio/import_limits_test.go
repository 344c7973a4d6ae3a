package studio

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// hostileLayout is the probe's file: n controls as small as they come,
// all in the default scene.
func hostileLayout(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"format":"` + LayoutFormat + `","name":"x","scenes":[{"sceneID":"default","controls":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"controlID":"c%d","kind":"button"}`, i)
	}
	b.WriteString(`]}],"groups":[]}`)
	return b.Bytes()
}

// allocated is how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// An import with far more controls than a version holds (the probe's
// 300,000) is refused while decoding: it costs about what the largest
// accepted layout costs, not one Control for each.
func TestImportOfTooManyControlsStopsWhileDecoding(t *testing.T) {
	largest := hostileLayout(MaxControls)
	accepted := allocated(func() { Import(largest) })
	data := hostileLayout(300_000)
	var err error
	cost := allocated(func() { _, _, err = Import(data) })
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d controls", MaxControls)) {
		t.Fatalf("import of 300,000 controls: %v", err)
	}
	if cost > 2*accepted {
		t.Fatalf("import of 300,000 controls allocated %d MB, %d MB for %d: want at most twice as much",
			cost>>20, accepted>>20, MaxControls)
	}
	t.Logf("%d controls: %d MB allocated; 300,000 controls (%d bytes): %d MB", MaxControls, accepted>>20, len(data), cost>>20)
}

func TestImportOfTooManyScenesStopsWhileDecoding(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"format":"` + LayoutFormat + `","scenes":[`)
	for i := range MaxScenes * 20 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sceneID":"s%d"}`, i)
	}
	b.WriteString(`]}`)
	_, _, err := Import([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d scenes", MaxScenes)) {
		t.Fatalf("import of %d scenes: %v", MaxScenes*20, err)
	}
}
