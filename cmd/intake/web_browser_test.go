package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/internal/browsertest"
	"github.com/intake-mail/intake/internal/leakcheck"
)

// TestServeFirstRunInBrowser is the README's first login: serve starts on
// an empty data directory, logs one line with a one-time setup link, and
// that link, opened in Chromium, creates the first admin and lands on the
// queue, where the mail that came in meanwhile waits.
func TestServeFirstRunInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	s := startStaffServe(t)
	link := s.setupLink(t)
	if !strings.HasPrefix(link, s.web+"/setup?token=") {
		t.Fatalf("the setup link %q is not under the web's address %s", link, s.web)
	}
	raw, _ := memberMail("grace@member.test", "Grace Hopper", "Statement for March", "Could you send me the statement for March?")
	ref := s.mailRaw(t, "grace@member.test", raw)

	b.Do("open the setup link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("username")))
	b.Screenshot("1-setup")
	b.Do("create the first admin",
		chromedp.SendKeys(chromedp.ID("username"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), staffPassword),
		chromedp.SendKeys(chromedp.ID("password2"), staffPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.queue")), browsertest.Loaded())
	if loc := b.Location(); loc != s.web+"/" {
		t.Fatalf("after setup at %s, want the queue", loc)
	}
	if who := browsertest.Eval[string](b, `document.querySelector(".who-name").textContent`); who != "admin" {
		t.Fatalf("logged in as %q", who)
	}
	if row := browsertest.Eval[string](b, `document.querySelector("table.queue tbody").innerText`); !strings.Contains(row, ref) || !strings.Contains(row, "Statement for March") {
		t.Fatalf("the queue does not show %s: %q", ref, row)
	}
	b.Screenshot("2-queue")
	// The link worked once.
	b.Do("the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("main")))
	if body := browsertest.Eval[string](b, `document.body.innerText`); !strings.Contains(body, "unknown, used or expired") {
		t.Fatalf("the setup link worked twice: %q", body)
	}
	b.NoConsoleErrors(regexp.MustCompile(`status of 404`))
}

// TestServeStaffWorkInBrowser takes a ticket from arrival to pending in
// Chromium, against serve: mail with an SSN arrives over SMTP; an agent
// logs in, finds it in the queue from the keyboard, sees the number
// masked and never whole (in the text on screen and in the page's
// source), adds a note, replies (the reply reaches the smarthost threaded
// to the member's mail), has a reply holding a card number refused with
// the text kept, and sets the status.
func TestServeStaffWorkInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	s := startStaffServe(t)
	s.addStaff(t, "ann", "agent")
	ssn := leakcheck.New(leakcheck.Digits(e2eSSN))

	clean, _ := memberMail("alan@member.test", "Alan Turing", "Change of address", "I moved to Bletchley Park.")
	s.mailRaw(t, "alan@member.test", clean)
	raw, memberID := memberMail("margaret@member.test", "Margaret Hamilton", "Question about my account",
		"Hello,\n\nmy SSN is "+e2eSSN+" and I cannot log in.\nPlease help.\n\nMargaret")
	ref := s.mailRaw(t, "margaret@member.test", raw)

	// pageLeaks reads what is on screen and the page as served.
	pageLeaks := func(what string) {
		t.Helper()
		text := browsertest.Eval[string](b, `document.body.innerText`)
		dom := browsertest.Eval[string](b, `document.documentElement.outerHTML`)
		src := browsertest.Eval[string](b, `fetch(location.href).then(r => r.text())`, chromedp.EvalAwaitPromise)
		rep := ssn.NewReport()
		rep.Bytes(what+" (text on screen)", []byte(text))
		rep.Bytes(what+" (DOM)", []byte(dom))
		rep.Bytes(what+" (source)", []byte(src))
		rep.Fail(t)
		if !strings.Contains(src, "<html") {
			t.Fatalf("%s: the page's source could not be read", what)
		}
	}

	b.Do("log in",
		chromedp.Navigate(s.web+"/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "ann"),
		chromedp.SendKeys(chromedp.ID("password"), staffPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS("table.queue")), browsertest.Loaded())
	queue := browsertest.Eval[string](b, `document.querySelector("table.queue tbody").innerText`)
	if !strings.Contains(queue, ref) || !strings.Contains(queue, "sensitive number removed") {
		t.Fatalf("the queue does not show %s with its badge: %q", ref, queue)
	}
	pageLeaks("the queue")

	// The queue from the keyboard alone: j and k move, o opens.
	active := func() string {
		return browsertest.Eval[string](b, `(document.activeElement.getAttribute("href") || "") + "|" + getComputedStyle(document.activeElement).outlineStyle`)
	}
	b.Do("j", browsertest.Press("j"))
	if a := active(); a != "/t/"+ref+"|solid" {
		t.Fatalf("after j the focus is %q, want the first row (%s) with a visible outline", a, ref)
	}
	b.Do("j", browsertest.Press("j"))
	if a := active(); a == "/t/"+ref+"|solid" || !strings.HasPrefix(a, "/t/T-") {
		t.Fatalf("after j j the focus is %q, want the second row", a)
	}
	b.Do("j again", browsertest.Press("j"))
	if a := active(); a == "/t/"+ref+"|solid" || !strings.HasPrefix(a, "/t/T-") {
		t.Fatalf("j on the last row moved the focus to %q", a)
	}
	b.Do("k o", browsertest.Press("k"), browsertest.Press("o"), chromedp.WaitVisible(chromedp.ID("reply-text")), browsertest.Loaded())
	if loc := b.Location(); loc != s.web+"/t/"+ref {
		t.Fatalf("o opened %s, want /t/%s", loc, ref)
	}
	b.Do("u back, j, Enter", browsertest.Press("u"), chromedp.WaitVisible(chromedp.CSS("table.queue")), browsertest.Loaded(),
		browsertest.Press("j"), browsertest.Press("\r"), chromedp.WaitVisible(chromedp.ID("reply-text")), browsertest.Loaded())
	if loc := b.Location(); loc != s.web+"/t/"+ref {
		t.Fatalf("Enter opened %s", loc)
	}
	b.Do("? opens the help", browsertest.Press("?"))
	if !browsertest.Eval[bool](b, `document.getElementById("help").open`) {
		t.Fatal("? did not open the help")
	}
	b.Screenshot("help")
	b.Do("Esc closes it", browsertest.Press("\x1b"))
	if browsertest.Eval[bool](b, `document.getElementById("help").open`) {
		t.Fatal("Esc did not close the help")
	}

	// The masked number, never the full one.
	thread := browsertest.Eval[string](b, `document.querySelector(".thread").innerText`)
	for _, want := range []string{"***-**-8350", "SSN or ITIN", "ending 8350", "sender verified", "Margaret Hamilton", "I cannot log in."} {
		if !strings.Contains(thread, want) {
			t.Errorf("the thread lacks %q", want)
		}
	}
	pageLeaks("the ticket")
	b.Screenshot("ticket-light")
	b.Do("dark", browsertest.ColorScheme("dark"))
	b.Screenshot("ticket-dark")
	b.Do("light", browsertest.ColorScheme("light"))

	// A note, from the keyboard: n, type, then the button.
	b.Do("n", browsertest.Press("n"))
	if id := browsertest.Eval[string](b, `document.activeElement.id`); id != "note-text" {
		t.Fatalf("n focused %q", id)
	}
	b.Do("write a note", chromedp.KeyEvent("Called her back; she will log in again."),
		chromedp.Click(chromedp.CSS(`form[action$="/note"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".msg-note")), chromedp.WaitVisible(chromedp.CSS(".notice-done")), browsertest.Loaded())
	if note := browsertest.Eval[string](b, `[...document.querySelectorAll(".msg-note .msg-text")].map(e => e.innerText).join("|")`); note != "Called her back; she will log in again." {
		t.Fatalf("the note shows %q", note)
	}

	// A reply: r, type, send; it reaches the smarthost threaded.
	b.Do("r", browsertest.Press("r"))
	if id := browsertest.Eval[string](b, `document.activeElement.id`); id != "reply-text" {
		t.Fatalf("r focused %q", id)
	}
	b.Do("write a reply", chromedp.KeyEvent("Dear Margaret, your login works again."),
		chromedp.Click(chromedp.CSS(`form[action$="/reply"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".msg-reply")), chromedp.WaitVisible(chromedp.CSS(".notice-done")))
	sent := s.relayedWith(t, "your login works again")
	msg, err := mail.ReadMessage(bytes.NewReader(sent.data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	if sent.to != "margaret@member.test" || !strings.Contains(h.Get("Subject"), ref) ||
		h.Get("In-Reply-To") != "<"+memberID+">" || !strings.Contains(h.Get("References"), "<"+memberID+">") {
		t.Errorf("the staff reply: to %s, Subject %q, In-Reply-To %q, References %q (the member's is <%s>)",
			sent.to, h.Get("Subject"), h.Get("In-Reply-To"), h.Get("References"), memberID)
	}
	if as := h.Get("Auto-Submitted"); as != "" && as != "no" {
		t.Errorf("a staff reply says Auto-Submitted: %s", as)
	}
	// Its delivery shows on the ticket once the worker is done.
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.Do("open the ticket again", chromedp.Navigate(s.web+"/t/"+ref), chromedp.WaitVisible(chromedp.ID("reply-text")))
		st := browsertest.Eval[string](b, `[...document.querySelectorAll(".msg-reply .msg-delivery .chip")].map(e => e.innerText).join("|")`)
		if st == "sent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply's delivery shows %q, want sent", st)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A reply holding a card number: refused, said how, the text kept.
	typed := "Your card 4111 1111 1111 1111 is unblocked."
	b.Do("a reply with a card number", browsertest.Press("r"), chromedp.KeyEvent(typed),
		chromedp.Click(chromedp.CSS(`form[action$="/reply"] button`)),
		chromedp.WaitVisible(chromedp.ID("reply-problem")), browsertest.Loaded())
	problem := browsertest.Eval[string](b, `document.getElementById("reply-problem").innerText`)
	if !strings.Contains(problem, "payment card number") || regexp.MustCompile(`\d{4}`).MatchString(problem) {
		t.Errorf("the refusal says %q: want the kind and where, no digits of the number", problem)
	}
	if v := browsertest.Eval[string](b, `document.getElementById("reply-text").value`); v != typed {
		t.Errorf("after the refusal the box holds %d characters, not what was typed", len(v))
	}
	// The page moves the focus there itself (autofocus), at its next
	// rendering after it shows.
	if !browsertest.Until(b, `document.activeElement.id === "reply-text"`, 30*time.Second) {
		t.Errorf("after the refusal the focus is on %q, want the reply box", browsertest.Eval[string](b, `document.activeElement.id`))
	}
	b.Screenshot("reply-refused")
	if n := len(s.relay.received()); n > 2 {
		t.Errorf("the smarthost got %d messages: the refused reply went out", n)
	}

	// The status.
	b.Do("set pending", chromedp.Navigate(s.web+"/t/"+ref), chromedp.WaitVisible(chromedp.ID("status")),
		chromedp.SetValue(chromedp.ID("status"), "pending"),
		chromedp.Click(chromedp.CSS(`form[action$="/status"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice-done")), browsertest.Loaded())
	if st := browsertest.Eval[string](b, `document.querySelector(".ticket-flags .status").innerText`); !strings.EqualFold(st, "pending") {
		t.Fatalf("status shows %q", st)
	}
	b.Do("the queue", chromedp.Navigate(s.web+"/?view=all"), chromedp.WaitVisible(chromedp.CSS("table.queue")))
	b.Screenshot("queue-light")
	b.Do("dark", browsertest.ColorScheme("dark"))
	b.Screenshot("queue-dark")
	pageLeaks("the queue at the end")

	// Every act is in the audit log under ann's name.
	trail := s.auditTrail(t)
	for _, action := range []string{"ticket.note", "ticket.reply", "ticket.status"} {
		if !strings.Contains(trail, "user:ann "+action+";") {
			t.Errorf("no %s event by user:ann in the audit log: %s", action, trail)
		}
	}
	b.NoConsoleErrors(regexp.MustCompile(`status of 422`))
}

// TestServeHostileMailRendersInert files, through the real gateway, a
// member's mail built to run script or fetch something in a staff
// member's browser: <script>, onerror=, javascript: links,
// <meta http-equiv=refresh>, CSS that loads URLs or covers the page, a
// data: iframe, markup in the subject, the sender's name and an
// attachment's name, in a plain-text part and as HTML. The queue and the
// ticket render it as text: a global flag the payload would set stays
// unset, no request leaves for the payload's server (by the browser's
// own network log and by that server's), the page stays where it is, and
// the DOM holds no element or attribute the mail brought.
func TestServeHostileMailRendersInert(t *testing.T) {
	b := browsertest.Start(t)
	var hits atomic.Int64
	atk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		t.Logf("the payload's server was asked for %s", r.URL.Path)
	}))
	defer atk.Close()
	s := startStaffServe(t)
	s.addStaff(t, "ann", "agent")

	payload := strings.NewReplacer("ATK", atk.URL).Replace(`<script>window.__pwned=1;fetch("ATK/script")</script>
<img src="ATK/img" onerror="window.__pwned=2">
<a href="javascript:window.__pwned=3">click me</a>
<meta http-equiv="refresh" content="0;url=ATK/meta">
<style>body{background:url(ATK/css)} .msg{display:none}</style>
<div style="position:fixed;inset:0;background:url(ATK/style-attr)">cover</div>
<iframe src="data:text/html,<script>parent.__pwned=4;location='ATK/iframe'</script>"></iframe>
<svg onload="window.__pwned=5"><image href="ATK/svg"/></svg>
"><script>window.__pwned=6</script>
</textarea></div><script>window.__pwned=7</script>
<base href="ATK/"><link rel="stylesheet" href="ATK/link.css"><object data="ATK/object"></object>
<form action="ATK/form"><button formaction="javascript:window.__pwned=8">go</button></form>
{{template "main" .}} {{.CSRF}}`)
	name := `"><img src=x onerror=window.__pwned=9>.txt`
	raw := strings.Join([]string{
		`From: "<svg onload=window.__pwned=10>" <mallory@member.test>`,
		"To: help@support.localhost",
		`Subject: <img src="` + atk.URL + `/subject" onerror="window.__pwned=11">`,
		"Message-ID: <hostile.markup@member.test>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="outer"`,
		"",
		"--outer",
		`Content-Type: multipart/alternative; boundary="alt"`,
		"",
		"--alt",
		"Content-Type: text/plain; charset=utf-8",
		"",
		payload,
		"--alt",
		"Content-Type: text/html; charset=utf-8",
		"",
		"<html><head>" + payload + "</head><body onload=\"window.__pwned=12\">" + payload + "</body></html>",
		"--alt--",
		"--outer",
		"Content-Type: text/plain; charset=utf-8",
		`Content-Disposition: attachment; filename="` + strings.ReplaceAll(name, `"`, `\"`) + `"`,
		"",
		payload,
		"--outer",
		"Content-Type: text/html; charset=utf-8",
		`Content-Disposition: attachment; filename="page.html"`,
		"",
		payload,
		"--outer--",
		"",
	}, "\n")
	ref := s.mailRaw(t, "mallory@member.test", raw)

	b.Do("log in",
		chromedp.Navigate(s.web+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "ann"),
		chromedp.SendKeys(chromedp.ID("password"), staffPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS("table.queue")))
	inert := func(page, path string) {
		t.Helper()
		b.Do("open "+page, chromedp.Navigate(s.web+path), chromedp.WaitVisible(chromedp.ID("main")), chromedp.Sleep(1500*time.Millisecond))
		if loc := b.Location(); loc != s.web+path {
			t.Errorf("%s: the page went to %s", page, loc)
		}
		if v := browsertest.Eval[string](b, `String(window.__pwned)`); v != "undefined" {
			t.Errorf("%s: the payload ran (window.__pwned = %s)", page, v)
		}
		bad := browsertest.Eval[[]string](b, `(() => {
			const out = [];
			for (const el of document.querySelectorAll("*")) {
				for (const a of el.attributes) {
					if (a.name.startsWith("on")) out.push(el.tagName + " has " + a.name);
					if (/^\s*javascript:/i.test(a.value)) out.push(el.tagName + " " + a.name + " is javascript:");
				}
			}
			for (const el of document.querySelectorAll("iframe, frame, object, embed, meta[http-equiv], base, svg, img:not([src^='/static/']), form[action^='http'], style"))
				out.push("a " + el.tagName + " element");
			for (const el of document.querySelectorAll("script")) if (!/^\/static\/app\.js\?v=/.test(el.getAttribute("src") || "")) out.push("a script that is not ours");
			for (const el of document.querySelectorAll("link")) if (!/^\/static\//.test(el.getAttribute("href") || "")) out.push("a link that is not ours");
			return out;
		})()`)
		if len(bad) > 0 {
			t.Errorf("%s: the DOM holds what the mail brought: %v", page, bad)
		}
		b.Screenshot(page)
	}
	inert("queue", "/")
	inert("ticket", "/t/"+ref)
	// The markup is there as text, for staff to read.
	text := browsertest.Eval[string](b, `document.querySelector(".thread").innerText`)
	for _, want := range []string{"<script>window.__pwned=1", "javascript:window.__pwned=3", `<meta http-equiv="refresh"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the ticket does not show %q as text", want)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the payload's server was asked %d times", hits.Load())
	}
	host := strings.TrimPrefix(atk.URL, "http://")
	for _, u := range b.Requests() {
		if strings.Contains(u, host) || !strings.HasPrefix(u, s.web) && !strings.HasPrefix(u, "data:") {
			t.Errorf("the browser asked for %s", u)
		}
	}
	b.NoConsoleErrors()
}
