package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/internal/browsertest"
	"github.com/intake-mail/intake/internal/leakcheck"
	"github.com/intake-mail/intake/tickets"
)

// recordingProxy stands between Chromium and serve's web listener and
// keeps every request as it went on the wire (method, URL, headers,
// body), so that a test can prove what the browser never sent.
type recordingProxy struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs [][]byte
}

func startRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b bytes.Buffer
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Write(&b) // the request line, the headers and the body, as sent
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		p.reqs = append(p.reqs, b.Bytes())
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *recordingProxy) all() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Join(p.reqs, []byte("\n"))
}

// TestQuarantineReviewInBrowser is the privacy officer's whole review in
// Chromium against serve: a member's mail with a statement holding an
// SSN arrives over SMTP and the attachment is withheld; the officer opens
// the sealed original by choosing the identity file in the page (a wrong
// identity pasted first is refused and recorded), reads the full number
// there and only there, releases the statement, and puts the item under a
// legal hold and lifts it. An agent then reads the statement in the
// ticket, masked. The identity never left the browser: no request the
// browser made (URL, headers, body), no line of serve's log and no byte
// of the database holds it. An agent and an admin without the privacy
// role see no quarantine link and get 403 from every quarantine page.
// Every look and act is in the audit log under the officer's name, and
// the chain verifies.
func TestQuarantineReviewInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	s := startStaffServe(t)
	s.addStaff(t, "pat", "privacy")
	s.addStaff(t, "ann", "agent")
	s.addStaff(t, "root", "admin")
	proxy := startRecordingProxy(t, s.web)
	web := proxy.srv.URL
	ssn := leakcheck.New(leakcheck.Digits(e2eSSN))

	raw, _ := memberMail("margaret@member.test", "Margaret Hamilton", "My statement", strings.Join([]string{
		"--stmt", "Content-Type: text/plain; charset=utf-8", "",
		"Hello, my statement for the loan is attached.", "",
		"--stmt", `Content-Type: text/plain; charset=utf-8; name="statement.txt"`, `Content-Disposition: attachment; filename="statement.txt"`, "",
		"Statement for March", "Social Security number: " + e2eSSN, "Balance: 1,240.00", "",
		"--stmt--"}, "\n"), "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="stmt"`)
	ref := s.mailRaw(t, "margaret@member.test", raw)
	code, out, errOut := s.cli(t, "", "quarantine", "list", "--json")
	var item tickets.QuarantineItem
	if code != 0 || json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &item) != nil || item.TicketRef != ref {
		t.Fatalf("quarantine list: exit %d %s %s", code, out, errOut)
	}
	identity := filepath.Join(s.cfg.DataDir, identityFile)
	idBytes, err := os.ReadFile(identity)
	if err != nil {
		t.Fatal(err)
	}
	secretKey := regexp.MustCompile(`AGE-SECRET-KEY-1[0-9A-Z]+`).Find(idBytes)
	if secretKey == nil {
		t.Fatalf("no secret key in %s", identity)
	}
	wrong, err := tickets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}

	login := func(name string) {
		t.Helper()
		b.Do("log in as "+name, chromedp.Navigate(web+"/login"), chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), name),
			chromedp.SendKeys(chromedp.ID("password"), staffPassword+"\r"),
			chromedp.WaitVisible(chromedp.CSS(".who-name")), browsertest.Loaded())
	}
	logout := func() {
		t.Helper()
		b.Do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("password")), browsertest.Loaded())
	}
	// onScreen is what a person sees and what the page holds.
	onScreen := func() []byte {
		return []byte(browsertest.Eval[string](b, `document.body.innerText`) + "\n" + browsertest.Eval[string](b, `document.documentElement.outerHTML`))
	}

	login("pat")
	if n := browsertest.Eval[int](b, `document.querySelectorAll('nav.main-nav a[href="/quarantine"]').length`); n != 1 {
		t.Fatalf("the privacy officer's navigation has %d quarantine links", n)
	}
	b.Do("the quarantine", chromedp.Navigate(web+"/quarantine"), chromedp.WaitVisible(chromedp.CSS("table.quarantine")))
	list := browsertest.Eval[string](b, `document.querySelector("table.quarantine").innerText`)
	for _, want := range []string{ref, "SSN or ITIN", "ending 8350", "awaiting review"} {
		if !strings.Contains(strings.ToLower(list), strings.ToLower(want)) {
			t.Errorf("the quarantine list lacks %q:\n%s", want, list)
		}
	}
	ssn.Check(t, "the quarantine list", onScreen())
	b.Screenshot("1-quarantine-list")

	b.Do("the item", chromedp.Click(chromedp.CSS("table.quarantine a.row-link")), chromedp.WaitVisible(chromedp.ID("open-button")), browsertest.Loaded())
	side := browsertest.Eval[string](b, `document.querySelector("aside.side").innerText`)
	for _, want := range []string{"Kept until", "attachment statement.txt", "ending 8350", "Put under a legal hold"} {
		if !strings.Contains(side, want) {
			t.Errorf("the item page lacks %q:\n%s", want, side)
		}
	}
	ssn.Check(t, "the item page before opening", onScreen())

	// A wrong identity, pasted: refused, recorded, nothing shown.
	b.Do("paste a wrong identity", chromedp.SendKeys(chromedp.ID("identity-paste"), wrong.Secret),
		chromedp.Click(chromedp.ID("open-button")), chromedp.WaitVisible(chromedp.CSS("#open-status.notice-problem")))
	if st := browsertest.Eval[string](b, `document.getElementById("open-status").innerText`); !strings.Contains(st, "does not open this item") {
		t.Errorf("a wrong identity says %q", st)
	}
	if v := browsertest.Eval[string](b, `document.getElementById("identity-paste").value`); v != "" {
		t.Errorf("the pasted identity stays in the box (%d characters)", len(v))
	}

	// The identity file, chosen in the page.
	b.Do("choose the identity file", chromedp.SetUploadFiles(chromedp.ID("identity-file"), []string{identity}),
		chromedp.Click(chromedp.ID("open-button")), chromedp.WaitVisible(chromedp.CSS("#original .part")))
	original := browsertest.Eval[string](b, `document.getElementById("original").innerText`)
	for _, want := range []string{e2eSSN, "Statement for March", "Hello, my statement for the loan is attached.", "Margaret Hamilton", "The scanner found a Social Security number or ITIN ending 8350 here."} {
		if !strings.Contains(original, want) {
			t.Errorf("the opened original lacks %q", strings.ReplaceAll(want, e2eSSN, "the full SSN"))
		}
	}
	if n := browsertest.Eval[int](b, `[...document.querySelectorAll("#original mark")].filter(m => m.textContent === "`+e2eSSN+`").length`); n == 0 {
		t.Error("the full number is not marked in the opened original")
	}
	if v := browsertest.Eval[string](b, `document.getElementById("identity-file").value + document.getElementById("identity-paste").value + JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie`); v != "{}{}" {
		t.Errorf("the page kept something of the identity or in storage: %d characters", len(v))
	}
	b.Screenshot("2-original-opened")
	b.Do("dark", browsertest.ColorScheme("dark"))
	b.Screenshot("2-original-opened-dark")
	b.Do("light", browsertest.ColorScheme("light"))

	b.Do("release the statement", chromedp.Click(chromedp.CSS(`button[data-release="attachment:statement.txt"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.part .notice-done`)))
	if got := browsertest.Eval[string](b, `document.querySelector("section.part .notice-done").innerText`); !strings.Contains(got, "Released to "+ref) || !strings.Contains(got, "1 number masked") {
		t.Errorf("after the release the page says %q", got)
	}
	b.Screenshot("3-released")

	b.Do("hold", chromedp.Navigate(web+"/quarantine/"+item.ID.String()), chromedp.WaitVisible(chromedp.ID("hold-button")),
		chromedp.Click(chromedp.ID("hold-button")), chromedp.WaitVisible(chromedp.ID("unhold-button")), browsertest.Loaded())
	if !browsertest.Eval[bool](b, `document.getElementById("purge-button").disabled`) {
		t.Error("purge can be pressed while the item is under a legal hold")
	}
	b.Screenshot("4-legal-hold")
	ssn.Check(t, "the item page after opening, reloaded", onScreen())
	b.Do("lift the hold", chromedp.Click(chromedp.ID("unhold-button")), chromedp.WaitVisible(chromedp.ID("hold-button")), browsertest.Loaded())
	b.NoConsoleErrors()
	logout()

	// The agent: the statement in the ticket, masked; no quarantine.
	login("ann")
	if n := browsertest.Eval[int](b, `document.querySelectorAll('a[href^="/quarantine"]').length`); n != 0 {
		t.Errorf("an agent's page has %d quarantine links", n)
	}
	b.Do("the ticket", chromedp.Navigate(web+"/t/"+ref), chromedp.WaitVisible(chromedp.CSS(".thread")))
	thread := browsertest.Eval[string](b, `document.querySelector(".thread").innerText`)
	for _, want := range []string{"Social Security number: ***-**-8350", "Balance: 1,240.00", "released from the quarantine by pat"} {
		if !strings.Contains(thread, want) {
			t.Errorf("the agent's ticket lacks %q:\n%s", want, thread)
		}
	}
	if strings.Contains(thread, "withheld") {
		t.Errorf("the ticket still says withheld:\n%s", thread)
	}
	ssn.Check(t, "the agent's ticket", onScreen())
	b.Screenshot("5-agent-ticket")
	forbidden := func(who string) {
		t.Helper()
		for _, path := range []string{"/quarantine", "/quarantine/" + item.ID.String(), "/quarantine/" + item.ID.String() + "/sealed"} {
			st := browsertest.Eval[int](b, `fetch("`+path+`", {credentials: "same-origin"}).then(r => r.status)`, chromedp.EvalAwaitPromise)
			if st != 403 {
				t.Errorf("%s GET %s: %d, want 403", who, path, st)
			}
		}
	}
	forbidden("an agent")
	b.Do("the quarantine as an agent", chromedp.Navigate(web+"/quarantine"), chromedp.WaitVisible(chromedp.ID("main")))
	b.Screenshot("6-agent-forbidden")
	logout()
	login("root")
	if n := browsertest.Eval[int](b, `document.querySelectorAll('a[href^="/quarantine"]').length`); n != 0 {
		t.Errorf("an admin's page has %d quarantine links", n)
	}
	forbidden("an admin")
	b.NoConsoleErrors(regexp.MustCompile(`status of 403`))

	// The identity never left the browser.
	sent := proxy.all()
	if len(sent) == 0 || !bytes.Contains(sent, []byte("POST /quarantine/"+item.ID.String()+"/release")) {
		t.Fatal("the proxy saw none of the page's requests")
	}
	for where, blob := range map[string][]byte{"the browser's requests": sent, "serve's log": []byte(s.logs.String())} {
		for _, secret := range [][]byte{[]byte("AGE-SECRET-KEY"), secretKey, []byte(wrong.Secret)} {
			if bytes.Contains(bytes.ToUpper(blob), bytes.ToUpper(secret[:14])) || bytes.Contains(blob, secret) {
				t.Errorf("%s hold an age identity", where)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(s.cfg.DataDir, tickets.DBFile+"*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		db, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(db, []byte("AGE-SECRET-KEY")) || bytes.Contains(db, secretKey) {
			t.Errorf("%s holds an age identity", filepath.Base(f))
		}
	}

	// What staff see elsewhere: tickets show, the API.
	code, out, _ = s.cli(t, "", "tickets", "show", ref)
	if code != 0 || !strings.Contains(out, "released from the quarantine by user:pat") || !strings.Contains(out, "Social Security number: ***-**-8350") {
		t.Errorf("tickets show: exit %d\n%s", code, out)
	}
	st, body := apiGet(t, s.web, "/api/v1/tickets/"+ref, s.token(t, "ann"))
	if st != 200 || !strings.Contains(string(body), `"released_by":"user:pat"`) || !strings.Contains(string(body), `***-**-8350`) {
		t.Errorf("the API's ticket: %d %s", st, body)
	}
	ssn.Check(t, "tickets show", []byte(out))
	ssn.Check(t, "the API's ticket", body)

	// Every look and act, by pat; the chain intact.
	trail := s.auditTrail(t)
	for _, action := range []string{"quarantine.view", "quarantine.fetch", "quarantine.open_failed", "quarantine.open", "quarantine.release", "quarantine.hold", "quarantine.unhold"} {
		if !strings.Contains(trail, "user:pat "+action+";") {
			t.Errorf("no %s event by user:pat in the audit log", action)
		}
	}
	if regexp.MustCompile(`user:(ann|root) quarantine\.`).MatchString(trail) {
		t.Errorf("a refused look was audited as a look: %s", trail)
	}
	if code, out, errOut := s.cli(t, "", "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("audit verify: exit %d %s %s", code, out, errOut)
	}
}
