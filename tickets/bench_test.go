package tickets

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intake-mail/intake/internal/cputime"
)

// Accepts per second for distinct 4 KiB messages, with fsync (SQLite
// synchronous=FULL; PostgreSQL as configured), at 1, 8 and 32 concurrent
// writers: each backend with and without group commit.
//
//	go test -run '^$' -bench Accept -benchtime 2000x ./tickets/

const benchBody = 4 << 10

func BenchmarkAccept(b *testing.B) {
	body := strings.Repeat("Hello, I need help with my account. ", benchBody/36+1)[:benchBody]
	for _, cfg := range []struct {
		name    string
		backend string
		noGroup bool
		nodes   int // stores on one database, each with its own pool: gateway nodes
	}{
		{"sqlite/group", "sqlite", false, 1},
		{"sqlite/nogroup", "sqlite", true, 1},
		{"postgres/group", "postgres", false, 1},
		{"postgres/nogroup", "postgres", true, 1},
		{"postgres/group/nodes=2", "postgres", false, 2},
	} {
		for _, writers := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("%s/writers=%d", cfg.name, writers), func(b *testing.B) {
				o := Options{NoGroupCommit: cfg.noGroup, Now: time.Now}
				h := newHarness(b, cfg.backend, o)
				stores := []Store{h.s}
				for len(stores) < cfg.nodes {
					st := h.open(o)
					defer st.Close()
					stores = append(stores, st)
				}
				ctx := context.Background()
				var next atomic.Int64
				var failed atomic.Int64
				b.SetBytes(benchBody)
				b.ReportAllocs()
				b.ResetTimer()
				start, cpu0 := time.Now(), cputime.Self()
				var wg sync.WaitGroup
				for w := 0; w < writers; w++ {
					wg.Add(1)
					st := stores[w%len(stores)]
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1)
							if i > int64(b.N) {
								return
							}
							in := sample(int(i), nil)
							in.Parts = in.Parts[:1]
							in.Parts[0].Text = body
							in.Findings, in.Unscannable, in.Attachments = nil, nil, nil
							if _, err := st.Accept(ctx, in); err != nil {
								failed.Add(1)
							}
						}
					}()
				}
				wg.Wait()
				elapsed, cpu := time.Since(start), cputime.Self()-cpu0
				b.StopTimer()
				if failed.Load() > 0 {
					b.Fatalf("%d accepts failed", failed.Load())
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "accepts/s")
				// CPU per accept (whole process: writer, callers, GC) does not
				// depend on what else the machine is running, unlike accepts/s.
				b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/accept")
				var groups, grouped int64
				for _, st := range stores {
					if s, ok := st.(*pgStore); ok {
						groups, grouped = groups+s.groups.Load(), grouped+s.grouped.Load()
					}
				}
				if groups > 0 {
					b.ReportMetric(float64(grouped)/float64(groups), "writes/commit")
				}
				if s, ok := h.s.(*sqliteStore); ok && s.commits.Load() > 0 {
					b.ReportMetric(float64(s.writes.Load())/float64(s.commits.Load()), "writes/commit")
					// The writer's time per accept bounds the rate from above.
					b.ReportMetric(float64(s.busy.Load())/1e3/float64(s.writes.Load()), "writer-µs/accept")
				}
			})
		}
	}
}
