package reply

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// twoDestinations starts a member's MX that never greets (slow.example, on
// 127.0.0.2) and a working one (fast.example, on 127.0.0.1), on one port as
// MX delivery wants, with their MX records in the test DNS.
func twoDestinations(t *testing.T, e *replyEnv) (*stalled, *sink, *Delivery) {
	t.Helper()
	for try := 0; ; try++ {
		slow := startStalled(t, "127.0.0.2:0")
		_, port, _ := net.SplitHostPort(slow.addr)
		if l, err := net.Listen("tcp", "127.0.0.1:"+port); err != nil {
			if try < 5 {
				continue // the port is taken on 127.0.0.1: another pair
			}
			t.Fatal(err)
		} else {
			l.Close()
		}
		fast, _ := startSink(t, sinkOptions{listen: "127.0.0.1:" + port})
		e.ns.addMX("slow.example", "mx.slow.example", "127.0.0.2")
		e.ns.addMX("fast.example", "mx.fast.example", "127.0.0.1")
		return slow, fast, &Delivery{Resolver: e.ns.resolver(), MXPort: port, HeloName: "mx.support.example", Timeout: 10 * time.Second}
	}
}

// TestSlowDestinationHoldsOnlyItsOwn: six replies to a domain whose MX
// accepts TCP and never greets are claimed first; four replies to another
// domain still arrive promptly, and the slow MX never has more than its
// sessions open at once (issue 15 item 8).
func TestSlowDestinationHoldsOnlyItsOwn(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, func(o *WorkerOptions) { o.Poll = time.Hour })
	slow, fast, d := twoDestinations(t, e)
	e.worker.o.Deliver = d
	for i := range 6 {
		accept(t, e.store, e.resp, memberInbound(fmt.Sprintf("m%d@slow.example", i), ssnFacts))
		e.clock.Advance(time.Second) // claimed in this order
	}
	for i := range 4 {
		accept(t, e.store, e.resp, memberInbound(fmt.Sprintf("m%d@fast.example", i), ssnFacts))
		e.clock.Advance(time.Second)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { e.worker.Run(ctx); close(done) }()
	fast.wait(t, 4)
	took := time.Since(start)
	waitFor(t, func() bool {
		done := 0
		for _, j := range e.jobs(t) {
			if j.State == tickets.OutboxDone {
				done++
			}
		}
		return done == 4
	})
	_, peak, _ := slow.counts()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("worker did not stop")
	}
	// The slow MX would hold a reply for its full 10 s timeout; the
	// others must not wait behind it.
	if took > 4*time.Second {
		t.Fatalf("replies to a working domain took %v behind a stalled one", took)
	}
	if peak > DefaultDomainSessions {
		t.Fatalf("the stalled MX had %d sessions at once, want at most %d", peak, DefaultDomainSessions)
	}
	// Nothing to the slow domain was lost: all six are still pending,
	// each claimed once and settled (a retry, or put back untried).
	pending := 0
	for _, j := range e.jobs(t) {
		if j.State == tickets.OutboxPending {
			pending++
			if j.LeaseOwner != "" {
				t.Errorf("job %s still leased after the worker stopped", j.ID)
			}
		}
	}
	if pending != 6 {
		t.Fatalf("%d replies to the slow domain pending, want 6", pending)
	}
}

// TestAttemptEndsWithinLease: an attempt that the destination stalls is cut
// off inside the job's lease (settled as a retry) even when the delivery's
// own timeout is longer, so no other worker can claim the job while it is
// still being tried.
func TestAttemptEndsWithinLease(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, func(o *WorkerOptions) { o.Lease = 2 * time.Second })
	slow, _, d := twoDestinations(t, e)
	d.Timeout = time.Minute
	e.worker.o.Deliver = d
	accept(t, e.store, e.resp, memberInbound("ann@slow.example", ssnFacts))
	start := time.Now()
	if n := e.runOnce(t); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	if took := time.Since(start); took >= 2*time.Second {
		t.Fatalf("attempt took %v, past its 2 s lease", took)
	}
	if _, _, seen := slow.counts(); seen != 1 {
		t.Fatalf("stalled MX saw %d connections, want 1", seen)
	}
	if got := e.attemptResults(t); len(got) != 1 || got[0] != resultRetry {
		t.Fatalf("audited %v, want [retry]", got)
	}
}

// TestBusyDestinationPutsJobsBack: more jobs to one destination than it
// may hold (its sessions delivering, twice as many waiting) go back to the
// store untried, audited as deferred and due after a backoff; the others
// are tried in turn.
func TestBusyDestinationPutsJobsBack(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, nil)
	slow, _, d := twoDestinations(t, e)
	d.Timeout = 300 * time.Millisecond
	e.worker.o.Deliver = d
	const n = 8
	for i := range n {
		accept(t, e.store, e.resp, memberInbound(fmt.Sprintf("m%d@slow.example", i), ssnFacts))
	}
	if k := e.runOnce(t); k != n {
		t.Fatalf("claimed %d", k)
	}
	held := DefaultDomainSessions * (1 + waitingPerSession)
	count := map[string]int{}
	for _, r := range e.attemptResults(t) {
		count[r]++
	}
	if count[resultRetry] != held || count[resultDeferred] != n-held {
		t.Fatalf("audited %v, want %d retries and %d deferred", count, held, n-held)
	}
	if _, peak, seen := slow.counts(); peak > DefaultDomainSessions || seen != held {
		t.Fatalf("stalled MX: %d at once, %d in all; want at most %d, and %d", peak, seen, DefaultDomainSessions, held)
	}
	for _, j := range e.jobs(t) {
		if j.State != tickets.OutboxPending || j.NextAttempt.Before(e.clock.Now().Add(time.Minute)) {
			t.Fatalf("job %s: %s, next %v: want pending after a backoff", j.ID, j.State, j.NextAttempt)
		}
	}
	if k := e.runOnce(t); k != 0 {
		t.Fatalf("deferred jobs due again at once (%d)", k)
	}
}
