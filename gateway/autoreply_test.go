package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// testResponder is the reply side as serve builds it, over the test's
// threading secret: replies on to SPF-proven senders.
func testResponder(t testing.TB, mod func(*reply.ResponderOptions)) *reply.Responder {
	t.Helper()
	o := reply.ResponderOptions{
		Policy: reply.Policy{Enabled: true, RequireSenderAuth: true, SensitivePerDay: 1, RepliesPerHour: 3,
			RepliesPerDomainHour: 20, SensitivePerDomainHour: 200, OwnDomains: []string{"support.localhost"}},
		From:        "support@support.localhost",
		Phone:       "+1 217 555 0100",
		MessageID:   tickets.NewThreader([]byte("0123456789abcdef0123456789abcdef")).MessageID,
		GiveUp:      24 * time.Hour,
		StaffGiveUp: 5 * 24 * time.Hour,
	}
	if mod != nil {
		mod(&o)
	}
	r, err := reply.NewResponder(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func withReplies(t testing.TB) envOption {
	return func(o *Options) { o.Replies = testResponder(t, nil) }
}

// outbox lists every job in the store.
func (e *testEnv) outbox() []tickets.OutboxJob {
	e.t.Helper()
	js, err := e.store.get().ListOutbox(context.Background(), tickets.OutboxFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return js
}

// TestReplyQueuedWithTicket: the gateway asks the reply policy itself and
// its intent is committed with the ticket, in the accept's transaction: a
// message with an SSN from a proven sender is filed with exactly one
// sensitive-data reply on its ticket, and a redelivery of it (same dedup
// key) queues no second one.
func TestReplyQueuedWithTicket(t *testing.T) {
	e := newEnv(t, withReplies(t))
	authZone(t, e)
	raw := simpleMessage("my number", "my SSN is 489-36-8350\n")
	ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, raw)
	if again := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, raw); again != ref {
		t.Fatalf("redelivery filed as %s, want %s", again, ref)
	}
	js := e.outbox()
	if len(js) != 1 {
		t.Fatalf("%d outbox jobs, want 1", len(js))
	}
	j := js[0]
	if j.Kind != reply.KindAutoPrefix+reply.TemplateSensitive || j.Recipient != "m@member.example" || j.TicketID != e.ticket(ref).ID {
		t.Errorf("job kind %q recipient %q ticket %v", j.Kind, j.Recipient, j.TicketID)
	}
	// A message from a sender nobody proved gets none.
	mustQueue(t, e.addr, "x@forged.example", []string{"help@support.localhost"}, fromMessage("x@forged.example", "forged"))
	if n := len(e.outbox()); n != 1 {
		t.Errorf("%d outbox jobs after a forged sender, want 1", n)
	}
}

// TestNewRefusesMissingLimits: the defaults live in config.Default alone,
// so a zero limit here is a caller's mistake, not "use some default", and
// an MX without a limit does not start.
func TestNewRefusesMissingLimits(t *testing.T) {
	sealer, err := tickets.NewSealer([]string{mustIdentity(t).Recipient})
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions()
	o.Store, o.Scanner, o.Sealer = &swapStore{}, nopScanner{}, sealer
	if _, err := New(o); err != nil {
		t.Fatalf("complete options refused: %v", err)
	}
	o.MaxConnections, o.SessionTimeout, o.DefaultQueue = 0, 0, ""
	_, err = New(o)
	if err == nil {
		t.Fatal("options without limits accepted")
	}
	for _, name := range []string{"MaxConnections", "SessionTimeout", "DefaultQueue"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func mustIdentity(t *testing.T) tickets.Identity {
	id, err := tickets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type nopScanner struct{}

func (nopScanner) Scan(context.Context, []byte) (*scan.Result, error) { return &scan.Result{}, nil }

// TestNoReplyIsLogged: every decision not to answer is at info with the
// ticket and the reason: on the "accepted" line always, and on a line of
// its own saying why for the reasons that surprise (the newcomer's case:
// an SSN from a sender without SPF, require_sender_auth on; the second
// sensitive message of the day), not for clean mail with nothing to say;
// a redelivery decides nothing new.
func TestNoReplyIsLogged(t *testing.T) {
	e := newEnv(t, withReplies(t))
	authZone(t, e)
	type want struct{ ref, reason, extra string }
	var wants []want

	// No SPF record for the sender's domain: spf=none.
	raw := fromMessage("m@nospf.example", "my number")
	raw = strings.Replace(raw, "hello", "my SSN is 489-36-8350", 1)
	ref := mustQueue(t, e.addr, "m@nospf.example", []string{"help@support.localhost"}, raw)
	wants = append(wants, want{ref, reply.ReasonNotAuthenticated, `"spf":"none"`})
	mustQueue(t, e.addr, "m@nospf.example", []string{"help@support.localhost"}, raw) // redelivery

	clean := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("clean", "hello\n"))

	queued := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("first", "SSN 489-36-8350\n"))
	ref = mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("second", "SSN 489-36-8350\n"))
	// The test's responder reads no history: the store's limit, charged
	// at commit, is what says no.
	wants = append(wants, want{ref, "rate_limited_at_commit", "rate limit"})

	logs := e.logs.String()
	noReply := grepLines(logs, `"msg":"no auto-reply"`)
	if n := strings.Count(noReply, "\n") + 1; n != len(wants) {
		t.Errorf("%d no-reply lines, want %d:\n%s", n, len(wants), noReply)
	}
	for _, w := range wants {
		line := grepLines(noReply, `"ticket":"`+w.ref+`"`)
		if line == "" {
			t.Errorf("no line says why %s got no reply (%s)", w.ref, w.reason)
			continue
		}
		for _, s := range []string{`"level":"INFO"`, `"reason":"` + w.reason + `"`, `"session":"`, w.extra} {
			if !strings.Contains(line, s) {
				t.Errorf("no-reply line for %s lacks %s: %s", w.ref, s, line)
			}
		}
	}
	accepted := grepLines(logs, `"msg":"accepted"`)
	for ref, reason := range map[string]string{wants[0].ref: reply.ReasonNotAuthenticated, clean: reply.ReasonNothingToSay, queued: "queued", wants[1].ref: "rate_limited_at_commit"} {
		line := grepLines(accepted, `"refs":["`+ref+`"]`)
		if !strings.Contains(line, `"reply":"`+reason+`"`) {
			t.Errorf("accepted line of %s does not say reply %s: %s", ref, reason, line)
		}
	}
	if !strings.Contains(accepted, `"reply":"duplicate"`) {
		t.Errorf("the redelivery's accepted line does not say duplicate:\n%s", accepted)
	}
}
