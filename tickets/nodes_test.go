package tickets

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestRetentionOnEveryNodeAtOnce: every node runs retention on its own
// timer, so on a cluster they run it together. Each expired item and old
// closed ticket must be purged once, by one node, with one audit event,
// and no node may fail on rows another one holds.
func TestRetentionOnEveryNodeAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const items, closed = 2*purgeBatch + 50, purgeBatch + 10
		for i := 0; i < items; i++ {
			mustAccept(t, h.s, sample(i, []byte("sealed")))
		}
		for i := 0; i < closed; i++ {
			acc := mustAccept(t, h.s, sample(items+i, nil))
			if err := h.s.SetStatus(ctx, acc.Ref, StatusClosed, "user:agent"); err != nil {
				t.Fatal(err)
			}
		}
		h.clock.Advance(31 * 24 * time.Hour)

		nodes := []Store{h.s, h.open(Options{}), h.open(Options{})}
		for _, n := range nodes[1:] {
			defer n.Close()
		}
		reps := make([]PurgeReport, len(nodes))
		errs := make([]error, len(nodes))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				reps[i], errs[i] = n.PurgeExpired(ctx, RetentionPolicy{ClosedTicketsAfter: 30 * 24 * time.Hour})
			}()
		}
		close(start)
		wg.Wait()
		var sum PurgeReport
		for i := range nodes {
			if errs[i] != nil {
				t.Errorf("node %d: %v", i, errs[i])
			}
			sum.QuarantineItems += reps[i].QuarantineItems
			sum.Tickets += reps[i].Tickets
		}
		t.Logf("%s: purges per node %+v", h.backend, reps)
		if sum.QuarantineItems != items || sum.Tickets != closed {
			t.Fatalf("nodes reported %+v purged, want %d items and %d tickets", sum, items, closed)
		}
		events, err := h.s.ListAudit(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		perItem, perTicket := map[string]int{}, map[string]int{}
		for _, e := range events {
			switch e.Action {
			case ActionRetentionPurge:
				perItem[e.ItemID]++
			case ActionTicketPurge:
				perTicket[e.TicketID]++
			}
		}
		if len(perItem) != items || len(perTicket) != closed {
			t.Fatalf("audited %d item purges and %d ticket purges, want %d and %d", len(perItem), len(perTicket), items, closed)
		}
		for id, n := range perItem {
			if n != 1 {
				t.Errorf("item %s purged %d times", id, n)
			}
		}
		for id, n := range perTicket {
			if n != 1 {
				t.Errorf("ticket %s purged %d times", id, n)
			}
		}
		if n := h.count("quarantine WHERE state <> 'purged'"); n != 0 {
			t.Errorf("%d items left unpurged", n)
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}
