package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Staff accounts. Names are stored as desk normalised them; the store only
// refuses what is not text. Every change is audited in its transaction.

const userCols = "id, name, roles, password_hash, disabled, created_at, updated_at"

// userColsAs is userCols of the users table under alias u.
var userColsAs = prefixed("u.", userCols)

func scanUser(r row, extra ...any) (User, error) {
	var u User
	var id, roles string
	var disabled, created, updated int64
	dest := append([]any{&id, &u.Name, &roles, &u.PasswordHash, &disabled, &created, &updated}, extra...)
	if err := r.Scan(dest...); err != nil {
		return u, err
	}
	u.ID, u.Roles, u.Disabled = parseID(id), fromJSON[[]Role](roles), disabled != 0
	u.Created, u.Updated = fromMicros(created), fromMicros(updated)
	return u, nil
}

func rolesText(rs []Role) string {
	rs = slices.Clone(rs)
	slices.Sort(rs)
	return jsonText(orEmpty(slices.Compact(rs)))
}

func rolesList(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

func (c *core) CreateUser(ctx context.Context, u User, actor string) (User, error) {
	if u.Name == "" || needsRepair(u.Name) || len(u.Name) > c.o.Limits.Short || actor == "" {
		return u, fmt.Errorf("create user: %w: name and actor required, as text", ErrInvalid)
	}
	if u.ID == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			return u, fmt.Errorf("create user: %w", err)
		}
		u.ID = id
	}
	u.Created = c.now()
	u.Updated = u.Created
	err := c.write(ctx, func(q dbtx) error { return c.insertUser(ctx, q, u, actor) })
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

func (c *core) insertUser(ctx context.Context, q dbtx, u User, actor string) error {
	_, err := q.Exec(ctx, "INSERT INTO users (id, name, roles, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		u.ID.String(), u.Name, rolesText(u.Roles), u.PasswordHash, b2i(u.Disabled), micros(u.Created), micros(u.Updated))
	if err != nil {
		if c.d.isUnique(err) {
			return fmt.Errorf("%w: user %q exists", ErrConflict, u.Name)
		}
		return err
	}
	_, err = c.appendAudit(ctx, q, AuditEvent{At: u.Created, Actor: actor, Action: ActionUserCreate,
		Detail: map[string]string{"user": u.Name, "roles": rolesList(u.Roles), "password": fmt.Sprint(u.PasswordHash != "")}})
	return err
}

func (c *core) GetUser(ctx context.Context, name string) (*User, error) {
	u, err := scanUser(c.read.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE name = ?", clean(name)))
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return &u, nil
}

func (c *core) GetUserByID(ctx context.Context, id uuid.UUID) (*User, error) {
	u, err := scanUser(c.read.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id.String()))
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
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// CountAdmins counts the enabled accounts holding the admin role: the
// first-admin link works while there is none, so staff added from the
// command line before anyone opened the link do not lock the install out.
func (c *core) CountAdmins(ctx context.Context) (int, error) {
	n, err := countAdmins(ctx, c.read)
	if err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

func countAdmins(ctx context.Context, q dbtx) (int, error) {
	r, err := q.Query(ctx, "SELECT roles FROM users WHERE disabled = 0")
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for r.Next() {
		var roles string
		if err := r.Scan(&roles); err != nil {
			return 0, err
		}
		if slices.Contains(fromJSON[[]Role](roles), RoleAdmin) {
			n++
		}
	}
	return n, r.Err()
}

func (c *core) CountUsers(ctx context.Context) (int, error) {
	var n int64
	if err := one(c.read.QueryRow(ctx, "SELECT COUNT(*) FROM users"), &n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return int(n), nil
}

func (c *core) UpdateUser(ctx context.Context, name string, ch UserChange, actor string) (*User, error) {
	if actor == "" {
		return nil, fmt.Errorf("update user: %w: actor required", ErrInvalid)
	}
	var out User
	err := c.write(ctx, func(q dbtx) error {
		u, err := scanUser(q.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE name = ?"+c.d.forUpdate, clean(name)))
		if err != nil {
			return err
		}
		now := c.now()
		var events []AuditEvent
		event := func(action string, detail map[string]string) {
			detail["user"] = u.Name
			events = append(events, AuditEvent{At: now, Actor: actor, Action: action, Detail: detail})
		}
		endSessions := false
		if ch.Roles != nil && rolesText(*ch.Roles) != rolesText(u.Roles) {
			event(ActionUserRoles, map[string]string{"from": rolesList(u.Roles), "to": rolesList(*ch.Roles)})
			u.Roles = *ch.Roles
		}
		if ch.Disabled != nil && *ch.Disabled != u.Disabled {
			if *ch.Disabled {
				event(ActionUserDisable, map[string]string{})
				endSessions = true
			} else {
				event(ActionUserEnable, map[string]string{})
			}
			u.Disabled = *ch.Disabled
		}
		if ch.PasswordHash != nil {
			event(ActionUserPassword, map[string]string{})
			u.PasswordHash = *ch.PasswordHash
			endSessions = true
		}
		out = u
		if len(events) == 0 {
			return nil
		}
		u.Updated = now
		out = u
		if _, err := q.Exec(ctx, "UPDATE users SET roles = ?, disabled = ?, password_hash = ?, updated_at = ? WHERE id = ?",
			rolesText(u.Roles), b2i(u.Disabled), u.PasswordHash, micros(now), u.ID.String()); err != nil {
			return err
		}
		if endSessions {
			if _, err := q.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", u.ID.String()); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		for _, e := range events {
			if _, err := c.appendAudit(ctx, q, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("update user: %w", ErrNotFound)
		}
		return nil, fmt.Errorf("update user: %w", err)
	}
	return &out, nil
}
