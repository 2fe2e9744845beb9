package tickets

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Staff accounts, browser sessions and API tokens. Minimal for now: the
// web issue builds on these. Secrets are stored as hashes only.

func (c *core) CreateUser(ctx context.Context, u User) (User, error) {
	if u.Name == "" || needsRepair(u.Name) {
		return u, fmt.Errorf("create user: %w: name required, as text", ErrInvalid)
	}
	if u.ID == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			return u, fmt.Errorf("create user: %w", err)
		}
		u.ID = id
	}
	u.Created = c.now()
	err := c.write(ctx, func(q dbtx) error {
		_, err := q.Exec(ctx, "INSERT INTO users (id, name, roles, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			u.ID.String(), u.Name, jsonText(orEmpty(u.Roles)), u.PasswordHash, b2i(u.Disabled), micros(u.Created))
		if err != nil && c.d.isUnique(err) {
			return fmt.Errorf("%w: user %q exists", ErrConflict, u.Name)
		}
		return err
	})
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

const userCols = "id, name, roles, password_hash, disabled, created_at"

func scanUser(r row) (User, error) {
	var u User
	var id, roles string
	var disabled, created int64
	if err := r.Scan(&id, &u.Name, &roles, &u.PasswordHash, &disabled, &created); err != nil {
		return u, err
	}
	u.ID, u.Roles, u.Disabled, u.Created = parseID(id), fromJSON[[]Role](roles), disabled != 0, fromMicros(created)
	return u, nil
}

func (c *core) GetUser(ctx context.Context, name string) (*User, error) {
	u, err := scanUser(c.read.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE name = ?", clean(name)))
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return &u, nil
}

func (c *core) ListUsers(ctx context.Context) ([]User, error) {
	r, err := c.read.Query(ctx, "SELECT "+userCols+" FROM users ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer r.Close()
	var out []User
	for r.Next() {
		u, err := scanUser(r)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, r.Err()
}

func (c *core) CreateSession(ctx context.Context, s Session) error {
	if s.TokenHash == "" || s.UserID == uuid.Nil {
		return fmt.Errorf("create session: %w: token hash and user required", ErrInvalid)
	}
	if s.Created.IsZero() {
		s.Created = c.now()
	}
	err := c.write(ctx, func(q dbtx) error {
		_, err := q.Exec(ctx, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			s.TokenHash, s.UserID.String(), micros(s.Created), micros(s.Expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// GetSession returns a live session; an expired one is ErrNotFound.
func (c *core) GetSession(ctx context.Context, tokenHash string) (*Session, error) {
	var s Session
	var uid string
	var created, expires int64
	if err := one(c.read.QueryRow(ctx, "SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?",
		tokenHash, micros(c.now())), &s.TokenHash, &uid, &created, &expires); err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	s.UserID, s.Created, s.Expires = parseID(uid), fromMicros(created), fromMicros(expires)
	return &s, nil
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

func (c *core) CreateAPIToken(ctx context.Context, t APIToken) (APIToken, error) {
	if t.TokenHash == "" || t.UserID == uuid.Nil {
		return t, fmt.Errorf("create api token: %w: token hash and user required", ErrInvalid)
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
		_, err := q.Exec(ctx, "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
			t.ID.String(), clean(t.TokenHash), t.UserID.String(), clean(t.Name), micros(t.Created), micros(t.Expires))
		return err
	})
	if err != nil {
		return t, fmt.Errorf("create api token: %w", err)
	}
	return t, nil
}

// GetAPIToken returns a token that has not expired.
func (c *core) GetAPIToken(ctx context.Context, tokenHash string) (*APIToken, error) {
	var t APIToken
	var id, uid string
	var created, expires int64
	if err := one(c.read.QueryRow(ctx, "SELECT id, token_hash, user_id, name, created_at, expires_at FROM api_tokens WHERE token_hash = ? AND (expires_at = 0 OR expires_at > ?)",
		tokenHash, micros(c.now())), &id, &t.TokenHash, &uid, &t.Name, &created, &expires); err != nil {
		return nil, fmt.Errorf("get api token: %w", err)
	}
	t.ID, t.UserID, t.Created, t.Expires = parseID(id), parseID(uid), fromMicros(created), fromMicros(expires)
	return &t, nil
}
