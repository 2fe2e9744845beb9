package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/tickets"
)

// adminOnly are the admin's pages: anyone else gets 403 on each.
var adminOnly = []string{"/admin/users", "/admin/tokens", "/admin/audit", "/admin/audit/verify", "/admin/config"}

// The admin pages answer the admin and refuse everyone else with 403;
// the navigation shows each person the links of their roles only; the
// report is the privacy officer's and the admin's; the notification
// settings are for those who work tickets.
func TestAdminPagesByRole(t *testing.T) {
	e := newEnv(t, func(w *config.Web) { w.NotifyDomains = []string{"staff.example"} })
	e.user("ada", tickets.RoleAdmin)
	e.user("ann", tickets.RoleAgent)
	e.user("pia", tickets.RolePrivacy)
	e.user("pam", tickets.RolePrivacy, tickets.RoleAdmin)

	navLinks := func(body string) string {
		var got []string
		for _, l := range []string{`href="/report"`, `href="/admin/users"`, `href="/settings"`} {
			if strings.Contains(body, l) {
				got = append(got, strings.TrimSuffix(strings.TrimPrefix(l, `href="/`), `"`))
			}
		}
		return strings.Join(got, " ")
	}
	for _, c := range []struct {
		user     string
		admin    bool
		report   bool
		settings bool
	}{
		{"ada", true, true, true},
		{"ann", false, false, true},
		{"pia", false, true, false},
		{"pam", true, true, true},
	} {
		b := e.browser()
		b.login(c.user, testPassword)
		for _, path := range adminOnly {
			a := b.get(path)
			if want := map[bool]int{true: 200, false: 403}[c.admin]; a.StatusCode != want {
				t.Errorf("%s GET %s: %d, want %d", c.user, path, a.StatusCode, want)
			}
		}
		if a := b.get("/report"); a.StatusCode != map[bool]int{true: 200, false: 403}[c.report] {
			t.Errorf("%s GET /report: %d", c.user, a.StatusCode)
		}
		if a := b.get("/settings"); a.StatusCode != map[bool]int{true: 200, false: 403}[c.settings] {
			t.Errorf("%s GET /settings: %d", c.user, a.StatusCode)
		}
		want := strings.TrimSpace(map[bool]string{true: "report"}[c.report] + " " + map[bool]string{true: "admin/users"}[c.admin] + " " + map[bool]string{true: "settings"}[c.settings])
		want = strings.Join(strings.Fields(want), " ")
		if got := navLinks(b.get("/account").body); got != want {
			t.Errorf("%s sees the links %q, want %q", c.user, got, want)
		}
		// A form posted by someone without the role changes nothing.
		if !c.admin {
			tok := b.csrf("/account")
			if a := b.post("/admin/users", url.Values{"csrf": {tok}, "name": {"mallory"}, "role": {"admin"}}); a.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST /admin/users: %d, want 403", c.user, a.StatusCode)
			}
		}
	}
	if _, err := e.store.GetUser(context.Background(), "mallory"); err == nil {
		t.Fatal("a non-admin made a user")
	}
}

// The configuration page shows what serve runs with, with every secret
// hidden (a smarthost password, the password in a PostgreSQL DSN).
func TestAdminConfigHidesSecrets(t *testing.T) {
	e := newEnv(t)
	e.user("ada", tickets.RoleAdmin)
	cfg := config.Default()
	cfg.DataDir = "/var/lib/intake"
	cfg.Reply.SmarthostPassword = "hunter2-smarthost"
	cfg.Store.DSN = "postgres://intake:pg-secret-pw@db.example.org/intake"
	e.srv.o.Config = cfg
	b := e.browser()
	b.login("ada", testPassword)
	a := b.get("/admin/config")
	if a.StatusCode != 200 {
		t.Fatalf("GET /admin/config: %d", a.StatusCode)
	}
	for _, secret := range []string{"hunter2-smarthost", "pg-secret-pw"} {
		if strings.Contains(a.body, secret) {
			t.Errorf("the configuration page shows a secret")
		}
	}
	for _, want := range []string{`smarthost_password = &#39;(hidden)&#39;`, "db.example.org", `data_dir = &#39;/var/lib/intake&#39;`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("the configuration page lacks %s", want)
		}
	}
}

