package gateway

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// TestReplyDecisionStored: what became of the auto-reply is kept on the
// member's message, over SMTP into a real store on each backend, with the
// same word the "accepted" log line says: the reason there is none, the
// store's own word when its rate check at commit drops the reply, or
// "queued"; a redelivery changes nothing; a gateway without a responder
// says the replies are off.
func TestReplyDecisionStored(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, withReplies(t))
			if backend == "postgres" {
				usePostgres(t, e)
			}
			authZone(t, e)
			rcpt := []string{"help@support.localhost"}
			want := map[string]string{} // ref → decision

			// nospf.example publishes no SPF: the address is not proven.
			unproven := strings.Replace(fromMessage("m@nospf.example", "my number"), "hello", "my SSN is 489-36-8350", 1)
			ref := mustQueue(t, e.addr, "m@nospf.example", rcpt, unproven)
			want[ref] = reply.ReasonNotAuthenticated
			masked := strings.Replace(fromMessage("4111111111111111@nodmarc.example", "masked"), "hello", "SSN 489-36-8350", 1)
			want[mustQueue(t, e.addr, "4111111111111111@nodmarc.example", rcpt, masked)] = reply.ReasonMaskedSender
			want[mustQueue(t, e.addr, "m@member.example", rcpt, simpleMessage("clean", "hello\n"))] = reply.ReasonNothingToSay
			want[mustQueue(t, e.addr, "m@member.example", rcpt, simpleMessage("first", "SSN 489-36-8350\n"))] = tickets.ReplyQueued
			// The test's responder reads no history: the store's limit,
			// charged at commit, says no, and the store keeps its word.
			want[mustQueue(t, e.addr, "m@member.example", rcpt, simpleMessage("second", "SSN 489-36-8350\n"))] = tickets.ReplyRateLimitedAtCommit

			// A redelivery of the unproven one, now that its domain's SPF
			// passes, would be answered if it were new: it is the same
			// message, and nothing of its first filing changes.
			e.dns.setTXT("nospf.example", "v=spf1 ip4:127.0.0.1 -all")
			if again := mustQueue(t, e.addr, "m@nospf.example", rcpt, unproven); again != ref {
				t.Fatalf("redelivery filed as %s, want %s", again, ref)
			}

			accepted := grepLines(e.logs.String(), `"msg":"accepted"`)
			for ref, word := range want {
				d := e.ticket(ref)
				if len(d.Messages) != 1 {
					t.Fatalf("%s has %d messages", ref, len(d.Messages))
				}
				if got := d.Messages[0].ReplyDecision; got != word {
					t.Errorf("%s: stored %q, want %q", ref, got, word)
				}
				if line := grepLines(accepted, `"refs":["`+ref+`"]`); !strings.Contains(line, `"reply":"`+word+`"`) {
					t.Errorf("the log and the store disagree on %s (%s): %s", ref, word, line)
				}
			}
			jobs := 0
			for _, j := range e.outbox() {
				if strings.HasPrefix(j.Kind, "reply.") {
					jobs++
				}
			}
			if jobs != 1 {
				t.Errorf("%d replies queued, want the first sensitive message's alone", jobs)
			}
		})
	}

	t.Run("replies off", func(t *testing.T) {
		e := newEnv(t)
		authZone(t, e)
		ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("no responder", "SSN 489-36-8350\n"))
		if got := e.ticket(ref).Messages[0].ReplyDecision; got != reply.ReasonDisabled {
			t.Errorf("with auto-replies off: stored %q, want %s", got, reply.ReasonDisabled)
		}
	})
}

// usePostgres puts e's gateway on a fresh PostgreSQL schema
// (INTAKE_TEST_POSTGRES), dropped after the test.
func usePostgres(t *testing.T, e *testEnv) {
	t.Helper()
	dsn := os.Getenv("INTAKE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("INTAKE_TEST_POSTGRES not set; PostgreSQL not tested here (CI sets it)")
	}
	schema := fmt.Sprintf("intake_reply_%d", time.Now().UnixNano())
	pg, err := tickets.Open(context.Background(), tickets.Options{Driver: "postgres", DSN: dsn, Schema: schema, Secret: e.secret})
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { dropSchema(t, dsn, schema) })
	e.store.get().Close()
	e.store.set(pg)
}
