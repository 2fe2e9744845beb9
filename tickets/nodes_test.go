package tickets

import (
	"context"
	"errors"
	"strings"
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

// TestPostgresGroupCommit runs one group of accepts by hand: a member
// that fails in its own statements and one whose deferred statement
// fails only when it is sent are each rolled back alone; the others
// commit together, once, and the audit chain holds.
func TestPostgresGroupCommit(t *testing.T) {
	h := newHarness(t, "postgres", Options{})
	s := h.s.(*pgStore)
	ctx := context.Background()
	boom := errors.New("boom")
	var batch []*pgGroupReq
	var refs []string
	for i := 0; i < 6; i++ {
		p, err := s.prepare(sample(i, []byte("sealed")))
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, p.ref)
		fn := func(q dbtx) error {
			if _, err := s.accept(ctx, q, p); err != nil {
				return err
			}
			switch i {
			case 2:
				return boom
			case 4:
				return q.Defer(ctx, "bad statement", "INSERT INTO no_such_table VALUES (1)")
			}
			return nil
		}
		batch = append(batch, &pgGroupReq{ctx: ctx, fn: fn, err: make(chan error, 1)})
	}
	groups := s.groups.Load()
	s.commitGroup(batch)
	for i, r := range batch {
		err := <-r.err
		switch i {
		case 2:
			if !errors.Is(err, boom) {
				t.Errorf("member 2: %v", err)
			}
		case 4:
			if err == nil || !strings.Contains(err.Error(), "no_such_table") {
				t.Errorf("member 4: %v", err)
			}
		default:
			if err != nil {
				t.Errorf("member %d: %v", i, err)
			}
		}
	}
	if s.groups.Load() != groups+1 {
		t.Errorf("%d groups for one batch", s.groups.Load()-groups)
	}
	for i, ref := range refs {
		_, err := h.s.GetTicket(ctx, ref)
		if (i == 2 || i == 4) != errors.Is(err, ErrNotFound) {
			t.Errorf("ticket of member %d: %v", i, err)
		}
	}
	if n := h.count("quarantine"); n != 4 {
		t.Errorf("%d quarantine items, want 4", n)
	}
	if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK || rep.Tickets != 4 {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}
