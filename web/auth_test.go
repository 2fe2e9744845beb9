package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

func TestLoginPageIsTheContractForm(t *testing.T) {
	e := newEnv(t)
	a := e.browser().get("/login")
	for _, want := range []string{`<form method="post" action="/login"`, `name="username"`, `name="password"`, `type="password"`, `<label for="username">`, `<label for="password">`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if a.StatusCode != 200 || !strings.HasPrefix(a.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /login: %d %s", a.StatusCode, a.Header.Get("Content-Type"))
	}
}

func TestLoginSuccessAndFailure(t *testing.T) {
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	b := e.browser()

	// A page without a session sends to the login, asking to come back.
	a := b.get("/account")
	if a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/login?next=%2Faccount" {
		t.Fatalf("GET /account without a session: %d %q", a.StatusCode, a.Header.Get("Location"))
	}
	// Unknown user and wrong password: the same page, the same words.
	bad1 := b.post("/login", url.Values{"username": {"nobody"}, "password": {testPassword}})
	bad2 := b.post("/login", url.Values{"username": {"ann"}, "password": {"not the password"}})
	for _, a := range []answer{bad1, bad2} {
		if a.StatusCode != http.StatusUnauthorized || !strings.Contains(a.body, "Wrong user name or password.") || len(a.Cookies()) != 0 {
			t.Fatalf("failed login: %d, cookies %v", a.StatusCode, a.Cookies())
		}
	}
	if strings.ReplaceAll(bad1.body, "nobody", "ann") != bad2.body {
		t.Errorf("the answers for an unknown user and a wrong password differ beyond the name typed")
	}
	// Success: the cookie is HttpOnly, SameSite=Lax, path /; back to next.
	a = b.post("/login", url.Values{"username": {"Ann"}, "password": {testPassword}, "next": {"/account"}})
	if a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/account" {
		t.Fatalf("login: %d %q", a.StatusCode, a.Header.Get("Location"))
	}
	set := a.Header.Get("Set-Cookie")
	for _, want := range []string{"intake_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("Set-Cookie %q is Secure on plain HTTP: the browser would drop it", set)
	}
	home := b.get("/")
	if home.StatusCode != 200 || !strings.Contains(home.body, `data-user="ann"`) {
		t.Fatalf("queue: %d %q", home.StatusCode, home.body)
	}
	// Logged in, /login goes on to next.
	if a := b.get("/login?next=/account"); a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/account" {
		t.Fatalf("GET /login while logged in: %d %q", a.StatusCode, a.Header.Get("Location"))
	}
	// next never leaves the site.
	a = e.browser().post("/login", url.Values{"username": {"ann"}, "password": {testPassword}, "next": {"//evil.example/x"}})
	if a.Header.Get("Location") != "/" {
		t.Fatalf("next=//evil.example redirected to %q", a.Header.Get("Location"))
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "/",
		"/":                    "/",
		"/t/T-ABC123":          "/t/T-ABC123",
		"/?view=mine&q=x":      "/?view=mine&q=x",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"evil":                 "/",
		"/\r\nSet-Cookie: x":   "/",
		"/%0d%0a":              "/%0d%0a",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoginThrottledPerAccountAndNetwork(t *testing.T) {
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	b := e.browser()
	p := desk.DefaultAuthPolicy()
	for range p.AccountFailures {
		if a := b.post("/login", url.Values{"username": {"ann"}, "password": {"guess guess guess"}}); a.StatusCode != 401 {
			t.Fatalf("guess: %d", a.StatusCode)
		}
	}
	a := b.post("/login", url.Values{"username": {"ann"}, "password": {testPassword}})
	if a.StatusCode != http.StatusTooManyRequests || !strings.Contains(a.body, "Too many failed attempts") || len(a.Cookies()) != 0 {
		t.Fatalf("after %d failures the right password: %d", p.AccountFailures, a.StatusCode)
	}
	if ra, err := strconv.Atoi(a.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", a.Header.Get("Retry-After"))
	}
	e.clock.Advance(p.BackoffBase)
	b.login("ann", testPassword)

	// The network: many names from this loopback /24.
	e.clock.Advance(p.FailureWindow)
	for i := range p.NetworkFailures {
		b.post("/login", url.Values{"username": {"n" + strconv.Itoa(i)}, "password": {"x"}})
	}
	if a := e.browser().post("/login", url.Values{"username": {"ann"}, "password": {testPassword}}); a.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one network: %d", p.NetworkFailures, a.StatusCode)
	}
}

