package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/internal/leakcheck"
	"github.com/intake-mail/intake/tickets"
)

// apiPut sends JSON with a bearer token.
func apiPut(t *testing.T, base, path, token string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("PUT", base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// notification is a relayed notification, decoded.
type notification struct {
	to, subject, body string
	header            mail.Header
}

// notificationsTo waits for n notifications (Auto-Submitted:
// auto-generated) at the smarthost, to anyone, and returns them.
func (s *staffServe) notifications(t *testing.T, n int) []notification {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var out []notification
		for _, m := range s.relay.received() {
			msg, err := mail.ReadMessage(bytes.NewReader(m.data))
			if err != nil || msg.Header.Get("Auto-Submitted") != "auto-generated" {
				continue
			}
			body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
			subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			out = append(out, notification{to: m.to, subject: subj, body: string(body), header: msg.Header})
		}
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) != n {
				t.Fatalf("%d notifications at the smarthost, want %d", len(out), n)
			}
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeNotifications: staff choose notifications; a member's mail
// with an SSN makes a new-ticket notification for each who asked, and
// their follow-up one for the assignee; each reaches the smarthost from
// [reply] from with the ref, the subject without the number (nor its
// last four) and the link, and none of the member's text. An address
// outside [web] notify_domains is refused when set, and a notification
// queued for one anyway (the domain list narrowed since) is never sent.
func TestServeNotifications(t *testing.T) {
	s := startStaffServe(t, func(c *config.Config) { c.Web.NotifyDomains = []string{"staff.test"} })
	s.addStaff(t, "ann", "agent")
	s.addStaff(t, "bob", "agent")
	s.addStaff(t, "cat", "agent")
	s.addStaff(t, "pia", "privacy")
	ann, bob, cat, pia := s.token(t, "ann"), s.token(t, "bob"), s.token(t, "cat"), s.token(t, "pia")

	set := func(tok string, v map[string]any) (int, string) {
		code, body := apiPut(t, s.web, "/api/v1/me/notifications", tok, v)
		return code, string(body)
	}
	if code, body := set(ann, map[string]any{"email": "ann@staff.test", "new_ticket": true, "followup": true}); code != 200 || !strings.Contains(body, `"domains":["staff.test"]`) {
		t.Fatalf("ann's settings: %d %s", code, body)
	}
	if code, body := set(bob, map[string]any{"email": "bob@elsewhere.test", "new_ticket": true}); code != 422 || !strings.Contains(body, "staff.test") {
		t.Fatalf("an address outside notify_domains: %d %s", code, body)
	}
	if code, body := set(bob, map[string]any{"email": "bob@staff.test", "new_ticket": true, "queues": []string{"support"}}); code != 200 {
		t.Fatalf("bob's settings: %d %s", code, body)
	}
	if code, _ := set(pia, map[string]any{"email": "pia@staff.test", "new_ticket": true}); code != 403 {
		t.Fatalf("the privacy officer (who cannot read tickets) set notifications: %d", code)
	}
	// cat's address was allowed once; the list no longer has its domain.
	if code, body := set(cat, map[string]any{"email": "cat@staff.test", "new_ticket": true}); code != 200 {
		t.Fatalf("cat's settings: %d %s", code, body)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.cfg.DataDir, tickets.DBFile)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE notify_settings SET email = 'cat@outside.test' WHERE email = 'cat@staff.test'`); err != nil {
		t.Fatal(err)
	}

	const secretText = "the blue heron flies at midnight"
	check := leakcheck.New(leakcheck.Digits(e2eSSN))
	raw, memberID := memberMail("margaret@member.test", "Margaret Hamilton", "Account "+e2eSSN+" locked",
		"Hello,\n\n"+secretText+". My SSN is "+e2eSSN+".\n")
	ref := s.mailRaw(t, "margaret@member.test", raw)

	got := s.notifications(t, 2)
	to := map[string]notification{}
	for _, n := range got {
		to[n.to] = n
	}
	for _, who := range []string{"ann@staff.test", "bob@staff.test"} {
		n, ok := to[who]
		if !ok {
			t.Fatalf("no notification to %s (got %v)", who, keysOf(to))
		}
		if n.header.Get("From") == "" || !strings.Contains(n.header.Get("From"), s.cfg.Reply.From) {
			t.Errorf("%s: From %q, want [reply] from %s", who, n.header.Get("From"), s.cfg.Reply.From)
		}
		if !strings.HasPrefix(n.subject, "["+ref+"] New ticket: Account ") || !strings.Contains(n.subject, "[number removed]") {
			t.Errorf("%s: Subject %q", who, n.subject)
		}
		if !strings.Contains(n.body, s.web+"/t/"+ref) {
			t.Errorf("%s: no link to the ticket in\n%s", who, n.body)
		}
	}

	// The follow-up: ann has the ticket; bob did not ask for follow-ups.
	if code, _, errOut := s.cli(t, "", "tickets", "assign", ref, "ann"); code != 0 {
		t.Fatalf("assign: %s", errOut)
	}
	again, _ := memberMail("margaret@member.test", "Margaret Hamilton", "Re: Account locked",
		"Any news? "+secretText+".", "In-Reply-To: <"+memberID+">")
	if r := s.mailRaw(t, "margaret@member.test", again); r != ref {
		t.Fatalf("the follow-up made %s, not %s", r, ref)
	}
	got = s.notifications(t, 3)
	var follow []notification
	for _, n := range got {
		if strings.Contains(n.subject, "Member follow-up") {
			follow = append(follow, n)
		}
	}
	if len(follow) != 1 || follow[0].to != "ann@staff.test" || !strings.Contains(follow[0].body, s.web+"/t/"+ref) {
		t.Fatalf("follow-up notifications: %+v", follow)
	}

	// Nothing of the member's text, no number, no last four; nothing to
	// an address outside the allowed domains.
	leaks := check.NewReport()
	for _, n := range got {
		all := n.subject + "\n" + n.body
		leaks.Bytes("notification to "+n.to, []byte(all))
		if strings.Contains(all, "heron") || strings.Contains(all, "Any news") || strings.Contains(all, "8350") {
			t.Errorf("the notification to %s holds the member's text or a last four:\n%s", n.to, all)
		}
	}
	leaks.Fail(t)
	for _, m := range s.relay.received() {
		if !strings.HasSuffix(m.to, "@staff.test") && !strings.HasSuffix(m.to, "@member.test") {
			t.Errorf("mail went to %s", m.to)
		}
	}
	var catJob struct{ State, LastError string }
	for deadline := time.Now().Add(20 * time.Second); catJob.State != "failed"; {
		_, out, _ := s.cli(t, "", "outbox", "list", "--json")
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var j struct {
				Kind, Recipient, State string
				LastError              string `json:"last_error"`
			}
			if json.Unmarshal([]byte(line), &j) == nil && j.Kind == tickets.KindNotifyNewTicket && strings.HasSuffix(j.Recipient, "@outside.test") {
				catJob.State, catJob.LastError = j.State, j.LastError
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job for the address outside the domains is %q (%s), want failed", catJob.State, catJob.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(catJob.LastError, "notify_domains") {
		t.Errorf("the refused job says %q", catJob.LastError)
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
