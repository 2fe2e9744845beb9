package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/intake-mail/intake/internal/leakcheck"
	"github.com/intake-mail/intake/tickets"
)

// The privacy officer's pages without a browser: the navigation link is
// the privacy role's alone; the list and the item show what the store
// keeps (finding type, last four, where, the deadline, the withheld part)
// and each look is audited; the forms hold, lift, refuse a purge under a
// hold or without the confirmation, and purge; a part posted back is
// released masked and answered as JSON; every act is by the officer.
func TestQuarantinePages(t *testing.T) {
	e, ann := staffEnv(t)
	ctx := context.Background()
	acc := e.file(mail{subject: "My statement", body: "The statement is attached.",
		findings: []tickets.Finding{{Type: "ssn", Last4: "8350", Where: "attachment:statement.txt"}},
		withheld: []tickets.Part{{Where: "attachment:statement.txt", ContentType: "text/plain", Filename: "statement.txt", Reason: "sensitive"}}})
	item := acc.QuarantineID.String()
	pat := e.browser()
	pat.login("pat", testPassword)
	root := e.browser()
	root.login("root", testPassword)

	for who, b := range map[string]*browser{"an agent": ann, "an admin": root} {
		if a := b.get("/"); strings.Contains(a.body, `href="/quarantine"`) {
			t.Errorf("%s sees a quarantine link", who)
		}
	}
	if a := pat.get("/account"); !strings.Contains(a.body, `href="/quarantine" aria-current`) && !strings.Contains(a.body, `href="/quarantine"`) {
		t.Error("the privacy officer has no quarantine link")
	}

	a := pat.get("/quarantine")
	for _, want := range []string{acc.Ref, "SSN or ITIN", "<strong>8350</strong>", "the attachment statement.txt", "Kept until", "awaiting review"} {
		if a.StatusCode != 200 || !strings.Contains(a.body, want) {
			t.Errorf("the list (%d) lacks %q", a.StatusCode, want)
		}
	}
	if strings.Contains(a.body, `href="/t/`) {
		t.Error("the list links tickets for an officer who cannot open them")
	}
	a = pat.get("/quarantine/" + item)
	for _, want := range []string{`data-withheld-where="attachment:statement.txt"`, `data-finding-last4="8350"`, `id="identity-file"`, `/static/quarantine.js?v=`, "Put under a legal hold"} {
		if a.StatusCode != 200 || !strings.Contains(a.body, want) {
			t.Errorf("the item page (%d) lacks %q", a.StatusCode, want)
		}
	}
	// The identity controls are in no form: nothing submits them.
	if i := strings.Index(a.body, `id="identity-file"`); i < 0 || strings.LastIndex(a.body[:i], "<form") > strings.LastIndex(a.body[:i], "</form>") {
		t.Error("the identity file input is inside a form")
	}
	if strings.Contains(a.body, `name="identity`) {
		t.Error("an identity control has a name, so a form could send it")
	}
	if csp := a.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("CSP %q", csp)
	}
	if js := pat.get("/static/age/age-encryption.js"); js.StatusCode != 200 || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("the age module: %d %s", js.StatusCode, js.Header.Get("Content-Type"))
	}

	csrf := pat.csrf("/quarantine/" + item)
	if a := pat.post("/quarantine/"+item+"/hold", formOf("csrf", csrf)); a.StatusCode != http.StatusSeeOther || !strings.HasSuffix(a.Header.Get("Location"), "?done=hold") {
		t.Fatalf("hold: %d %s", a.StatusCode, a.Header.Get("Location"))
	}
	if a := pat.get("/quarantine/" + item + "?done=hold"); !strings.Contains(a.body, "Lift the legal hold") || !strings.Contains(a.body, "legal hold</span>") {
		t.Error("the item page does not show the hold")
	}
	if a := pat.post("/quarantine/"+item+"/purge", formOf("csrf", csrf, "confirm", "yes")); a.StatusCode != http.StatusConflict || !strings.Contains(a.body, "legal hold") {
		t.Errorf("purge under a hold: %d", a.StatusCode)
	}
	if a := pat.post("/quarantine/"+item+"/unhold", formOf("csrf", csrf)); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("unhold: %d", a.StatusCode)
	}

	// A release as the page's script sends it.
	post := func(where, text string) (int, map[string]any) {
		a := pat.post("/quarantine/"+item+"/release", formOf("csrf", csrf, "where", where, "filename", "statement.txt",
			"content_type", "text/plain; charset=utf-8", "content", base64.StdEncoding.EncodeToString([]byte(text))))
		var out map[string]any
		if err := json.Unmarshal([]byte(a.body), &out); err != nil {
			t.Fatalf("release answer %d is not JSON: %q", a.StatusCode, a.body)
		}
		return a.StatusCode, out
	}
	st, out := post("attachment:other.txt", "x")
	if st != 422 || out["error"] == nil {
		t.Errorf("release of a part that is not withheld: %d %v", st, out)
	}
	st, out = post("attachment:statement.txt", "Statement for March\nSSN 489-36-8350\n")
	if st != 200 || out["ref"] != acc.Ref || len(out["findings"].([]any)) != 1 {
		t.Fatalf("release: %d %v", st, out)
	}
	leakcheck.New("489368350").Check(t, "the release's answer", []byte(strings.Join(strings.Fields(jsonString(out)), " ")))
	d := e.detail(acc.Ref)
	if p := d.Messages[0].Parts[1]; p.Withheld || strings.TrimSpace(p.Text) != "Statement for March\nSSN ***-**-8350" || p.ReleasedBy != "user:pat" {
		t.Errorf("the released part: %+v", p)
	}
	if a := ann.get("/t/" + acc.Ref); !strings.Contains(a.body, "released from the quarantine by pat") || !strings.Contains(a.body, "SSN ***-**-8350") {
		t.Error("the agent's ticket page does not show the released part")
	}

	if a := pat.post("/quarantine/"+item+"/purge", formOf("csrf", csrf)); a.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "confirm") {
		t.Errorf("purge without the confirmation: %d", a.StatusCode)
	}
	if a := pat.post("/quarantine/"+item+"/purge", formOf("csrf", csrf, "confirm", "yes")); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("purge: %d", a.StatusCode)
	}
	if a := pat.get("/quarantine/" + item + "?done=purge"); !strings.Contains(a.body, "nothing is left to open") || strings.Contains(a.body, `id="identity-file"`) {
		t.Error("the purged item's page still offers to open it")
	}

	evs, err := e.store.QueryAudit(ctx, tickets.AuditQuery{Actor: "user:pat"})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, ev := range evs {
		n[ev.Action]++
	}
	for action, want := range map[string]int{"quarantine.view": 7, "quarantine.hold": 1, "quarantine.unhold": 1, "quarantine.release": 1, "quarantine.purge": 1} {
		if n[action] != want {
			t.Errorf("%d %s events by pat, want %d (%v)", n[action], action, want, n)
		}
	}
	rep, err := e.store.VerifyAudit(ctx)
	if err != nil || !rep.OK {
		t.Fatalf("audit verify: %+v %v", rep, err)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