func TestSessionRotatedAtLogin(t *testing.T) {
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	e.user("bob", tickets.RoleAgent)
	b := e.browser()
	b.login("ann", testPassword)
	first := b.session()
	// Logging in again (as someone else, say) with that cookie: a new
	// session, and the old one is gone for whoever still holds it.
	b.login("bob", testPassword)
	second := b.session()
	if second == "" || second == first {
		t.Fatalf("session not rotated at login")
	}
	stale := e.browser()
	stale.setSession(first)
	if a := stale.get("/"); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("the pre-login session still works: %d", a.StatusCode)
	}
	// A session id planted before login (fixation) is never adopted.
	planted := e.browser()
	planted.setSession("attacker-chosen-value-0123456789abcdef")
	planted.login("ann", testPassword)
	if planted.session() == "attacker-chosen-value-0123456789abcdef" {
		t.Fatal("a planted session id survived login")
	}
	// The store keeps hashes only.
	if _, _, err := e.store.GetSession(context.Background(), second); err == nil {
		t.Fatal("the store finds a session by the raw cookie value")
	}
}

func TestSessionIdleAndAbsoluteExpiry(t *testing.T) {
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	p := desk.DefaultAuthPolicy()
	b := e.browser()
	b.login("ann", testPassword)
	e.clock.Advance(p.SessionIdle - time.Minute)
	if a := b.get("/"); a.StatusCode != 200 {
		t.Fatalf("just inside the idle limit: %d", a.StatusCode)
	}
	e.clock.Advance(p.SessionIdle)
	if a := b.get("/account"); a.StatusCode != http.StatusSeeOther || !strings.HasPrefix(a.Header.Get("Location"), "/login") {
		t.Fatalf("idle session: %d %q", a.StatusCode, a.Header.Get("Location"))
	}
	// Used often, it still ends at the absolute limit.
	b.login("ann", testPassword)
	start := e.clock.Now()
	for e.clock.Now().Sub(start) < p.SessionMax-p.SessionIdle {
		e.clock.Advance(p.SessionIdle / 2)
		if a := b.get("/"); a.StatusCode != 200 {
			t.Fatalf("%v after login, in use: %d", e.clock.Now().Sub(start), a.StatusCode)
		}
	}
	e.clock.t = start.Add(p.SessionMax)
	if a := b.get("/"); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("at the absolute limit: %d", a.StatusCode)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	b := e.browser()
	b.login("ann", testPassword)
	secret := b.session()
	// Without the form token: refused, still logged in.
	if a := b.post("/logout", url.Values{}); a.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without the form token: %d", a.StatusCode)
	}
	a := b.post("/logout", url.Values{"csrf": {b.csrf("/")}})
	if a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/login" || !strings.Contains(a.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %q %q", a.StatusCode, a.Header.Get("Location"), a.Header.Get("Set-Cookie"))
	}
	again := e.browser()
	again.setSession(secret)
	if a := again.get("/"); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("the session works after logout: %d", a.StatusCode)
	}
	if _, _, err := e.store.GetSession(context.Background(), desk.HashSecret(secret)); err == nil {
		t.Fatal("the session is still in the store after logout")
	}
}

