package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// One-time setup links: a new user's first password, a reset, or the
// first admin of an empty store. Using one deletes it in the transaction
// that sets the password, so it works once even with two nodes.

// firstAdminLock serialises first-admin links on PostgreSQL: two links
// used at once on two nodes must not make two "first" admins.
const firstAdminLock = "intake:first-admin"

func (c *core) CreateSetupToken(ctx context.Context, t SetupToken, actor string) error {
	if t.TokenHash == "" || t.Expires.IsZero() || actor == "" {
		return fmt.Errorf("create setup link: %w: token hash, expiry and actor required", ErrInvalid)
	}
	now := c.now()
	if t.Created.IsZero() {
		t.Created = now
	}
	err := c.write(ctx, func(q dbtx) error {
		if _, err := q.Exec(ctx, "DELETE FROM setup_tokens WHERE expires_at <= ?", micros(now)); err != nil {
			return fmt.Errorf("drop expired links: %w", err)
		}
		name := ""
		if t.UserID != uuid.Nil {
			if err := one(q.QueryRow(ctx, "SELECT name FROM users WHERE id = ?", t.UserID.String()), &name); err != nil {
				return fmt.Errorf("link user: %w", err)
			}
		}
		if _, err := q.Exec(ctx, "INSERT INTO setup_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			t.TokenHash, idText(t.UserID), micros(t.Created), micros(t.Expires)); err != nil {
			return err
		}
		detail := map[string]string{"user": name, "expires": t.Expires.UTC().Format("2006-01-02T15:04:05Z")}
		if name == "" {
			detail = map[string]string{"first_admin": "true", "expires": detail["expires"]}
		}
		_, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: ActionUserSetup, Detail: detail})
		return err
	})
	if err != nil {
		return fmt.Errorf("create setup link: %w", err)
	}
	return nil
}

func (c *core) GetSetupToken(ctx context.Context, tokenHash string) (*SetupToken, *User, error) {
	t, err := c.setupToken(ctx, c.read, tokenHash)
	if err != nil {
		return nil, nil, fmt.Errorf("get setup link: %w", err)
	}
	if t.UserID == uuid.Nil {
		n, err := c.CountAdmins(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("get setup link: %w", err)
		}
		if n > 0 {
			return nil, nil, fmt.Errorf("get setup link: first admin exists: %w", ErrNotFound)
		}
		return t, nil, nil
	}
	u, err := c.GetUserByID(ctx, t.UserID)
	if err != nil {
		return nil, nil, fmt.Errorf("get setup link: %w", err)
	}
	return t, u, nil
}

func (c *core) setupToken(ctx context.Context, q dbtx, tokenHash string) (*SetupToken, error) {
	var t SetupToken
	var uid string
	var created, expires int64
	if err := one(q.QueryRow(ctx, "SELECT token_hash, user_id, created_at, expires_at FROM setup_tokens WHERE token_hash = ? AND expires_at > ?",
		tokenHash, micros(c.now())), &t.TokenHash, &uid, &created, &expires); err != nil {
		return nil, err
	}
	t.UserID, t.Created, t.Expires = parseID(uid), fromMicros(created), fromMicros(expires)
	return &t, nil
}

func (c *core) UseSetupToken(ctx context.Context, tokenHash string, u User) (User, error) {
	if u.PasswordHash == "" {
		return u, fmt.Errorf("use setup link: %w: password required", ErrInvalid)
	}
	var out User
	err := c.write(ctx, func(q dbtx) error {
		t, err := c.setupToken(ctx, q, tokenHash)
		if err != nil {
			return err
		}
		// Delete first: whoever deletes the row is the one who uses it.
		n, err := q.Exec(ctx, "DELETE FROM setup_tokens WHERE token_hash = ?", tokenHash)
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrNotFound
		}
		now := c.now()
		if t.UserID == uuid.Nil {
			return c.createFirstAdmin(ctx, q, &u, now, &out)
		}
		cur, err := scanUser(q.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = ?"+c.d.forUpdate, t.UserID.String()))
		if err != nil {
			return err
		}
		if cur.Disabled {
			return fmt.Errorf("%w: user is disabled", ErrConflict)
		}
		cur.PasswordHash, cur.Updated = u.PasswordHash, now
		if _, err := q.Exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", cur.PasswordHash, micros(now), cur.ID.String()); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", cur.ID.String()); err != nil {
			return err
		}
		out = cur
		_, err = c.appendAudit(ctx, q, AuditEvent{At: now, Actor: "user:" + cur.Name, Action: ActionUserPassword,
			Detail: map[string]string{"user": cur.Name, "via": "setup_link"}})
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return u, fmt.Errorf("use setup link: %w", ErrNotFound)
		}
		return u, fmt.Errorf("use setup link: %w", err)
	}
	return out, nil
}

func (c *core) createFirstAdmin(ctx context.Context, q dbtx, u *User, now time.Time, out *User) error {
	if u.Name == "" || needsRepair(u.Name) || len(u.Name) > c.o.Limits.Short {
		return fmt.Errorf("%w: name required, as text", ErrInvalid)
	}
	if c.d.lockKey != "" {
		if _, err := q.Exec(ctx, c.d.lockKey, firstAdminLock); err != nil {
			return fmt.Errorf("lock first admin: %w", err)
		}
	}
	n, err := countAdmins(ctx, q)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: the first admin exists", ErrConflict)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	u.ID, u.Created, u.Updated, u.Disabled = id, now, now, false
	if len(u.Roles) == 0 {
		// The first admin also works tickets: a fresh install leads
		// straight to a working queue. The privacy role stays a
		// separate grant.
		u.Roles = []Role{RoleAgent, RoleAdmin}
	}
	*out = *u
	return c.insertUser(ctx, q, *u, "user:"+u.Name)
}
