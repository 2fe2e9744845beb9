package web

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/internal/browsertest"
)

// loginIn logs the browser in through the form.
func loginIn(b *browsertest.Browser, base, name string) { b.LogIn(base, name, testPassword) }

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
		lookAt(t, b, s.name)
	}
	// A narrow window (a laptop split in two) still fits.
	b.Do("narrow", chromedp.EmulateViewport(720, 900), chromedp.Navigate(e.ts.URL+"/t/"+url.PathEscape(refs["long"])), chromedp.WaitVisible(chromedp.ID("main")))
	b.Screenshot("ticket-long-narrow")
	if w := browsertest.Eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		t.Errorf("narrow ticket: the page is %dpx wider than the window", w)
	}
	b.NoConsoleErrors(regexp.MustCompile(`status of 40[34]`))
}

// lookAt checks the open page as a glance would, in light and dark, with
// a screenshot of each: text contrast (WCAG AA), nothing wider than the
// window, no table cut off in its box, every control labelled.
func lookAt(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		b.Do(scheme, browsertest.ColorScheme(scheme))
		b.Screenshot(name + "-" + scheme)
		for _, low := range browsertest.Eval[[]string](b, lowContrastJS) {
			t.Errorf("%s, %s: contrast below WCAG AA: %s", name, scheme, low)
		}
	}
	b.Do("light", browsertest.ColorScheme("light"))
	if w := browsertest.Eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		t.Errorf("%s: the page is %dpx wider than the window", name, w)
	}
	if w := browsertest.Eval[int](b, `(w => w ? w.scrollWidth - w.clientWidth : 0)(document.querySelector(".table-wrap"))`); w > 0 {
		t.Errorf("%s: the table is %dpx wider than its box (a column is cut off)", name, w)
	}
	unlabelled := browsertest.Eval[[]string](b, `Array.from(document.querySelectorAll("input:not([type=hidden]):not([hidden]), textarea, select"))
		.filter(el => !el.labels || el.labels.length === 0).map(el => el.name)`)
	if len(unlabelled) > 0 {
		t.Errorf("%s: controls without a label: %v", name, unlabelled)
	}
}

// lowContrastJS lists the visible elements whose own text has a contrast
// ratio below 4.5:1 (WCAG 2 AA for body text) against the background it
// is drawn on (the nearest ancestor's opaque background).
const lowContrastJS = `(() => {
	const parse = c => {
		const p = c.match(/[\d.]+/g).map(Number);
		return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
	};
	const lum = ({r, g, b}) => {
		const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	const background = el => {
		for (let e = el; e; e = e.parentElement) {
			const c = parse(getComputedStyle(e).backgroundColor);
			if (c.a > 0.5) return c;
		}
		return {r: 255, g: 255, b: 255, a: 1};
	};
	const out = [];
	for (const el of document.querySelectorAll("body *")) {
		if (el.getClientRects().length === 0 || el.closest("dialog:not([open]), .sr-only")) continue;
		if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
		const fg = parse(getComputedStyle(el).color), bg = background(el);
		const l1 = lum(fg), l2 = lum(bg);
		const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
		if (ratio < 4.5) out.push(el.tagName.toLowerCase() + "." + el.className + " " + ratio.toFixed(2) + ":1 (" + el.textContent.trim().slice(0, 30) + ")");
	}
	return out;
})()`
