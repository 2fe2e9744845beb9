package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/internal/browsertest"
	"github.com/intake-mail/intake/tickets"
)

// browserLogin logs the browser in through the form as name.
func browserLogin(b *browsertest.Browser, base, name string) { b.LogIn(base, name, staffPassword) }

// userState reads name's roles and state as `intake user list --json`
// prints them.
func (s *staffServe) userState(t *testing.T, name string) (roles string, disabled bool) {
	t.Helper()
	code, out, errOut := s.cli(t, "", "user", "list", "--json")
	if code != 0 {
		t.Fatalf("user list: %d %s", code, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var u struct {
			Name     string   `json:"name"`
			Roles    []string `json:"roles"`
			Disabled bool     `json:"disabled"`
		}
		if err := json.Unmarshal([]byte(line), &u); err == nil && u.Name == name {
			return strings.Join(u.Roles, ","), u.Disabled
		}
	}
	t.Fatalf("user list has no %s:\n%s", name, out)
	return "", false
}

// TestServeAdminInBrowser is the admin's day in Chromium against serve:
// add a user (a one-time link is shown), set roles, make a new password
// link, disable the account; make an API token (shown once, it works),
// revoke it (it stops); filter the audit log and find each of those
// actions under the admin's name; verify the chain (intact, counting
// what the CLI counts). An agent sees no admin link and gets 403.
func TestServeAdminInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	s := startStaffServe(t)
	s.addStaff(t, "root", "admin")
	s.addStaff(t, "ann", "agent")
	browserLogin(b, s.web, "root")

	// Users.
	b.Do("the users page", chromedp.Click(chromedp.CSS(`.main-nav a[href="/admin/users"]`)), chromedp.WaitVisible(chromedp.ID("users")), browsertest.Loaded())
	b.Do("add carol, an agent",
		chromedp.SendKeys(chromedp.ID("new-name"), "carol"),
		chromedp.Click(chromedp.CSS(`#add-user input[value="agent"]`)),
		chromedp.Click(chromedp.CSS(`#add-user button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("setup-link")), browsertest.Loaded())
	b.Screenshot("1-user-added")
	link := browsertest.Eval[string](b, `document.getElementById("setup-link").value`)
	if !strings.HasPrefix(link, s.web+"/setup?token=") {
		t.Fatalf("the setup link shown is %q", link)
	}
	if roles, disabled := s.userState(t, "carol"); roles != "agent" || disabled {
		t.Fatalf("carol after add: roles %q disabled %v", roles, disabled)
	}
	b.Do("give carol the privacy role too",
		chromedp.Navigate(s.web+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users")),
		chromedp.Click(chromedp.CSS(`tr[data-user="carol"] input[value="privacy"]`)),
		chromedp.Click(chromedp.CSS(`tr[data-user="carol"] .roles-form button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice-done")), browsertest.Loaded())
	if roles, _ := s.userState(t, "carol"); roles != "agent,privacy" {
		t.Fatalf("carol's roles after the change: %q", roles)
	}
	b.Do("a new password link for carol",
		chromedp.Click(chromedp.CSS(`tr[data-user="carol"] button.reset-link`)),
		chromedp.WaitVisible(chromedp.ID("setup-link")), browsertest.Loaded())
	if again := browsertest.Eval[string](b, `document.getElementById("setup-link").value`); again == link || !strings.HasPrefix(again, s.web+"/setup?token=") {
		t.Fatalf("the reset link %q (the first was %q)", again, link)
	}
	b.Do("disable carol",
		chromedp.Navigate(s.web+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users")),
		chromedp.Click(chromedp.CSS(`tr[data-user="carol"] button.disable`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-user="carol"] button.enable`)), browsertest.Loaded())
	if _, disabled := s.userState(t, "carol"); !disabled {
		t.Fatal("carol is not disabled")
	}
	b.Screenshot("2-users")

	// The last admin cannot lock everyone out.
	b.Do("root takes away their own admin role",
		chromedp.Click(chromedp.CSS(`tr[data-user="root"] input[value="admin"]`)),
		chromedp.Click(chromedp.CSS(`tr[data-user="root"] input[value="agent"]`)),
		chromedp.Click(chromedp.CSS(`tr[data-user="root"] .roles-form button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice-problem")), browsertest.Loaded())
	if p := browsertest.Eval[string](b, `document.querySelector(".notice-problem").innerText`); !strings.Contains(p, "last enabled admin") {
		t.Fatalf("the refusal says %q", p)
	}

	// Tokens.
	b.Do("make a token for ann",
		chromedp.Navigate(s.web+"/admin/tokens"), chromedp.WaitVisible(chromedp.ID("make-token")),
		chromedp.SetValue(chromedp.ID("token-user"), "ann"),
		chromedp.SendKeys(chromedp.ID("token-label"), "nightly export"),
		chromedp.Click(chromedp.CSS(`#make-token button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("new-token")), browsertest.Loaded())
	tok := browsertest.Eval[string](b, `document.getElementById("new-token").value`)
	if !strings.HasPrefix(tok, "intake_") {
		t.Fatalf("the token shown is %q", tok)
	}
	if code, body := apiGet(t, s.web, "/api/v1/me", tok); code != 200 || !strings.Contains(string(body), `"ann"`) {
		t.Fatalf("the new token: %d %s", code, body)
	}
	b.Screenshot("3-token")
	b.Do("open the tokens page again", chromedp.Navigate(s.web+"/admin/tokens"), chromedp.WaitVisible(chromedp.ID("tokens")))
	if strings.Contains(browsertest.Eval[string](b, `document.documentElement.outerHTML`), tok) {
		t.Fatal("the token is shown a second time")
	}
	b.Do("revoke it",
		chromedp.Click(chromedp.CSS(`#tokens button.revoke`)),
		chromedp.WaitVisible(chromedp.CSS(".notice-done")), browsertest.Loaded())
	if code, _ := apiGet(t, s.web, "/api/v1/me", tok); code != http.StatusUnauthorized {
		t.Fatalf("the revoked token answers %d", code)
	}

	// The audit log, filtered.
	b.Do("the audit log", chromedp.Navigate(s.web+"/admin/audit"), chromedp.WaitVisible(chromedp.ID("audit")))
	b.Do("filter: root's role changes",
		chromedp.SendKeys(chromedp.ID("a-actor"), "user:root"),
		chromedp.SendKeys(chromedp.ID("a-action"), "user.roles"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("filtered")), browsertest.Loaded())
	rows := browsertest.Eval[[]string](b, `[...document.querySelectorAll("#audit tbody tr")].map(r => r.querySelector(".a-actor").innerText + " " + r.querySelector(".a-action").innerText + " " + r.querySelector(".a-detail").innerText)`)
	if len(rows) != 1 || rows[0] != "user:root user.roles from=agent to=agent,privacy user=carol" {
		t.Fatalf("root's user.roles events: %q", rows)
	}
	b.Screenshot("4-audit-filtered")
	b.Do("filter: everything root did", chromedp.Navigate(s.web+"/admin/audit?actor=user:root"), chromedp.WaitVisible(chromedp.ID("audit")))
	actions := browsertest.Eval[[]string](b, `[...document.querySelectorAll("#audit .a-action")].map(e => e.innerText)`)
	want := []string{"token.revoke", "token.create", "user.disable", "user.setup_link", "user.roles", "user.setup_link", "user.create", "user.login"}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Fatalf("root's actions, newest first: %q, want %q", actions, want)
	}

	// Verify: intact, with the count the CLI gives.
	b.Do("verify", chromedp.Click(chromedp.ID("verify-link")), chromedp.WaitVisible(chromedp.ID("verify")), browsertest.Loaded())
	b.Screenshot("5-verify-intact")
	if h := browsertest.Eval[string](b, `document.getElementById("verify-title").innerText`); h != "The audit chain is intact" {
		t.Fatalf("verify says %q", h)
	}
	pageEvents := browsertest.Eval[string](b, `document.getElementById("verify-events").innerText`)
	code, out, _ := s.cli(t, "", "audit", "verify")
	if code != 0 || !strings.Contains(out, "intact: "+pageEvents+" events") {
		t.Fatalf("the page counts %s events; audit verify: %d %s", pageEvents, code, out)
	}

	// The configuration serve runs with.
	b.Do("the configuration", chromedp.Navigate(s.web+"/admin/config"), chromedp.WaitVisible(chromedp.ID("config")))
	if conf := browsertest.Eval[string](b, `document.getElementById("config").innerText`); !strings.Contains(conf, "data_dir = '"+s.cfg.DataDir+"'") || !strings.Contains(conf, "[web]") {
		t.Fatalf("the configuration page shows:\n%s", conf)
	}

	// An agent: no admin link, 403 on every admin page.
	b.Do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("username")), browsertest.Loaded())
	browserLogin(b, s.web, "ann")
	if n := browsertest.Eval[int](b, `document.querySelectorAll('a[href^="/admin"], a[href="/report"]').length`); n != 0 {
		t.Fatalf("the agent sees %d admin or report links", n)
	}
	for _, path := range []string{"/admin/users", "/admin/tokens", "/admin/audit", "/admin/audit/verify", "/admin/config", "/report"} {
		var status int64
		b.Do("open "+path, chromedp.Navigate(s.web+path), chromedp.WaitVisible(chromedp.ID("main")))
		status = int64(browsertest.Eval[int](b, `performance.getEntriesByType("navigation")[0].responseStatus`))
		if status != http.StatusForbidden {
			t.Errorf("the agent opens %s: %d, want 403", path, status)
		}
	}
	b.Screenshot("6-agent-403")
	b.NoConsoleErrors(regexp.MustCompile(`status of 40[139]`))
}

// TestServeAuditTamperShows edits one audit event and deletes another in
// the database serve is using, and sees the chain reported broken in the
// admin's browser (with the first broken link) and by the CLI: `audit
// verify` exits 1 naming both, and `audit list` shows the forged value
// and the gap.
func TestServeAuditTamperShows(t *testing.T) {
	b := browsertest.Start(t)
	s := startStaffServe(t)
	s.addStaff(t, "root", "admin")
	for _, n := range []string{"ann", "bob", "cat"} {
		s.addStaff(t, n, "agent")
	}
	raw, _ := memberMail("alan@member.test", "Alan Turing", "Change of address", "I moved to Bletchley Park.")
	s.mailRaw(t, "alan@member.test", raw)

	code, out, errOut := s.cli(t, "", "audit", "list", "--json", "--action", "user.create")
	if code != 0 {
		t.Fatalf("audit list: %d %s", code, errOut)
	}
	var created []tickets.AuditEvent
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e tickets.AuditEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit list --json line %q: %v", line, err)
		}
		created = append(created, e)
	}
	if len(created) != 4 || created[0].Detail["user"] != "cat" || created[3].Detail["user"] != "root" {
		t.Fatalf("user.create events, newest first: %+v", created)
	}
	edited, deleted := created[2].Seq, created[1].Seq // ann's made an admin; bob's gone

	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.cfg.DataDir, tickets.DBFile)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit SET detail = REPLACE(detail, '"roles":"agent"', '"roles":"admin"') WHERE seq = ?`, edited); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM audit WHERE seq = ?`, deleted); err != nil {
		t.Fatal(err)
	}

	browserLogin(b, s.web, "root")
	b.Do("verify", chromedp.Navigate(s.web+"/admin/audit/verify"), chromedp.WaitVisible(chromedp.ID("verify")))
	b.Screenshot("verify-broken")
	if h := browsertest.Eval[string](b, `document.getElementById("verify-title").innerText`); h != "The audit chain is BROKEN" {
		t.Fatalf("verify says %q", h)
	}
	first := browsertest.Eval[string](b, `document.getElementById("first-broken").innerText`)
	if !strings.HasPrefix(first, "seq "+strconv.FormatInt(edited, 10)+":") {
		t.Fatalf("the first broken link shown is %q, want seq %d (the edited one)", first, edited)
	}

	code, out, _ = s.cli(t, "", "audit", "verify")
	if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "seq "+strconv.FormatInt(edited, 10)) || !strings.Contains(out, strconv.FormatInt(deleted, 10)) {
		t.Fatalf("audit verify: exit %d\n%s", code, out)
	}
	code, out, _ = s.cli(t, "", "audit", "list", "--action", "user.create")
	if code != 0 {
		t.Fatalf("audit list: %d", code)
	}
	if !strings.Contains(out, "roles=admin user=ann") || strings.Contains(out, "user=bob") {
		t.Fatalf("audit list does not show the forgery and the gap:\n%s", out)
	}
	b.NoConsoleErrors()
}
