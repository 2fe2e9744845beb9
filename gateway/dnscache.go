package gateway

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// cachingResolver remembers answers for the sender checks, as the local
// caching resolver in front of every MTA does: the same few domains send
// most mail, and without it each message costs three or more round trips
// to the configured resolver (and a resolver that drops a query under load
// costs a 5 s retry). Definite answers (records, or "no such name") are
// kept; temporary failures never are. Concurrent lookups of one name share
// one query.
type cachingResolver struct {
	next     Resolver
	ttl      time.Duration // for answers with records
	negTTL   time.Duration // for "no such name / no such record"
	maxItems int
	now      func() time.Time

	mu      sync.Mutex
	items   map[cacheKey]*cacheItem
	pending map[cacheKey]*call
}

type cacheKey struct {
	kind string
	name string
}

type cacheItem struct {
	val     any
	err     error
	expires time.Time
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

// NewCachingResolver wraps r with a cache (answers kept for ttl, "not
// found" for negTTL).
func NewCachingResolver(r Resolver, ttl, negTTL time.Duration) Resolver {
	return &cachingResolver{next: r, ttl: ttl, negTTL: negTTL, maxItems: 10000, now: time.Now,
		items: map[cacheKey]*cacheItem{}, pending: map[cacheKey]*call{}}
}

func (c *cachingResolver) do(ctx context.Context, k cacheKey, fn func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	if it, ok := c.items[k]; ok && c.now().Before(it.expires) {
		c.mu.Unlock()
		return it.val, it.err
	}
	if p, ok := c.pending[k]; ok {
		c.mu.Unlock()
		select {
		case <-p.done:
			return p.val, p.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p := &call{done: make(chan struct{})}
	c.pending[k] = p
	c.mu.Unlock()

	// The query runs on its own clock: one caller giving up must not fail
	// the others waiting on it.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	p.val, p.err = fn(qctx)
	cancel()

	c.mu.Lock()
	delete(c.pending, k)
	if ttl := c.ttlFor(p.err); ttl > 0 {
		if len(c.items) >= c.maxItems {
			c.items = map[cacheKey]*cacheItem{} // crude, bounded, rare
		}
		c.items[k] = &cacheItem{val: p.val, err: p.err, expires: c.now().Add(ttl)}
	}
	c.mu.Unlock()
	close(p.done)
	return p.val, p.err
}

func (c *cachingResolver) ttlFor(err error) time.Duration {
	if err == nil {
		return c.ttl
	}
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound && !de.IsTemporary && !de.IsTimeout {
		return c.negTTL
	}
	return 0
}

func (c *cachingResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	v, err := c.do(ctx, cacheKey{"txt", name}, func(ctx context.Context) (any, error) { return c.next.LookupTXT(ctx, name) })
	s, _ := v.([]string)
	return s, err
}

func (c *cachingResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	v, err := c.do(ctx, cacheKey{"mx", name}, func(ctx context.Context) (any, error) { return c.next.LookupMX(ctx, name) })
	s, _ := v.([]*net.MX)
	return s, err
}

func (c *cachingResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	v, err := c.do(ctx, cacheKey{"ip", host}, func(ctx context.Context) (any, error) { return c.next.LookupIPAddr(ctx, host) })
	s, _ := v.([]net.IPAddr)
	return s, err
}

func (c *cachingResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	v, err := c.do(ctx, cacheKey{"ptr", addr}, func(ctx context.Context) (any, error) { return c.next.LookupAddr(ctx, addr) })
	s, _ := v.([]string)
	return s, err
}
