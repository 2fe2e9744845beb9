package web

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/internal/browsertest"
)

// TestBrowserFirstAdminLoginLogout is the smoke test in a real Chromium:
// the first-run setup link creates the admin and logs them in; they log
// out, fail a login, log in through the form and see the queue page. The
// screenshots are for a person to look at (see browsertest.ArtifactDir).
func TestBrowserFirstAdminLoginLogout(t *testing.T) {
	b := browsertest.Start(t)
	e := newEnv(t)
	link, ok, err := e.srv.FirstRunLink(context.Background())
	if err != nil || !ok {
		t.Fatalf("first-run link: %v %v", ok, err)
	}
	whoIs := chromedp.CSS(".who-name")

	b.Do("open the setup link",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("username")))
	b.Screenshot("1-setup")
	b.Do("create the first admin",
		chromedp.SendKeys(chromedp.ID("username"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.SendKeys(chromedp.ID("password2"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(whoIs), browsertest.Loaded())
	if who := browsertest.Eval[string](b, `document.querySelector(".who-name").textContent`); who != "admin" {
		t.Fatalf("after setup the queue names %q", who)
	}
	// The session cookie is out of reach of scripts.
	if c := browsertest.Eval[string](b, `document.cookie`); c != "" {
		t.Fatalf("document.cookie = %q: the session cookie is not HttpOnly", c)
	}

	b.Do("log out",
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("password")), browsertest.Loaded())
	if loc := b.Location(); !strings.HasSuffix(loc, "/login") {
		t.Fatalf("after logout at %s", loc)
	}
	b.Do("a wrong password",
		chromedp.SendKeys(chromedp.ID("username"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), "not the password"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice-problem")), browsertest.Loaded())
	b.Screenshot("2-login-failed")
	// The name typed stays; the password does not.
	if v := browsertest.Eval[string](b, `document.getElementById("username").value + "|" + document.getElementById("password").value`); v != "admin|" {
		t.Fatalf("the form after a failure holds %q", v)
	}
	b.Do("log in through the form",
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(whoIs), browsertest.Loaded())
	if loc := b.Location(); loc != e.ts.URL+"/" {
		t.Fatalf("after login at %s", loc)
	}
	b.Screenshot("3-queue")

	// Keyboard: the first Tab lands on the skip link, and focus shows.
	b.Do("tab", chromedp.KeyEvent("\t"))
	focus := browsertest.Eval[string](b, `document.activeElement.className + "|" + getComputedStyle(document.activeElement).outlineStyle`)
	if focus != "skip|solid" {
		t.Errorf("after one Tab the focus is %q, want the skip link with a visible outline", focus)
	}

	// Keys a selector could choke on reach the shortcut script harmlessly.
	b.Do("odd keys", chromedp.KeyEvent(`"]\'[`))

	b.Do("the account page",
		chromedp.Navigate(e.ts.URL+"/account"),
		chromedp.WaitVisible(chromedp.ID("current")))
	b.Screenshot("4-account")
	b.Do("dark", browsertest.ColorScheme("dark"))
	b.Screenshot("5-account-dark")
	b.Do("light", browsertest.ColorScheme("light"))
	// Every control has its label.
	unlabelled := browsertest.Eval[[]string](b, `Array.from(document.querySelectorAll("input:not([type=hidden]):not([hidden]), textarea, select"))
		.filter(el => !el.labels || el.labels.length === 0).map(el => el.name)`)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}
	// The stylesheet and the script loaded (a CSP mistake would block them).
	if n := browsertest.Eval[int](b, `document.styleSheets.length`); n != 1 {
		t.Errorf("%d stylesheets applied, want 1", n)
	}
	// The failed login answered 401, which Chromium notes; nothing else.
	b.NoConsoleErrors(regexp.MustCompile(`status of 401`))
}
