package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCachingResolver(t *testing.T) {
	z, addr := startDNS(t)
	z.setTXT("member.example", "v=spf1 -all")
	z.setServfail("broken.example")
	var queries atomic.Int32
	counting := &countingResolver{Resolver: NewResolver(addr), n: &queries}
	now := time.Unix(1000, 0)
	c := NewCachingResolver(counting, time.Minute, 10*time.Second).(*cachingResolver)
	c.now = func() time.Time { return now }
	ctx := context.Background()

	// Concurrent lookups of one name share one query; later ones hit the cache.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.LookupTXT(ctx, "member.example"); err != nil || len(v) != 1 || v[0] != "v=spf1 -all" {
				t.Errorf("LookupTXT = %v, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if n := queries.Load(); n < 1 || n > 8 {
		t.Fatalf("%d queries", n)
	}
	before := queries.Load()
	c.LookupTXT(ctx, "member.example")
	if queries.Load() != before {
		t.Error("a cached answer was asked again")
	}
	// After its TTL it is asked again, and a changed record is seen.
	z.setTXT("member.example", "v=spf1 +all")
	now = now.Add(2 * time.Minute)
	if v, _ := c.LookupTXT(ctx, "member.example"); len(v) != 1 || v[0] != "v=spf1 +all" {
		t.Errorf("after expiry: %v", v)
	}

	// "No such name" is cached for the negative TTL.
	before = queries.Load()
	c.LookupTXT(ctx, "nowhere.example")
	c.LookupTXT(ctx, "nowhere.example")
	if queries.Load()-before != 1 {
		t.Errorf("NXDOMAIN asked %d times", queries.Load()-before)
	}
	// A temporary failure is not cached.
	before = queries.Load()
	if _, err := c.LookupTXT(ctx, "broken.example"); err == nil {
		t.Error("SERVFAIL answered")
	}
	c.LookupTXT(ctx, "broken.example")
	if queries.Load()-before != 2 {
		t.Errorf("SERVFAIL asked %d times, want 2 (not cached)", queries.Load()-before)
	}
}

type countingResolver struct {
	Resolver
	n *atomic.Int32
}

func (r *countingResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	r.n.Add(1)
	return r.Resolver.LookupTXT(ctx, name)
}
