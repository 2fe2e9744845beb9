package tickets

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The reply decision is kept on the message in the accept's own
// transaction: the gateway's word as given, "queued" with a job, and the
// store's own word when its rate check drops the job. A redelivery
// changes nothing.
func TestReplyDecisionKept(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		decisionOf := func(ref string) string {
			t.Helper()
			d, err := h.s.GetTicket(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Messages) != 1 {
				t.Fatalf("%s has %d messages, want 1", ref, len(d.Messages))
			}
			return d.Messages[0].ReplyDecision
		}
		limit := Limit{Key: "reply:sensitive:member@example.org", Max: 1, Window: 24 * time.Hour}
		withJob := func(i int) *Inbound {
			in := sample(i, nil)
			in.Outbox = []OutboxJob{{Kind: "reply.sensitive", Recipient: "member@example.org", Limits: []Limit{limit}}}
			in.ReplyDecision = ReplyQueued
			return in
		}

		unproven := sample(1, nil)
		unproven.ReplyDecision = "not_authenticated"
		if got := decisionOf(mustAccept(t, h.s, unproven).Ref); got != "not_authenticated" {
			t.Fatalf("no reply: stored %q, want not_authenticated", got)
		}
		first := mustAccept(t, h.s, withJob(2))
		if len(first.Jobs) != 1 {
			t.Fatalf("first reply not queued: %+v", first)
		}
		if got := decisionOf(first.Ref); got != ReplyQueued {
			t.Fatalf("queued reply: stored %q", got)
		}
		second := withJob(3)
		acc := mustAccept(t, h.s, second)
		if len(acc.Jobs) != 0 || acc.JobsLimited != 1 {
			t.Fatalf("second reply not limited: %+v", acc)
		}
		if got := decisionOf(acc.Ref); got != ReplyRateLimitedAtCommit {
			t.Fatalf("limited at commit: stored %q, want %s", got, ReplyRateLimitedAtCommit)
		}

		// A redelivery, decided differently this time (the limit's window
		// passed), files nothing and leaves the first delivery's word.
		h.clock.Advance(25 * time.Hour)
		again := *second
		again.ReplyDecision = ReplyQueued
		dup := mustAccept(t, h.s, &again)
		if !dup.Duplicate || dup.Ref != acc.Ref || len(dup.Jobs) != 0 {
			t.Fatalf("redelivery = %+v, want the duplicate of %s", dup, acc.Ref)
		}
		if got := decisionOf(acc.Ref); got != ReplyRateLimitedAtCommit {
			t.Fatalf("after a redelivery: stored %q", got)
		}
		// The staff's own messages keep no decision.
		if _, err := h.s.AddStaffMessage(context.Background(), StaffMessage{Ref: acc.Ref, Kind: KindNote, Author: "ann", Actor: "user:ann", Text: "called the member"}); err != nil {
			t.Fatal(err)
		}
		d, _ := h.s.GetTicket(context.Background(), acc.Ref)
		if n := d.Messages[len(d.Messages)-1]; n.Kind != KindNote || n.ReplyDecision != "" {
			t.Fatalf("note: kind %s, decision %q", n.Kind, n.ReplyDecision)
		}
	})
}

// A message filed before version 8 has no decision: "" (unknown), not a
// guess.
func TestReplyDecisionBeforeMigration8(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Cleanup(func() { migrationFS = embeddedMigrations })
			migrationFS = upTo{embeddedMigrations, 7}
			h := newHarness(t, backend, Options{})
			migrationFS = embeddedMigrations
			tid, mid, ref := uuid.NewString(), uuid.NewString(), NewRef()
			h.raw(`INSERT INTO tickets (id, ref, status, queue, requester, requester_name, assignee, subject, sensitive, withheld,
				spf, dkim, dmarc, messages, created_at, updated_at) VALUES (?, ?, 'open', 'support', 'm@example.org', '', '', 'Older', 0, 0, '', '', '', 1, 1000, 5000)`, tid, ref)
			h.raw(`INSERT INTO messages (id, ticket_id, kind, message_id, in_reply_to, refs, from_addr, from_name, subject, envelope, headers,
				auth_results, spf, dkim, dmarc, findings, unscannable, quarantine_id, size, created_at)
				VALUES (?, ?, 'inbound', '', '', '[]', 'm@example.org', '', 's', '{}', '[]', '', '', '', '', '[]', '[]', '', 1, 3000)`, mid, tid)
			h.s.Close()
			h.s = h.open(Options{})
			d, err := h.s.GetTicket(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Messages[0].ReplyDecision; got != "" {
				t.Fatalf("an old message's decision is %q, want none", got)
			}
		})
	}
}
