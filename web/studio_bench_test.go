package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// benchLayout is a project of scenes × perScene buttons, each placed on
// all three grids (3x2 units, ten to a row).
func benchLayout(scenes, perScene int) studio.Layout {
	l := studio.NewLayout("Bench")
	l.Scenes = nil
	for s := 0; s < scenes; s++ {
		sc := studio.Scene{SceneID: fmt.Sprintf("scene-%d", s)}
		if s == 0 {
			sc.SceneID = studio.DefaultSceneID
		}
		for i := 0; i < perScene; i++ {
			c := studio.Control{ControlID: fmt.Sprintf("button-%d", i), Kind: studio.KindButton}
			c.Text = studio.Ptr(fmt.Sprintf("Button %d <b>", i))
			c.Cost = studio.Ptr(int64(i))
			for _, g := range studio.Grids {
				c.SetPosition(studio.Position{Size: g.Name, X: (i % 10) * 3, Y: (i / 10) * 2, Width: 3, Height: 2})
			}
			sc.Controls = append(sc.Controls, c)
		}
		l.Scenes = append(l.Scenes, sc)
	}
	return l
}

// benchProject imports a 50 x 100 project and returns its editor's URL.
func benchProject(b *testing.B) (*Server, string) {
	b.Helper()
	s := newTestServer(b)
	u, err := s.owner(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	id, err := s.db.ImportLayout(context.Background(), u.ID, benchLayout(50, 100))
	if err != nil {
		b.Fatal(err)
	}
	return s, fmt.Sprintf("/studio/versions/%d", id)
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds CPU ms per operation: on a shared machine the wall time
// (ns/op) includes waiting for a core; the CPU time is the server's work.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkStudioEditorPage renders the whole editor page of one scene of
// a 50-scene x 100-control project (server time: load, build, render).
func BenchmarkStudioEditorPage(b *testing.B) {
	s, base := benchProject(b)
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	defer reportCPU(b, start)
	for i := 0; i < b.N; i++ {
		rec := get(b, h, base+"?scene=scene-25&grid=large")
		if rec.Code != http.StatusOK || rec.Body.Len() < 10000 {
			b.Fatalf("%d (%d bytes)", rec.Code, rec.Body.Len())
		}
	}
}

// BenchmarkStudioMoveControl saves one control's move in the same project
// and answers with the re-rendered workspace.
func BenchmarkStudioMoveControl(b *testing.B) {
	s, base := benchProject(b)
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	defer reportCPU(b, start)
	for i := 0; i < b.N; i++ {
		c := studio.Control{ControlID: "button-0", Revision: int64(1 + i)}
		rec := studioPost(b, h, base+"/move", url.Values{
			"moves": moveForm(c, "large", 40+(i%2)*10, 0, 3, 2)["moves"],
			"scene": {"scene-25"}, "grid": {"large"},
		})
		if rec.Code != http.StatusOK {
			b.Fatalf("move %d: %d %s", i, rec.Code, rec.Body.String())
		}
	}
}
