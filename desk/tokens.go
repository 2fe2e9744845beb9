package desk

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// API tokens: bearer secrets for the JSON API, made and revoked by an
// admin. A token acts as its user, with the user's roles as they are at
// each request (a role taken away, or the user disabled, counts at once).

// TokenPrefix starts every API token, so that secret scanners and people
// can tell one in a paste or a log.
const TokenPrefix = "intake_"

// TokenView is a token as `token list --json` and the API show it: never
// the secret.
type TokenView struct {
	ID       uuid.UUID  `json:"id"`
	User     string     `json:"user"`
	Label    string     `json:"label"`
	Created  time.Time  `json:"created"`
	Expires  *time.Time `json:"expires"`   // null: never
	LastUsed *time.Time `json:"last_used"` // null: never used
	Revoked  *time.Time `json:"revoked"`   // null: works
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ViewToken is the public view of t.
func ViewToken(t tickets.APIToken) TokenView {
	return TokenView{ID: t.ID, User: t.User, Label: t.Label, Created: t.Created,
		Expires: timeOrNil(t.Expires), LastUsed: timeOrNil(t.LastUsed), Revoked: timeOrNil(t.Revoked)}
}

// NewToken is a token just made: Token is its secret, shown this once.
type NewToken struct {
	TokenView
	Token string `json:"token"`
}

// CreateToken makes an API token for user (admin). The secret is in the
// result only; the store keeps its hash.
func (a *Accounts) CreateToken(ctx context.Context, by Actor, user, label string) (*NewToken, error) {
	u, err := a.adminGet(ctx, by, user)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, userErrf(409, CodeConflict, "%s is disabled", u.Name)
	}
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > 100 || strings.ContainsFunc(label, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return nil, userErrf(422, CodeInvalid, "a label is at most 100 characters of text on one line")
	}
	raw, hash := newSecret(TokenPrefix)
	t, err := a.Store.CreateAPIToken(ctx, tickets.APIToken{TokenHash: hash, UserID: u.ID, Label: label}, by.AuditName())
	if err != nil {
		return nil, ourErr(err, "create token")
	}
	return &NewToken{TokenView: ViewToken(t), Token: raw}, nil
}

// ListTokens lists every token, revoked ones too (admin).
func (a *Accounts) ListTokens(ctx context.Context, by Actor) ([]TokenView, error) {
	if err := by.need(tickets.RoleAdmin); err != nil {
		return nil, err
	}
	ts, err := a.Store.ListAPITokens(ctx)
	if err != nil {
		return nil, ourErr(err, "list tokens")
	}
	out := make([]TokenView, 0, len(ts))
	for _, t := range ts {
		out = append(out, ViewToken(t))
	}
	return out, nil
}

// RevokeToken stops a token at once, on every node (admin).
func (a *Accounts) RevokeToken(ctx context.Context, by Actor, id string) error {
	if err := by.need(tickets.RoleAdmin); err != nil {
		return err
	}
	tid, err := uuid.Parse(strings.TrimSpace(id))
	if err != nil {
		return userErrf(400, CodeBadRequest, "a token id is a UUID, as token list shows it")
	}
	err = a.Store.RevokeAPIToken(ctx, tid, by.AuditName())
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		return userErrf(404, CodeNotFound, "no token with id %s", tid)
	case errors.Is(err, tickets.ErrConflict):
		return userErrf(409, CodeConflict, "token %s is already revoked", tid)
	}
	return ourErr(err, "revoke token")
}

var errBadToken = &Error{Status: 401, Code: CodeUnauthenticated, Message: "missing, unknown or revoked API token"}

// Bearer returns the actor of an API token secret, or a 401. It records
// the use at most once per TouchEvery.
func (a *Accounts) Bearer(ctx context.Context, raw string) (Actor, error) {
	if !strings.HasPrefix(raw, TokenPrefix) || len(raw) > 128 {
		return Actor{}, errBadToken
	}
	t, u, err := a.Store.GetAPIToken(ctx, HashSecret(raw))
	if errors.Is(err, tickets.ErrNotFound) {
		return Actor{}, errBadToken
	}
	if err != nil {
		return Actor{}, ourErr(err, "read token")
	}
	now := a.now()
	if now.Sub(t.LastUsed) >= a.policy().TouchEvery {
		if err := a.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return Actor{}, ourErr(err, "record token use")
		}
	}
	return Actor{Name: u.Name, Roles: u.Roles, Via: "api"}, nil
}
