package web

import (
	"context"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/internal/browsertest"
	"github.com/intake-mail/intake/tickets"
)

// TestBrowserAdminPagesLook renders the admin's pages, the report and the
// notification settings in light and dark over a working day's queue,
// saves screenshots for a person to look at, and checks what a glance
// would: text contrast (WCAG AA), nothing wider than the window, every
// control labelled, the report's charts drawn without a script, and a
// clean console.
func TestBrowserAdminPagesLook(t *testing.T) {
	b := browsertest.Start(t)
	e := newEnv(t, func(w *config.Web) { w.NotifyDomains = []string{"staff.example"} })
	e.user("ann", tickets.RoleAgent)
	e.user("bob", tickets.RoleAgent)
	e.user("pat", tickets.RolePrivacy)
	e.user("root", tickets.RoleAdmin, tickets.RolePrivacy)
	sampleQueue(t, e)
	e.token("ann")
	if _, err := e.accounts.CreateToken(context.Background(), cliAdmin, "bob", "monitoring"); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Reply.SmarthostPassword = "/var/lib/intake", "relay-password"
	e.srv.o.Config = cfg
	loginIn(b, e.ts.URL, "root")

	shots := []struct{ name, path, wait string }{
		{"admin-users", "/admin/users", "#users"},
		{"admin-tokens", "/admin/tokens", "#tokens"},
		{"admin-audit", "/admin/audit", "#audit"},
		{"admin-verify", "/admin/audit/verify", "#verify"},
		{"admin-config", "/admin/config", "#config"},
		{"report", "/report", "#report-table"},
		{"settings", "/settings", "#notify-form"},
	}
	for _, s := range shots {
		b.Do("open "+s.name, chromedp.Navigate(e.ts.URL+s.path), chromedp.WaitVisible(chromedp.CSS(s.wait)))
		lookAt(t, b, s.name)
	}
	b.Do("report", chromedp.Navigate(e.ts.URL+"/report"), chromedp.WaitVisible(chromedp.ID("report-table")))
	if n := browsertest.Eval[int](b, `document.querySelectorAll("svg.bars rect.bar").length`); n == 0 {
		t.Error("the report draws no bars")
	}
	if h := browsertest.Eval[float64](b, `Math.max(...[...document.querySelectorAll("#chart-messages rect.bar")].map(r => r.getBoundingClientRect().height))`); h < 20 {
		t.Errorf("the tallest bar of the messages chart is %.0fpx high", h)
	}
	b.NoConsoleErrors(regexp.MustCompile(`status of 40[34]`))
}