func TestDisabledUserStopsAtOnce(t *testing.T) {
	e := newEnv(t)
	e.user("boss", tickets.RoleAdmin)
	e.user("ann", tickets.RoleAgent)
	b := e.browser()
	b.login("ann", testPassword)
	tok := e.token("ann")
	if st, _, _ := e.api("GET", "/api/v1/me", tok, nil); st != 200 {
		t.Fatalf("token before disabling: %d", st)
	}
	// Disabled by another process (the CLI) on the same store.
	if _, err := e.accounts.DisableUser(context.Background(), cliAdmin, "ann"); err != nil {
		t.Fatal(err)
	}
	if a := b.get("/"); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabled user's session: %d", a.StatusCode)
	}
	st, body, hdr := e.api("GET", "/api/v1/me", tok, nil)
	checkAPIError(t, "disabled user's token", st, body, hdr, 401, "unauthenticated")
	if a := e.browser().post("/login", url.Values{"username": {"ann"}, "password": {testPassword}}); a.StatusCode != 401 {
		t.Fatalf("disabled user logs in: %d", a.StatusCode)
	}
}

func TestAPIAuthAndErrorShape(t *testing.T) {
	e := newEnv(t)
	e.user("boss", tickets.RoleAdmin)
	e.user("ann", tickets.RoleAgent)
	admin, agent := e.token("boss"), e.token("ann")
	revoked := e.token("ann")
	list, _ := e.accounts.ListTokens(context.Background(), cliAdmin)
	if err := e.accounts.RevokeToken(context.Background(), cliAdmin, list[len(list)-1].ID.String()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, method, path, token string
		status                    int
		code                      string
	}{
		{"no token", "GET", "/api/v1/me", "", 401, "unauthenticated"},
		{"a made-up token", "GET", "/api/v1/me", "intake_made-up", 401, "unauthenticated"},
		{"a revoked token", "GET", "/api/v1/me", revoked, 401, "unauthenticated"},
		{"an agent on users", "GET", "/api/v1/users", agent, 403, "forbidden"},
		{"an agent on tokens", "POST", "/api/v1/tokens", agent, 403, "forbidden"},
		{"an unknown call", "GET", "/api/v1/nothing", admin, 404, "not_found"},
		{"an unknown call, no token", "GET", "/api/v1/nothing", "", 401, "unauthenticated"},
		{"a bad body", "POST", "/api/v1/users", admin, 400, "bad_request"},
		{"an unknown user", "GET", "/api/v1/users/nobody", admin, 404, "not_found"},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]any{"nope": 1}
		}
		st, out, hdr := e.api(c.method, c.path, c.token, body)
		checkAPIError(t, c.what, st, out, hdr, c.status, c.code)
		if c.status == 401 && hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.what)
		}
	}
	// A session cookie is no API credential.
	b := e.browser()
	b.login("boss", testPassword)
	if a := b.get("/api/v1/me"); a.StatusCode != 401 {
		t.Fatalf("the API took a session cookie: %d", a.StatusCode)
	}
}

