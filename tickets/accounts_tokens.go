package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// API tokens. Each read of a token joins its user, so a token made by the
// CLI works at once on every node, and a revoked token or a disabled
// user's token stops at the next request.

const tokenCols = "t.id, t.token_hash, t.user_id, t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at"

func tokenDest(t *APIToken, id, uid *string, ts *[4]int64) []any {
	return []any{id, &t.TokenHash, uid, &t.Label, &ts[0], &ts[1], &ts[2], &ts[3]}
}

func (t *APIToken) fill(id, uid string, ts [4]int64) {
	t.ID, t.UserID = parseID(id), parseID(uid)
	t.Created, t.Expires, t.LastUsed, t.Revoked = fromMicros(ts[0]), fromMicros(ts[1]), fromMicros(ts[2]), fromMicros(ts[3])
}

func (c *core) CreateAPIToken(ctx context.Context, t APIToken, actor string) (APIToken, error) {
	if t.TokenHash == "" || t.UserID == uuid.Nil || actor == "" || needsRepair(t.Label) || len(t.Label) > c.o.Limits.Short {
		return t, fmt.Errorf("create api token: %w: token hash, user and actor required, label as short text", ErrInvalid)
	}
	if t.ID == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			return t, fmt.Errorf("create api token: %w", err)
		}
		t.ID = id
	}
	t.Created = c.now()
	err := c.write(ctx, func(q dbtx) error {
		if err := one(q.QueryRow(ctx, "SELECT name FROM users WHERE id = ? AND disabled = 0", t.UserID.String()), &t.User); err != nil {
			return fmt.Errorf("token user: %w", err)
		}
		if _, err := q.Exec(ctx, "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
			t.ID.String(), t.TokenHash, t.UserID.String(), t.Label, micros(t.Created), micros(t.Expires)); err != nil {
			return err
		}
		_, err := c.appendAudit(ctx, q, AuditEvent{At: t.Created, Actor: actor, Action: ActionTokenCreate,
			Detail: map[string]string{"token": t.ID.String(), "user": t.User, "label": t.Label}})
		return err
	})
	if err != nil {
		return t, fmt.Errorf("create api token: %w", err)
	}
	return t, nil
}

func (c *core) GetAPIToken(ctx context.Context, tokenHash string) (*APIToken, *User, error) {
	var t APIToken
	var id, uid string
	var ts [4]int64
	u, err := scanUser(c.read.QueryRow(ctx, "SELECT "+userColsAs+", "+tokenCols+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at = 0 AND (t.expires_at = 0 OR t.expires_at > ?) AND u.disabled = 0",
		tokenHash, micros(c.now())), tokenDest(&t, &id, &uid, &ts)...)
	if err != nil {
		return nil, nil, fmt.Errorf("get api token: %w", err)
	}
	t.fill(id, uid, ts)
	t.User = u.Name
	return &t, &u, nil
}

func (c *core) TouchAPIToken(ctx context.Context, id uuid.UUID, at time.Time) error {
	err := c.write(ctx, func(q dbtx) error {
		_, err := q.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", micros(at.UTC()), id.String())
		return err
	})
	if err != nil {
		return fmt.Errorf("touch api token: %w", err)
	}
	return nil
}

func (c *core) ListAPITokens(ctx context.Context) ([]APIToken, error) {
	r, err := c.read.Query(ctx, "SELECT u.name, "+tokenCols+" FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at, t.id")
	if err != nil {
		return nil, fmt.Errorf("list api tokens: %w", err)
	}
	defer r.Close()
	var out []APIToken
	for r.Next() {
		var t APIToken
		var id, uid string
		var ts [4]int64
		if err := r.Scan(append([]any{&t.User}, tokenDest(&t, &id, &uid, &ts)...)...); err != nil {
			return nil, fmt.Errorf("list api tokens: %w", err)
		}
		t.fill(id, uid, ts)
		out = append(out, t)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("list api tokens: %w", err)
	}
	return out, nil
}

func (c *core) RevokeAPIToken(ctx context.Context, id uuid.UUID, actor string) error {
	if actor == "" {
		return fmt.Errorf("revoke api token: %w: actor required", ErrInvalid)
	}
	err := c.write(ctx, func(q dbtx) error {
		var name, label string
		var revoked int64
		if err := one(q.QueryRow(ctx, "SELECT u.name, t.name, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?"+c.d.forUpdate,
			id.String()), &name, &label, &revoked); err != nil {
			return err
		}
		if revoked != 0 {
			return fmt.Errorf("%w: token already revoked", ErrConflict)
		}
		now := c.now()
		if _, err := q.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", micros(now), id.String()); err != nil {
			return err
		}
		_, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: ActionTokenRevoke,
			Detail: map[string]string{"token": id.String(), "user": name, "label": label}})
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("revoke api token %s: %w", id, ErrNotFound)
		}
		return fmt.Errorf("revoke api token %s: %w", id, err)
	}
	return nil
}
