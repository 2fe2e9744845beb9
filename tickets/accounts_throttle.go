package tickets

import (
	"context"
	"fmt"
	"time"
)

// Failed logins, counted in the store so that every node throttles the
// same account and the same network. desk decides the policy (how many,
// how long to wait); the store counts.

func (c *core) RecordLoginFailure(ctx context.Context, keys []string, before time.Time) error {
	now := c.now()
	err := c.write(ctx, func(q dbtx) error {
		// Failures past every window are never needed again; one indexed
		// delete keeps the table bounded by the failures of one window.
		if _, err := q.Exec(ctx, "DELETE FROM login_failures WHERE at <= ?", micros(before.UTC())); err != nil {
			return fmt.Errorf("forget old failures: %w", err)
		}
		for _, k := range keys {
			if _, err := q.Exec(ctx, "INSERT INTO login_failures (key, at) VALUES (?, ?)", clean(k), micros(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

func (c *core) LoginFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n, last int64
	if err := one(c.read.QueryRow(ctx, "SELECT COUNT(*), COALESCE(MAX(at), 0) FROM login_failures WHERE key = ? AND at > ?",
		clean(key), micros(since.UTC())), &n, &last); err != nil {
		return 0, time.Time{}, fmt.Errorf("count login failures: %w", err)
	}
	return int(n), fromMicros(last), nil
}

func (c *core) ClearLoginFailures(ctx context.Context, key string) error {
	err := c.write(ctx, func(q dbtx) error {
		_, err := q.Exec(ctx, "DELETE FROM login_failures WHERE key = ?", clean(key))
		return err
	})
	if err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}