func TestAdminAPIUsersAndTokens(t *testing.T) {
	e := newEnv(t)
	e.user("boss", tickets.RoleAdmin)
	admin := e.token("boss")
	st, out, _ := e.api("POST", "/api/v1/users", admin, map[string]any{"name": "Cat", "roles": []string{"agent", "privacy"}})
	link, _ := out["setup_link"].(string)
	if st != 201 || !strings.HasPrefix(link, e.ts.URL+"/setup?token=") || out["user"].(map[string]any)["name"] != "cat" {
		t.Fatalf("add user: %d %v", st, out)
	}
	if st, _, _ := e.api("POST", "/api/v1/users", admin, map[string]any{"name": "cat", "roles": []string{"agent"}}); st != 409 {
		t.Fatalf("add cat twice: %d", st)
	}
	st, out, _ = e.api("POST", "/api/v1/tokens", admin, map[string]any{"user": "cat", "label": "script"})
	tok, _ := out["token"].(string)
	if st != 201 || !strings.HasPrefix(tok, desk.TokenPrefix) || out["user"] != "cat" || out["last_used"] != nil {
		t.Fatalf("create token: %d %v", st, out)
	}
	// Made while the server runs: works at once, and its use is recorded.
	if st, me, _ := e.api("GET", "/api/v1/me", tok, nil); st != 200 || me["name"] != "cat" {
		t.Fatalf("new token: %d %v", st, me)
	}
	st, out, _ = e.api("GET", "/api/v1/tokens", admin, nil)
	if next, ok := out["next"]; !ok || next != nil {
		t.Fatalf("list tokens: next = %v, want null", next)
	}
	toks := out["tokens"].([]any)
	last := toks[len(toks)-1].(map[string]any)
	if st != 200 || last["last_used"] == nil || last["revoked"] != nil || last["token"] != nil {
		t.Fatalf("list tokens: %d %v", st, out)
	}
	if strings.Contains(strings.ToLower(last["label"].(string)+last["id"].(string)), tok) {
		t.Fatal("the list shows a secret")
	}
	if st, _, _ := e.api("DELETE", "/api/v1/tokens/"+last["id"].(string), admin, nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	st, body, hdr := e.api("GET", "/api/v1/me", tok, nil)
	checkAPIError(t, "revoked token", st, body, hdr, 401, "unauthenticated")
	// Roles and disabling.
	st, out, _ = e.api("PATCH", "/api/v1/users/cat", admin, map[string]any{"roles": []string{"agent"}, "disabled": true})
	if st != 200 || out["disabled"] != true || len(out["roles"].([]any)) != 1 {
		t.Fatalf("patch: %d %v", st, out)
	}
	st, body, hdr = e.api("PATCH", "/api/v1/users/boss", admin, map[string]any{"disabled": true})
	checkAPIError(t, "disable the last admin", st, body, hdr, 409, "conflict")
	st, body, hdr = e.api("POST", "/api/v1/users", admin, map[string]any{"name": "dee", "roles": []string{"agent"}, "password": "short"})
	checkAPIError(t, "short password", st, body, hdr, 422, "invalid")
	// Every action is in the audit chain under the token's user.
	evs, _ := e.store.ListAudit(context.Background(), 0, 0)
	var got []string
	for _, ev := range evs {
		if ev.Actor == "user:boss" {
			got = append(got, ev.Action)
		}
	}
	want := "user.create user.setup_link token.create token.revoke user.roles user.disable"
	if strings.Join(got, " ") != want {
		t.Fatalf("audited as user:boss: %q, want %q", got, want)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	e := newEnv(t)
	e.user("boss", tickets.RoleAdmin)
	b := e.browser()
	b.login("boss", testPassword)
	token := b.csrf("/account")
	for _, c := range []struct {
		what, path string
		hdr        map[string]string
		form       url.Values
	}{
		{"login from another site", "/login", map[string]string{"Sec-Fetch-Site": "cross-site"}, url.Values{"username": {"boss"}, "password": {testPassword}}},
		{"login from a sibling subdomain", "/login", map[string]string{"Sec-Fetch-Site": "same-site"}, url.Values{"username": {"boss"}, "password": {testPassword}}},
		{"logout, Origin only", "/logout", map[string]string{"Origin": "http://evil.example"}, url.Values{"csrf": {token}}},
		{"password change", "/account", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, url.Values{"csrf": {token}, "current": {testPassword}, "new": {"evil evil evil evil"}, "new2": {"evil evil evil evil"}}},
		{"setup", "/setup", map[string]string{"Sec-Fetch-Site": "cross-site"}, url.Values{"token": {"x"}}},
	} {
		req, _ := http.NewRequest("POST", e.ts.URL+c.path, strings.NewReader(c.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range c.hdr {
			req.Header.Set(k, v)
		}
		a := b.do(req)
		if a.StatusCode != http.StatusForbidden || len(a.Cookies()) != 0 {
			t.Errorf("%s: %d, want 403", c.what, a.StatusCode)
		}
	}
	if a := b.get("/"); a.StatusCode != 200 {
		t.Fatalf("the cross-origin logout logged out: %d", a.StatusCode)
	}
	if _, err := e.accounts.Login(context.Background(), "boss", testPassword, "127.0.0.1", ""); err != nil {
		t.Fatalf("the cross-origin password change went through: %v", err)
	}
	// The API too, and its refusal is the JSON error.
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/tokens", strings.NewReader(`{"user":"boss"}`))
	req.Header.Set("Authorization", "Bearer "+e.token("boss"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	a := b.do(req)
	if a.StatusCode != 403 || !strings.Contains(a.body, `"code":"forbidden"`) {
		t.Fatalf("cross-site API POST: %d %s", a.StatusCode, a.body)
	}
	// A form token from another session is refused too.
	other := e.browser()
	other.login("boss", testPassword)
	if a := other.post("/logout", url.Values{"csrf": {token}}); a.StatusCode != http.StatusForbidden {
		t.Fatalf("another session's form token: %d", a.StatusCode)
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	b := e.browser()
	b.login("ann", testPassword)
	paths := []string{"/login", "/", "/account", "/no/such/page", "/static/app.css", "/setup?token=nope", "/api/v1/me"}
	for _, p := range paths {
		a := b.get(p)
		h := a.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", p, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", p, k, h.Get(k), v)
			}
		}
		cc := h.Get("Cache-Control")
		if p == "/static/app.css" {
			if strings.Contains(cc, "no-store") {
				t.Errorf("%s: an asset is not cacheable", p)
			}
		} else if cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", p, cc)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS on plain HTTP", p)
		}
	}
	// No page carries inline script or style, which the CSP would block.
	for _, p := range []string{"/login", "/", "/account"} {
		body := b.get(p).body
		for _, bad := range []string{"<script>", "style=", "<style", " on"} {
			if bad == " on" {
				if strings.Contains(body, " onclick") || strings.Contains(body, " onload") || strings.Contains(body, " onsubmit") {
					t.Errorf("%s: an inline event handler", p)
				}
				continue
			}
			if strings.Contains(body, bad) {
				t.Errorf("%s: holds %q, which the CSP blocks", p, bad)
			}
		}
	}
}

func TestStaticAssetsVersioned(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	page := b.get("/login").body
	for _, name := range []string{"app.css", "app.js", "icon.svg"} {
		i := strings.Index(page, "/static/"+name+"?v=")
		if i < 0 {
			t.Fatalf("the layout does not link %s with its version", name)
		}
		link := page[i:]
		link = link[:strings.IndexByte(link, '"')]
		a := b.get(link)
		if a.StatusCode != 200 || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") || a.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d %q", link, a.StatusCode, a.Header.Get("Cache-Control"))
		}
	}
	if a := b.get("/static/app.css?v=old"); a.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("an old version is cached for ever")
	}
	if a := b.get("/static/nope.css"); a.StatusCode != 404 {
		t.Errorf("unknown asset: %d", a.StatusCode)
	}
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	e := newEnv(t, func(w *config.Web) { w.BaseURL = "https://desk.example.org" })
	e.user("ann", tickets.RoleAgent)
	// The test client speaks HTTP to the test server; the proxy in front
	// would speak HTTPS. Look at the cookie the login sets.
	req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader(url.Values{"username": {"ann"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://desk.example.org") // the proxy keeps Origin; Host is ours
	a := e.browser().do(req)
	set := a.Header.Get("Set-Cookie")
	if a.StatusCode != http.StatusSeeOther || !strings.HasPrefix(set, "__Host-intake_session=") || !strings.Contains(set, "Secure") {
		t.Fatalf("login behind HTTPS: %d, Set-Cookie %q", a.StatusCode, set)
	}
	if a.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("no HSTS when staff come over HTTPS")
	}
}
