package desk

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// Planted numbers (well-known test values), in the spellings staff might
// paste them.
var planted = []struct {
	text, kind string
	digits     string // the number's digits, to look for in the files
}{
	{"Your card 4111 1111 1111 1111 is blocked.", "card", "4111111111111111"},
	{"Card: 5555-5555-5555-4444", "card", "5555555555554444"},
	{"Hello,\n\nthe Amex 378282246310005 was charged.", "card", "378282246310005"},
	{"Your SSN 489-36-8350 is on file.", "Social Security", "489368350"},
	{"Line one\nsocial security number: 489 36 8350", "Social Security", "489368350"},
}

// A note or a reply holding a full number is refused with 422
// sensitive_content, says which kind and on which line without the number,
// and nothing of the text is kept: not in the database, its WAL, the
// outbox or the log.
func TestSensitiveTextRefusedAndNotKept(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.file("Question", "hello", "member@example.org", false)
		before := e.ticket(acc.Ref)
		jobs, _ := e.st.ListOutbox(ctx, tickets.OutboxFilter{})
		digitRun := regexp.MustCompile(`\d{5,}`)
		for _, p := range planted {
			for _, act := range []struct {
				name string
				run  func(string) error
			}{
				{"note", func(s string) error { _, err := e.d.AddNote(ctx, agent, acc.Ref, s); return err }},
				{"reply", func(s string) error { _, err := e.d.Reply(ctx, agent, acc.Ref, s); return err }},
			} {
				err := act.run(p.text)
				de := AsError(err)
				if de.Status != 422 || de.Code != CodeSensitiveContent {
					t.Errorf("%s holding a %s number: %s, want 422 sensitive_content", act.name, p.kind, code(err))
					continue
				}
				if !strings.Contains(de.Message, p.kind) || !strings.Contains(de.Message, "line "+lineWant(p.text)) {
					t.Errorf("%s: the refusal does not say the kind and line: %q", act.name, de.Message)
				}
				if digitRun.MatchString(strings.ReplaceAll(strings.ReplaceAll(de.Message, " ", ""), "-", "")) {
					t.Errorf("%s: the refusal echoes digits of the number", act.name)
				}
			}
		}
		after := e.ticket(acc.Ref)
		jobsAfter, _ := e.st.ListOutbox(ctx, tickets.OutboxFilter{})
		if len(after.Messages) != len(before.Messages) || len(jobsAfter) != len(jobs) || after.Status != before.Status {
			t.Fatalf("refused texts left %d messages (was %d), %d jobs (was %d)", len(after.Messages), len(before.Messages), len(jobsAfter), len(jobs))
		}
		if n := len(e.events(tickets.ActionTicketNote)) + len(e.events(tickets.ActionTicketReply)); n != 0 {
			t.Fatalf("%d note/reply events for refused texts", n)
		}
		logs := e.logs.String()
		for _, p := range planted {
			if noteDigits(logs, p.digits) {
				t.Errorf("the log holds a planted number (kind %s)", p.kind)
			}
		}
		if e.backend != "sqlite" {
			return
		}
		// Every byte SQLite wrote: the database, its WAL, anything else.
		files, _ := filepath.Glob(filepath.Join(e.dir, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			for _, p := range planted {
				if noteDigits(string(b), p.digits) {
					t.Errorf("%s holds a planted %s number", filepath.Base(f), p.kind)
				}
			}
		}
	})
}

// noteDigits reports whether s holds digits written plainly or with the
// separators people use.
func noteDigits(s, digits string) bool {
	if strings.Contains(s, digits) {
		return true
	}
	var spaced, dashed bytes.Buffer
	for i, c := range digits {
		if i > 0 && (len(digits) == 16 && i%4 == 0 || len(digits) == 9 && (i == 3 || i == 5)) {
			spaced.WriteByte(' ')
			dashed.WriteByte('-')
		}
		spaced.WriteRune(c)
		dashed.WriteRune(c)
	}
	return strings.Contains(s, spaced.String()) || strings.Contains(s, dashed.String())
}

func lineWant(text string) string {
	for i, l := range strings.Split(text, "\n") {
		if strings.ContainsAny(l, "0123456789") {
			return string(rune('1' + i))
		}
	}
	return "1"
}

func TestStaffTextChecks(t *testing.T) {
	for _, c := range []struct {
		text, want string
	}{
		{"", "422 invalid"},
		{"   \n", "422 invalid"},
		{"a\x00b", "400 bad_request"},
		{string([]byte{0xff, 0xfe}), "400 bad_request"},
		{strings.Repeat("x", maxStaffText+1), "422 invalid"},
		{"Your card ending 1111 is blocked.", "ok"},
		{"Order 12345, call 555-0100.", "ok"},
		{"Masked: **** **** **** 1111 and ***-**-8350", "ok"},
		{"two: 4111 1111 1111 1111 and 5555 5555 5555 4444", "422 sensitive_content"},
	} {
		if got := code(checkStaffText(c.text)); got != c.want {
			t.Errorf("%q: %s, want %s", clip(c.text, 30), got, c.want)
		}
	}
}