// The notification settings form: an address outside notify_domains is
// refused with the form as typed; a good one is kept and shown again.
func TestSettingsForm(t *testing.T) {
	e := newEnv(t, func(w *config.Web) { w.NotifyDomains = []string{"staff.example"} })
	e.user("ann", tickets.RoleAgent)
	b := e.browser()
	b.login("ann", testPassword)
	tok := b.csrf("/settings")
	a := b.post("/settings", url.Values{"csrf": {tok}, "email": {"ann@elsewhere.example"}, "new_ticket": {"on"}})
	if a.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(a.body, "staff.example") || !strings.Contains(a.body, `value="ann@elsewhere.example"`) {
		t.Fatalf("an address elsewhere: %d\n%s", a.StatusCode, a.body)
	}
	a = b.post("/settings", url.Values{"csrf": {tok}, "email": {"ann@staff.example"}, "new_ticket": {"on"}, "queues": {"support, billing"}})
	if a.StatusCode != http.StatusSeeOther {
		t.Fatalf("a good address: %d %s", a.StatusCode, a.body)
	}
	a = b.get("/settings?done=1")
	for _, want := range []string{`value="ann@staff.example"`, `id="new_ticket" checked`, `value="billing, support"`, "are saved"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("the settings page lacks %s", want)
		}
	}
	if strings.Contains(a.body, `id="followup" checked`) {
		t.Error("follow-ups are on, though not asked for")
	}
	// The admin sees where ann's notifications go.
	e.user("ada", tickets.RoleAdmin)
	adm := e.browser()
	adm.login("ada", testPassword)
	users := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(adm.get("/admin/users").body, "")
	if !strings.Contains(users, "ann@staff.example") {
		t.Error("the users page does not show ann's notification address")
	}
}

// The report offers this quarter and the last one, as an auditor asks.
func TestReportQuickRanges(t *testing.T) {
	e := newEnv(t)
	e.clock.mu.Lock()
	e.clock.t = time.Date(2027, 5, 20, 15, 0, 0, 0, time.UTC) // ahead: the cookie's lifetime is counted in real time
	e.clock.mu.Unlock()
	e.user("pia", tickets.RolePrivacy)
	b := e.browser()
	b.login("pia", testPassword)
	a := b.get("/report")
	for _, want := range []string{
		`href="/report?period=month&amp;since=2027-04-01&amp;until=2027-07-01">This quarter`,
		`href="/report?period=month&amp;since=2027-01-01&amp;until=2027-04-01">Last quarter`,
		`value="2027-03-01"`, // the default: three months to the end of this one
	} {
		if !strings.Contains(a.body, want) {
			t.Errorf("the report page lacks %s", want)
		}
	}
}

// The audit page's filters: by ticket, by action, by time; a time it
// cannot read is said, not ignored.
func TestAdminAuditFilters(t *testing.T) {
	e := newEnv(t)
	e.user("ada", tickets.RoleAdmin)
	one := e.file(mail{subject: "First", body: "hello"})
	e.clock.Advance(time.Hour)
	two := e.file(mail{subject: "Second", body: "hello again"})
	b := e.browser()
	b.login("ada", testPassword)
	rows := func(path string) string {
		t.Helper()
		a := b.get(path)
		if a.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, a.StatusCode)
		}
		var out []string
		for _, m := range regexp.MustCompile(`<td class="a-action"><code>([a-z_.]+)</code></td>\s*<td>(?:<a class="ref" href="/t/[^"]+">([^<]+)</a>)?`).FindAllStringSubmatch(a.body, -1) {
			out = append(out, m[1]+" "+m[2])
		}
		return strings.Join(out, "; ")
	}
	if got := rows("/admin/audit?ref=" + two.Ref); got != "ticket.create "+two.Ref {
		t.Errorf("the events of %s: %s", two.Ref, got)
	}
	if got := rows("/admin/audit?action=ticket.create"); got != "ticket.create "+two.Ref+"; ticket.create "+one.Ref {
		t.Errorf("ticket.create events: %s", got)
	}
	until := e.clock.Now().Add(-30 * time.Minute).UTC().Format("2006-01-02T15:04")
	if got := rows("/admin/audit?action=ticket.create&until=" + url.QueryEscape(until)); got != "ticket.create "+one.Ref {
		t.Errorf("ticket.create events until %s: %s", until, got)
	}
	if a := b.get("/admin/audit?since=yesterday"); a.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "From must be a date") {
		t.Errorf("an unreadable time: %d", a.StatusCode)
	}
}
