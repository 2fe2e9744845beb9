package web

import (
	"context"
	"net/http"
	"net/url"
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
	method, path string // {ref} and {att} name a ticket and its attachment
	api          bool
	body         string // for the API; for a page, the form (url-encoded)
	allowed      []who  // who gets through (any status but 401/403/login)
}

var (
	staff   = []who{whoAgent, whoPrivacy, whoAdmin}
	workers = []who{whoAgent, whoAdmin} // who works tickets
)

var routeTable = []route{
	{method: "GET", path: "/", allowed: staff},
	{method: "GET", path: "/account", allowed: staff},
	{method: "GET", path: "/no/such/page", allowed: staff},
	{method: "GET", path: "/?view=mine&q=card", allowed: staff},
	{method: "GET", path: "/t/{ref}", allowed: workers},
	{method: "POST", path: "/t/{ref}/note", body: "text=Called+back.", allowed: workers},
	{method: "POST", path: "/t/{ref}/reply", body: "text=Thanks%2C+done.", allowed: workers},
	{method: "POST", path: "/t/{ref}/assign", body: "assignee=me", allowed: workers},
	{method: "POST", path: "/t/{ref}/status", body: "status=pending", allowed: workers},
	{method: "GET", path: "/attachments/{att}", allowed: workers},
	{method: "GET", path: "/quarantine", allowed: []who{whoPrivacy}},
	{method: "GET", path: "/quarantine?state=purged", allowed: []who{whoPrivacy}},
	{method: "GET", path: "/quarantine/{item}", allowed: []who{whoPrivacy}},
	{method: "GET", path: "/quarantine/{item}/sealed", allowed: []who{whoPrivacy}},
	{method: "POST", path: "/quarantine/{item}/opened", body: "outcome=failed&reason=no_identity_matched", allowed: []who{whoPrivacy}},
	{method: "POST", path: "/quarantine/{item}/release", body: "where=body&content_type=text%2Fplain&content=aGVsbG8%3D", allowed: []who{whoPrivacy}},
	{method: "POST", path: "/quarantine/{item}/hold", allowed: []who{whoPrivacy}},
	{method: "POST", path: "/quarantine/{item}/unhold", allowed: []who{whoPrivacy}},
	{method: "POST", path: "/quarantine/{item}/purge", body: "confirm=yes", allowed: []who{whoPrivacy}},
	{method: "GET", path: "/api/v1/tickets", api: true, allowed: workers},
	{method: "GET", path: "/api/v1/tickets?view=open&q=card&limit=5", api: true, allowed: workers},
	{method: "GET", path: "/api/v1/tickets/{ref}", api: true, allowed: workers},
	{method: "PATCH", path: "/api/v1/tickets/{ref}", api: true, body: `{"status":"open","assignee":"me"}`, allowed: workers},
	{method: "POST", path: "/api/v1/tickets/{ref}/notes", api: true, body: `{"text":"Called back."}`, allowed: workers},
	{method: "POST", path: "/api/v1/tickets/{ref}/replies", api: true, body: `{"text":"Thanks, done."}`, allowed: workers},
	{method: "GET", path: "/api/v1/attachments/{att}", api: true, allowed: workers},
	{method: "GET", path: "/api/v1/quarantine", api: true, allowed: []who{whoPrivacy}},
	{method: "GET", path: "/api/v1/quarantine?state=held&limit=5", api: true, allowed: []who{whoPrivacy}},
	{method: "GET", path: "/api/v1/quarantine/{item}", api: true, allowed: []who{whoPrivacy}},
	{method: "GET", path: "/api/v1/quarantine/{item}/sealed", api: true, allowed: []who{whoPrivacy}},
	{method: "POST", path: "/api/v1/quarantine/{item}/release", api: true, body: `{"where":"body","content_type":"text/plain","content":"aGVsbG8="}`, allowed: []who{whoPrivacy}},
	{method: "POST", path: "/api/v1/quarantine/{item}/open", api: true, body: `{"opened":false,"reason":"no_identity_matched"}`, allowed: []who{whoPrivacy}},
	{method: "PUT", path: "/api/v1/quarantine/{item}/hold", api: true, allowed: []who{whoPrivacy}},
	{method: "DELETE", path: "/api/v1/quarantine/{item}/hold", api: true, allowed: []who{whoPrivacy}},
	{method: "DELETE", path: "/api/v1/quarantine/{item}", api: true, allowed: []who{whoPrivacy}},
	{method: "GET", path: "/api/v1/audit", api: true, allowed: []who{whoAdmin}},
	{method: "GET", path: "/api/v1/audit?action=ticket.note&limit=5", api: true, allowed: []who{whoAdmin}},
	{method: "GET", path: "/api/v1/audit/verify", api: true, allowed: []who{whoAdmin}},
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
	// The admin's pages, the report, one's notifications (routes_admin.go).
	{method: "GET", path: "/admin", allowed: []who{whoAdmin}},
	{method: "GET", path: "/admin/users", allowed: []who{whoAdmin}},
	{method: "POST", path: "/admin/users", body: "name=new2&role=agent", allowed: []who{whoAdmin}},
	{method: "POST", path: "/admin/users/new2/roles", body: "role=agent&role=privacy", allowed: []who{whoAdmin}},
	{method: "POST", path: "/admin/users/new2/reset", allowed: []who{whoAdmin}},
	{method: "POST", path: "/admin/users/new2/disable", allowed: []who{whoAdmin}},
	{method: "POST", path: "/admin/users/new2/enable", allowed: []who{whoAdmin}},
	{method: "GET", path: "/admin/tokens", allowed: []who{whoAdmin}},
	{method: "POST", path: "/admin/tokens", body: "user=agent&label=matrix", allowed: []who{whoAdmin}},
	{method: "POST", path: "/admin/tokens/01234567-89ab-7def-8123-456789abcdef/revoke", allowed: []who{whoAdmin}},
	{method: "GET", path: "/admin/audit", allowed: []who{whoAdmin}},
	{method: "GET", path: "/admin/audit?action=user.login&since=2026-01-01", allowed: []who{whoAdmin}},
	{method: "GET", path: "/admin/audit/verify", allowed: []who{whoAdmin}},
	{method: "GET", path: "/admin/config", allowed: []who{whoAdmin}},
	{method: "GET", path: "/report", allowed: []who{whoPrivacy, whoAdmin}},
	{method: "GET", path: "/report.csv?since=2026-01-01&until=2026-04-01", allowed: []who{whoPrivacy, whoAdmin}},
	{method: "GET", path: "/settings", allowed: workers},
	{method: "POST", path: "/settings", body: "queues=support", allowed: workers},
	{method: "GET", path: "/api/v1/report?since=2026-01-01&until=2026-04-01&period=week", api: true, allowed: []who{whoPrivacy, whoAdmin}},
	{method: "GET", path: "/api/v1/me/notifications", api: true, allowed: workers},
	{method: "PUT", path: "/api/v1/me/notifications", api: true, body: `{"queues":["support"]}`, allowed: workers},
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

	acc := e.file(mail{subject: "Card charged twice", body: "My card **** 1111 was charged twice.",
		findings:    []tickets.Finding{{Type: "pan", Last4: "1111", Where: "body"}},
		attachments: []tickets.Attachment{{Name: "receipt.txt", ContentType: "text/plain", Content: []byte("a receipt")}}})
	att := e.detail(acc.Ref).Messages[0].Attachments[0].ID.String()
	fill := strings.NewReplacer("{ref}", acc.Ref, "{att}", att, "{item}", acc.QuarantineID.String())

	for _, r := range routeTable {
		r.path = fill.Replace(r.path)
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
			var a answer
			if r.method == "GET" {
				req, _ := http.NewRequest(r.method, e.ts.URL+r.path, nil)
				a = sessions[w].do(req)
			} else {
				// As the page's form posts it: same origin, with the
				// session's form token.
				form, _ := url.ParseQuery(r.body)
				form.Set(csrfField, csrfToken(sessions[w].session()))
				a = sessions[w].post(r.path, form)
			}
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
