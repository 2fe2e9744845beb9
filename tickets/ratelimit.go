package tickets

import (
	"context"
	"fmt"
	"time"
)

// Rate limits are sliding windows of events kept in the store, so every
// node sees the same counts. On PostgreSQL a transaction-scoped advisory
// lock on the key makes check-and-record atomic; on SQLite the single
// writer already does.

func (c *core) allowAll(ctx context.Context, q dbtx, ls []Limit, now time.Time) (bool, error) {
	for i := range ls {
		if needsRepair(ls[i].Key) { // a key holds an address: text like any other
			ls = append([]Limit(nil), ls...)
			for j := range ls {
				ls[j].Key = clean(ls[j].Key)
			}
			break
		}
	}
	for _, l := range ls {
		ok, err := c.check(ctx, q, l, now)
		if err != nil || !ok {
			return ok, err
		}
	}
	for _, l := range ls {
		if _, err := q.Exec(ctx, "INSERT INTO rate_events (key, at) VALUES (?, ?)", l.Key, micros(now)); err != nil {
			return false, fmt.Errorf("record rate event: %w", err)
		}
	}
	return true, nil
}

func (c *core) check(ctx context.Context, q dbtx, l Limit, now time.Time) (bool, error) {
	if l.Key == "" || l.Window <= 0 {
		return false, fmt.Errorf("rate limit: %w: key and window required", ErrInvalid)
	}
	if c.d.lockKey != "" {
		if _, err := q.Exec(ctx, c.d.lockKey, l.Key); err != nil {
			return false, fmt.Errorf("lock rate key: %w", err)
		}
	}
	since := now.Add(-l.Window)
	// Events past the window are never needed again.
	if _, err := q.Exec(ctx, "DELETE FROM rate_events WHERE key = ? AND at <= ?", l.Key, micros(since)); err != nil {
		return false, fmt.Errorf("expire rate events: %w", err)
	}
	var n int64
	if err := one(q.QueryRow(ctx, "SELECT COUNT(*) FROM rate_events WHERE key = ? AND at > ?", l.Key, micros(since)), &n); err != nil {
		return false, fmt.Errorf("count rate events: %w", err)
	}
	return n < int64(l.Max), nil
}

func (c *core) Allow(ctx context.Context, l Limit) (bool, error) {
	var ok bool
	err := c.write(ctx, func(q dbtx) error {
		var err error
		ok, err = c.allowAll(ctx, q, []Limit{l}, c.now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("rate limit: %w", err)
	}
	return ok, nil
}

func (c *core) CountEvents(ctx context.Context, key string, since time.Time) (int, error) {
	var n int64
	if err := one(c.read.QueryRow(ctx, "SELECT COUNT(*) FROM rate_events WHERE key = ? AND at > ?", clean(key), micros(since)), &n); err != nil {
		return 0, fmt.Errorf("count rate events: %w", err)
	}
	return int(n), nil
}
