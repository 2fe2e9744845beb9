package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// The route × who table: every route, asked by each kind of caller,
// answers as allowed, 401 (the API) or a redirect to the login (pages), or
// 403. The ticket and quarantine routes add their rows here.

type who string

const (
	whoNone     who = "no credentials"
	whoAgent    who = "agent"
	whoPrivacy  who = "privacy"
	whoAdmin    who = "admin"
	whoExpired  who = "expired session"
	whoDisabled who = "disabled user"
	whoRevoked  who = "revoked token"
)

var everyone = []who{whoNone, whoAgent, whoPrivacy, whoAdmin, whoExpired, whoDisabled, whoRevoked}

type route struct {
	method, path string
	api          bool
	body         string // for the API
	allowed      []who  // who gets through (any status but 401/403/login)
}

var staff = []who{whoAgent, whoPrivacy, whoAdmin}

var routeTable = []route{
	{method: "GET", path: "/", allowed: staff},
	{method: "GET", path: "/account", allowed: staff},
	{method: "GET", path: "/no/such/page", allowed: staff},
	{method: "GET", path: "/api/v1/me", api: true, allowed: staff},
	{method: "GET", path: "/api/v1/users", api: true, allowed: []who{whoAdmin}},
	{method: "POST", path: "/api/v1/users", api: true, body: `{"name":"new1","roles":["agent"]}`, allowed: []who{whoAdmin}},
	{method: "GET", path: "/api/v1/users/admin", api: true, allowed: []who{whoAdmin}},
	{method: "PATCH", path: "/api/v1/users/agent", api: true, body: `{"roles":["agent"]}`, allowed: []who{whoAdmin}},
	{method: "POST", path: "/api/v1/users/agent/setup-link", api: true, allowed: []who{whoAdmin}},
	{method: "GET", path: "/api/v1/tokens", api: true, allowed: []who{whoAdmin}},
	{method: "POST", path: "/api/v1/tokens", api: true, body: `{"user":"agent"}`, allowed: []who{whoAdmin}},
	{method: "DELETE", path: "/api/v1/tokens/01234567-89ab-7def-8123-456789abcdef", api: true, allowed: []who{whoAdmin}},
	{method: "GET", path: "/api/v1/nothing", api: true, allowed: staff},
}

func TestRouteRoleMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, u := range []struct {
		name  string
		roles []tickets.Role
	}{{"agent", []tickets.Role{tickets.RoleAgent}}, {"privacy", []tickets.Role{tickets.RolePrivacy}},
		{"admin", []tickets.Role{tickets.RoleAdmin}}, {"expired", []tickets.Role{tickets.RoleAdmin}}, {"gone", []tickets.Role{tickets.RoleAdmin}}} {
		e.user(u.name, u.roles...)
	}
	sessions, tokens := map[who]*browser{}, map[who]string{}
	for _, w := range []who{whoAgent, whoPrivacy, whoAdmin, whoExpired, whoDisabled, whoRevoked} {
		name := map[who]string{whoExpired: "expired", whoDisabled: "gone", whoRevoked: "admin"}[w]
		if name == "" {
			name = string(w)
		}
		b := e.browser()
		b.login(name, testPassword)
		sessions[w], tokens[w] = b, e.token(name)
	}
	sessions[whoNone], tokens[whoNone] = e.browser(), ""
	// Expire one session (idle on the store's clock and desk's), disable
	// one user, revoke one token.
	p := desk.DefaultAuthPolicy()
	e.store.TouchSession(ctx, desk.HashSecret(sessions[whoExpired].session()), e.clock.Now().Add(-p.SessionIdle), e.clock.Now())
	if _, err := e.accounts.DisableUser(ctx, cliAdmin, "gone"); err != nil {
		t.Fatal(err)
	}
	revokeLastOf(t, e, "admin") // the revoked caller's, made last
	// The API's expired caller holds a token past its expiry.
	exp, _ := e.store.GetUser(ctx, "expired")
	tokens[whoExpired] = desk.TokenPrefix + "expired-0123456789abcdefghijklmnopqrstuvwxyz"
	if _, err := e.store.CreateAPIToken(ctx, tickets.APIToken{TokenHash: desk.HashSecret(tokens[whoExpired]), UserID: exp.ID,
		Expires: e.clock.Now().Add(time.Second)}, "cli:test"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	sessions[whoRevoked] = e.browser() // a revoked token comes with no session

	for _, r := range routeTable {
		for _, w := range everyone {
			allowed := false
			for _, a := range r.allowed {
				allowed = allowed || a == w
			}
			name := r.method + " " + r.path + " as " + string(w)
			if r.api {
				st, body, hdr := e.api(r.method, r.path, tokens[w], rawJSON(r.body))
				switch {
				case allowed && (st == 401 || st == 403):
					t.Errorf("%s: %d, want allowed", name, st)
				case !allowed && (w == whoAgent || w == whoPrivacy || w == whoAdmin):
					checkAPIError(t, name, st, body, hdr, 403, "forbidden")
				case !allowed:
					checkAPIError(t, name, st, body, hdr, 401, "unauthenticated")
				}
				continue
			}
			req, _ := http.NewRequest(r.method, e.ts.URL+r.path, nil)
			a := sessions[w].do(req)
			toLogin := a.StatusCode == http.StatusSeeOther && strings.HasPrefix(a.Header.Get("Location"), "/login")
			switch {
			case allowed && (toLogin || a.StatusCode == 403 || a.StatusCode == 401):
				t.Errorf("%s: %d %s, want allowed", name, a.StatusCode, a.Header.Get("Location"))
			case !allowed && (w == whoAgent || w == whoPrivacy || w == whoAdmin) && a.StatusCode != 403:
				t.Errorf("%s: %d, want 403", name, a.StatusCode)
			case !allowed && !(w == whoAgent || w == whoPrivacy || w == whoAdmin) && !toLogin:
				t.Errorf("%s: %d %s, want a redirect to the login", name, a.StatusCode, a.Header.Get("Location"))
			}
		}
	}
}

// revokeLastOf revokes the newest token of user and makes it the revoked
// caller's.
func revokeLastOf(t *testing.T, e *testEnv, user string) {
	t.Helper()
	list, err := e.accounts.ListTokens(context.Background(), cliAdmin)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].User == user {
			if err := e.accounts.RevokeToken(context.Background(), cliAdmin, list[i].ID.String()); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no token of %s", user)
}

// rawJSON passes a literal body through e.api's encoder unchanged.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if r == "" {
		return []byte("{}"), nil
	}
	return []byte(r), nil
}
