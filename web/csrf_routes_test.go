package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// routesOutsideTable are routes the matrix does not cover, each tested
// on its own: the pages without a session (login, setup: auth_test.go and
// setup_test.go), the embedded assets, and the session's own forms
// (logout, password: TestCrossOriginPostRefused).
var routesOutsideTable = map[string]bool{
	"GET /login": true, "POST /login": true, "GET /setup": true, "POST /setup": true,
	"GET /static/{file...}": true, "GET /favicon.ico": true, "POST /logout": true, "POST /account": true,
	"/": true, "/api/": true,
}

var routePatternRe = regexp.MustCompile(`mux\.Handle(?:Func)?\("([^"]+)"`)

// TestRouteTableCoversEveryRoute reads routes.go and routes_admin.go:
// every route they register is in the route × role table (or tested
// apart, above), so a new route cannot skip the matrix and the CSRF test.
func TestRouteTableCoversEveryRoute(t *testing.T) {
	var src []byte
	for _, f := range []string{"routes.go", "routes_admin.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	for _, m := range routePatternRe.FindAllStringSubmatch(string(src), -1) {
		pattern := m[1]
		if routesOutsideTable[pattern] {
			continue
		}
		method, path, _ := strings.Cut(pattern, " ")
		re := regexp.MustCompile("^" + strings.NewReplacer(`\{\$\}`, "$", `\{`, "{", `\}`, "}").Replace(regexp.QuoteMeta(path)) + "$")
		re = regexp.MustCompile(strings.NewReplacer("{ref}", "[^/]+", "{att}", "[^/]+", "{id}", "[^/]+", "{name}", "[^/]+", "{item}", "[^/]+").Replace(re.String()))
		found := false
		for _, r := range routeTable {
			p, _, _ := strings.Cut(r.path, "?")
			p = strings.NewReplacer("{ref}", "T-AAAAAA", "{att}", "x", "{item}", "x").Replace(p)
			if r.method == method && re.MatchString(p) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("route %q is not in routeTable (matrix_test.go)", pattern)
		}
	}
}

// TestEveryStateChangeRefusedCrossOrigin posts to every state-changing
// route of the table as a page on another site would make a logged-in
// browser post: marked cross-site, with only an Origin of another site,
// and (for the pages) with no form token or another session's. Each is
// refused with 403, and nothing changes: no audit event, no message, no
// status or assignee change, no outbox job.
func TestEveryStateChangeRefusedCrossOrigin(t *testing.T) {
	e, b := staffEnv(t)
	e.user("boss", tickets.RoleAdmin, tickets.RoleAgent, tickets.RolePrivacy)
	ctx := context.Background()
	acc := e.file(mail{subject: "Card charged twice", body: "My card **** 1111 was charged twice.",
		findings: []tickets.Finding{{Type: "pan", Last4: "1111", Where: "body"}}})
	fill := strings.NewReplacer("{ref}", acc.Ref, "{item}", acc.QuarantineID.String())
	token := e.token("boss")
	other := e.browser()
	other.login("bob", testPassword)

	state := func() string {
		evs, err := e.store.ListAudit(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		d := e.detail(acc.Ref)
		jobs, err := e.store.ListOutbox(ctx, tickets.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join([]string{itoa(len(evs)), itoa(len(d.Messages)), string(d.Status), d.Assignee, itoa(len(jobs))}, "|")
	}
	before := state()

	n := 0
	for _, r := range routeTable {
		if r.method == "GET" {
			continue
		}
		path := fill.Replace(r.path)
		type attack struct {
			what string
			hdr  map[string]string
			csrf string
		}
		attacks := []attack{
			{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, csrfToken(b.session())},
			{"Origin of another site only", map[string]string{"Origin": "http://evil.example"}, csrfToken(b.session())},
			{"a sibling site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://sub.evil.example"}, csrfToken(b.session())},
		}
		if !r.api {
			// A browser that sends neither header: the form token is the wall.
			attacks = append(attacks,
				attack{"no form token", nil, ""},
				attack{"another session's form token", nil, csrfToken(other.session())})
		}
		for _, a := range attacks {
			var body string
			ctype := "application/json"
			if r.api {
				body = r.body
			} else {
				form, _ := url.ParseQuery(r.body)
				if a.csrf != "" {
					form.Set(csrfField, a.csrf)
				}
				body, ctype = form.Encode(), "application/x-www-form-urlencoded"
			}
			req, _ := http.NewRequest(r.method, e.ts.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			if r.api {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			for k, v := range a.hdr {
				req.Header.Set(k, v)
			}
			ans := b.do(req)
			n++
			if ans.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s, %s: %d, want 403", r.method, path, a.what, ans.StatusCode)
			}
			if r.api && !strings.Contains(ans.body, `"code":"forbidden"`) {
				t.Errorf("%s %s, %s: the refusal is not the JSON error: %.200s", r.method, path, a.what, ans.body)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d forged requests: the table lost its state-changing routes", n)
	}
	if after := state(); after != before {
		t.Fatalf("forged requests changed something: %s, was %s (audit events|messages|status|assignee|outbox jobs)", after, before)
	}
	// The same requests made properly go through (so the test above
	// refused them for the right reason).
	if a := b.post("/t/"+acc.Ref+"/note", url.Values{"text": {"real"}, csrfField: {csrfToken(b.session())}}); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("a same-origin note with its token: %d", a.StatusCode)
	}
	if st, _, _ := e.api("POST", "/api/v1/tickets/"+acc.Ref+"/notes", token, map[string]string{"text": "real"}); st != 201 {
		t.Fatalf("an API note: %d", st)
	}
}
