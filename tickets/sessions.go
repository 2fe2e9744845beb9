package tickets

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Browser sessions live in the store so that every node behind a load
// balancer knows them. A session read joins its user: a disabled user's
// session stops at the next request, on every node.

const sessionCols = "s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.absolute_at"

func (c *core) CreateSession(ctx context.Context, s Session, replaced, actor string) error {
	if s.TokenHash == "" || s.UserID == uuid.Nil || s.Expires.IsZero() {
		return fmt.Errorf("create session: %w: token hash, user and expiry required", ErrInvalid)
	}
	now := c.now()
	if s.Created.IsZero() {
		s.Created = now
	}
	if s.LastSeen.IsZero() {
		s.LastSeen = s.Created
	}
	if s.Absolute.IsZero() || s.Absolute.Before(s.Expires) {
		s.Absolute = s.Expires
	}
	err := c.write(ctx, func(q dbtx) error {
		// Ended sessions are of no use; dropping them here keeps the table
		// as small as the number of people logged in.
		if _, err := q.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= ?", micros(now)); err != nil {
			return fmt.Errorf("drop ended sessions: %w", err)
		}
		if replaced != "" {
			if _, err := q.Exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", replaced); err != nil {
				return fmt.Errorf("drop replaced session: %w", err)
			}
		}
		var name string
		if err := one(q.QueryRow(ctx, "SELECT name FROM users WHERE id = ? AND disabled = 0", s.UserID.String()), &name); err != nil {
			return fmt.Errorf("session user: %w", err)
		}
		if _, err := q.Exec(ctx, "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_at) VALUES (?, ?, ?, ?, ?, ?)",
			s.TokenHash, s.UserID.String(), micros(s.Created), micros(s.LastSeen), micros(s.Expires), micros(s.Absolute)); err != nil {
			return err
		}
		if actor == "" {
			return nil
		}
		_, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: ActionUserLogin, Detail: map[string]string{"user": name}})
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

func (c *core) GetSession(ctx context.Context, tokenHash string) (*Session, *User, error) {
	var s Session
	var uid string
	var created, seen, expires, absolute int64
	u, err := scanUser(c.read.QueryRow(ctx, "SELECT "+userColsAs+", "+sessionCols+
		" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
		tokenHash, micros(c.now())), &s.TokenHash, &uid, &created, &seen, &expires, &absolute)
	if err != nil {
		return nil, nil, fmt.Errorf("get session: %w", err)
	}
	s.UserID = parseID(uid)
	s.Created, s.LastSeen, s.Expires, s.Absolute = fromMicros(created), fromMicros(seen), fromMicros(expires), fromMicros(absolute)
	return &s, &u, nil
}

func (c *core) TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error {
	err := c.write(ctx, func(q dbtx) error {
		// CASE rather than MIN/LEAST: the two backends spell those apart.
		_, err := q.Exec(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = CASE WHEN absolute_at < ? THEN absolute_at ELSE ? END WHERE token_hash = ?",
			micros(seen.UTC()), micros(expires.UTC()), micros(expires.UTC()), tokenHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

func (c *core) DeleteSession(ctx context.Context, tokenHash string) error {
	err := c.write(ctx, func(q dbtx) error {
		_, err := q.Exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
