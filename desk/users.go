package desk

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// Staff accounts: the admin's actions on users. Each needs the admin role
// (the CLI acts as an admin: whoever runs it on the server can read the
// database anyway) and is audited by the store under the actor's name.

// nameRe is what a user name may be once lower-cased: short, no spaces,
// nothing a log line or an audit detail could misread. An e-mail address
// fits.
var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._@+-]{0,63}$`)

// NormalizeName returns name lower-cased and trimmed, or a 422 when it is
// not a valid user name. Logins compare names in this form.
func NormalizeName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if !nameRe.MatchString(n) {
		return "", userErrf(422, CodeInvalid, "a user name is 1 to 64 of a-z, 0-9 and . _ @ + - (starting with a letter or digit)")
	}
	return n, nil
}

// ParseRoles reads roles given as separate words or comma lists
// ("agent,admin"); roles add up. Unknown roles are a 422.
func ParseRoles(specs ...string) ([]tickets.Role, error) {
	var out []tickets.Role
	for _, s := range specs {
		for _, w := range strings.Split(s, ",") {
			r := tickets.Role(strings.ToLower(strings.TrimSpace(w)))
			switch r {
			case "":
				continue
			case tickets.RoleAgent, tickets.RolePrivacy, tickets.RoleAdmin:
				out = append(out, r)
			default:
				return nil, userErrf(422, CodeInvalid, "unknown role %q (agent, privacy or admin)", truncate(string(r), 32))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// UserView is a user as the CLI's --json and the API show it.
type UserView struct {
	ID          uuid.UUID      `json:"id"`
	Name        string         `json:"name"`
	Roles       []tickets.Role `json:"roles"`
	Disabled    bool           `json:"disabled"`
	PasswordSet bool           `json:"password_set"` // false until a setup link is used
	Created     time.Time      `json:"created"`
	Updated     time.Time      `json:"updated"`
}

// ViewUser is the public view of u.
func ViewUser(u tickets.User) UserView {
	roles := u.Roles
	if roles == nil {
		roles = []tickets.Role{}
	}
	return UserView{ID: u.ID, Name: u.Name, Roles: roles, Disabled: u.Disabled, PasswordSet: u.PasswordHash != "",
		Created: u.Created, Updated: u.Updated}
}

// NewUser is what AddUser needs. With no Password the user gets a
// one-time setup link instead.
type NewUser struct {
	Name     string         `json:"name"`
	Roles    []tickets.Role `json:"roles"`
	Password string         `json:"password,omitempty"`
}

// SetupSecret is a fresh one-time link's secret: shown once, kept only
// as a hash. SetupPath makes it a link.
type SetupSecret struct {
	Token   string    `json:"-"`
	Expires time.Time `json:"expires"`
}

// SetupPath is the path of the setup page for a link secret.
func SetupPath(token string) string { return "/setup?token=" + url.QueryEscape(token) }

// AddUser creates a staff account (admin). Without a password it returns
// a setup link's secret for the new user to choose one.
func (a *Accounts) AddUser(ctx context.Context, by Actor, nu NewUser) (UserView, *SetupSecret, error) {
	if err := by.need(tickets.RoleAdmin); err != nil {
		return UserView{}, nil, err
	}
	name, err := NormalizeName(nu.Name)
	if err != nil {
		return UserView{}, nil, err
	}
	roles, err := ParseRoles(rolesStrings(nu.Roles)...)
	if err != nil {
		return UserView{}, nil, err
	}
	if len(roles) == 0 {
		return UserView{}, nil, userErrf(422, CodeInvalid, "give the user at least one role (agent, privacy or admin)")
	}
	hash := ""
	if nu.Password != "" {
		if err := checkNewPassword(nu.Password, name); err != nil {
			return UserView{}, nil, err
		}
		if hash, err = HashPassword(nu.Password); err != nil {
			return UserView{}, nil, ourErr(err, "hash password")
		}
	}
	u, err := a.Store.CreateUser(ctx, tickets.User{Name: name, Roles: roles, PasswordHash: hash}, by.AuditName())
	if errors.Is(err, tickets.ErrConflict) {
		return UserView{}, nil, userErrf(409, CodeConflict, "a user named %s exists", name)
	}
	if err != nil {
		return UserView{}, nil, ourErr(err, "create user")
	}
	if hash != "" {
		return ViewUser(u), nil, nil
	}
	link, err := a.newSetupLink(ctx, by, u.ID)
	return ViewUser(u), link, err
}

func rolesStrings(rs []tickets.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func (a *Accounts) newSetupLink(ctx context.Context, by Actor, user uuid.UUID) (*SetupSecret, error) {
	raw, hash := newSecret("")
	exp := a.now().Add(a.policy().SetupTTL)
	if err := a.Store.CreateSetupToken(ctx, tickets.SetupToken{TokenHash: hash, UserID: user, Expires: exp}, by.AuditName()); err != nil {
		return nil, ourErr(err, "make setup link")
	}
	return &SetupSecret{Token: raw, Expires: exp}, nil
}

// ResetLink makes a new one-time link with which name sets a new password
// (admin); their current password keeps working until the link is used.
func (a *Accounts) ResetLink(ctx context.Context, by Actor, name string) (*SetupSecret, error) {
	u, err := a.adminGet(ctx, by, name)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, userErrf(409, CodeConflict, "%s is disabled; enable the account first", u.Name)
	}
	return a.newSetupLink(ctx, by, u.ID)
}

func (a *Accounts) adminGet(ctx context.Context, by Actor, name string) (*tickets.User, error) {
	if err := by.need(tickets.RoleAdmin); err != nil {
		return nil, err
	}
	norm := strings.ToLower(strings.TrimSpace(name))
	u, err := a.Store.GetUser(ctx, norm)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, userErrf(404, CodeNotFound, "no user named %s", truncate(norm, 64))
	}
	if err != nil {
		return nil, ourErr(err, "look up user")
	}
	return u, nil
}

// ListUsers lists every account (admin).
func (a *Accounts) ListUsers(ctx context.Context, by Actor) ([]UserView, error) {
	if err := by.need(tickets.RoleAdmin); err != nil {
		return nil, err
	}
	us, err := a.Store.ListUsers(ctx)
	if err != nil {
		return nil, ourErr(err, "list users")
	}
	out := make([]UserView, 0, len(us))
	for _, u := range us {
		out = append(out, ViewUser(u))
	}
	return out, nil
}

// GetUser shows one account: any to an admin, one's own to anyone.
func (a *Accounts) GetUser(ctx context.Context, by Actor, name string) (UserView, error) {
	if by.Name != "" && strings.EqualFold(strings.TrimSpace(name), by.Name) {
		u, err := a.Store.GetUser(ctx, by.Name)
		if err != nil {
			return UserView{}, ourErr(err, "look up user")
		}
		return ViewUser(*u), nil
	}
	u, err := a.adminGet(ctx, by, name)
	if err != nil {
		return UserView{}, err
	}
	return ViewUser(*u), nil
}

// UserUpdate is what UpdateUser changes; nil fields stay.
type UserUpdate struct {
	Roles    *[]tickets.Role `json:"roles,omitempty"`
	Disabled *bool           `json:"disabled,omitempty"`
}

// UpdateUser changes roles or disables/enables an account (admin). The
// last enabled admin cannot be disabled or lose the role: nobody could
// then manage accounts from the web.
func (a *Accounts) UpdateUser(ctx context.Context, by Actor, name string, up UserUpdate) (UserView, error) {
	u, err := a.adminGet(ctx, by, name)
	if err != nil {
		return UserView{}, err
	}
	ch := tickets.UserChange{Disabled: up.Disabled}
	after := *u
	if up.Roles != nil {
		roles, err := ParseRoles(rolesStrings(*up.Roles)...)
		if err != nil {
			return UserView{}, err
		}
		if len(roles) == 0 {
			return UserView{}, userErrf(422, CodeInvalid, "a user keeps at least one role; disable the account instead")
		}
		ch.Roles, after.Roles = &roles, roles
	}
	if up.Disabled != nil {
		after.Disabled = *up.Disabled
	}
	isAdmin := func(u tickets.User) bool { return !u.Disabled && slices.Contains(u.Roles, tickets.RoleAdmin) }
	if isAdmin(*u) && !isAdmin(after) {
		if err := a.keepAnAdmin(ctx, u.ID); err != nil {
			return UserView{}, err
		}
	}
	nu, err := a.Store.UpdateUser(ctx, u.Name, ch, by.AuditName())
	if err != nil {
		return UserView{}, ourErr(err, "update user")
	}
	return ViewUser(*nu), nil
}

func (a *Accounts) keepAnAdmin(ctx context.Context, losing uuid.UUID) error {
	us, err := a.Store.ListUsers(ctx)
	if err != nil {
		return ourErr(err, "list users")
	}
	for _, o := range us {
		if o.ID != losing && !o.Disabled && slices.Contains(o.Roles, tickets.RoleAdmin) {
			return nil
		}
	}
	return userErrf(409, CodeConflict, "this is the last enabled admin; make another admin first")
}

// DisableUser stops an account at once: its sessions end and its API
// tokens stop working, on every node (admin).
func (a *Accounts) DisableUser(ctx context.Context, by Actor, name string) (UserView, error) {
	yes := true
	return a.UpdateUser(ctx, by, name, UserUpdate{Disabled: &yes})
}

// SetPassword sets name's password (admin) and ends their sessions.
func (a *Accounts) SetPassword(ctx context.Context, by Actor, name, password string) (UserView, error) {
	u, err := a.adminGet(ctx, by, name)
	if err != nil {
		return UserView{}, err
	}
	if err := checkNewPassword(password, u.Name); err != nil {
		return UserView{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return UserView{}, ourErr(err, "hash password")
	}
	nu, err := a.Store.UpdateUser(ctx, u.Name, tickets.UserChange{PasswordHash: &hash}, by.AuditName())
	if err != nil {
		return UserView{}, ourErr(err, "set password")
	}
	return ViewUser(*nu), nil
}
