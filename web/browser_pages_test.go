package web

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/internal/browsertest"
)

// loginIn logs the browser in through the form.
func loginIn(b *browsertest.Browser, base, name string) {
	b.Do("log in as "+name,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".who-name")))
}

// TestBrowserPagesLook renders the queue and two tickets of a working
// day's queue in light and dark, and saves screenshots for a person to
// look at (INTAKE_ARTIFACTS keeps them). It checks what a glance would:
// nothing is wider than the window, every control is labelled, the
// stylesheet applied and the console is clean.
func TestBrowserPagesLook(t *testing.T) {
	b := browsertest.Start(t)
	e, _ := staffEnv(t)
	refs := sampleQueue(t, e)
	loginIn(b, e.ts.URL, "ann")

	shots := []struct{ name, path string }{
		{"queue", "/?view=all"},
		{"queue-empty", "/?view=mine"},
		{"ticket-sensitive", "/t/" + refs["sensitive"]},
		{"ticket-thread", "/t/" + refs["assigned"]},
		{"ticket-withheld", "/t/" + refs["withheld"]},
		{"ticket-long", "/t/" + refs["long"]},
	}
	for _, s := range shots {
		b.Do("open "+s.name, chromedp.Navigate(e.ts.URL+s.path), chromedp.WaitVisible(chromedp.ID("main")))
		for _, scheme := range []string{"light", "dark"} {
			b.Do(scheme, browsertest.ColorScheme(scheme))
			b.Screenshot(s.name + "-" + scheme)
		}
		b.Do("light", browsertest.ColorScheme("light"))
		if w := browsertest.Eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
			t.Errorf("%s: the page is %dpx wider than the window", s.name, w)
		}
		unlabelled := browsertest.Eval[[]string](b, `Array.from(document.querySelectorAll("input:not([type=hidden]):not([hidden]), textarea, select"))
			.filter(el => !el.labels || el.labels.length === 0).map(el => el.name)`)
		if len(unlabelled) > 0 {
			t.Errorf("%s: controls without a label: %v", s.name, unlabelled)
		}
	}
	// A narrow window (a laptop split in two) still fits.
	b.Do("narrow", chromedp.EmulateViewport(720, 900), chromedp.Navigate(e.ts.URL+"/t/"+url.PathEscape(refs["long"])), chromedp.WaitVisible(chromedp.ID("main")))
	b.Screenshot("ticket-long-narrow")
	if w := browsertest.Eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		t.Errorf("narrow ticket: the page is %dpx wider than the window", w)
	}
	b.NoConsoleErrors(regexp.MustCompile(`status of 40[34]`))
}
