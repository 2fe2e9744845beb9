package reply

import (
	"context"
	"sync"
	"time"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/tickets"
)

// Router is implemented by a Deliverer that knows where a message goes
// (*Delivery does): the worker bounds the sessions to each destination
// with it, so that one slow smarthost or MX cannot hold every reply.
type Router interface {
	// Destination names the next hop for mail to `to` and how many
	// deliveries it may have at once.
	Destination(to string) (key string, sessions int)
}

// waitingPerSession is how many claimed jobs may wait in memory for each
// session of a busy destination. Waiting here costs a fast destination
// nothing; beyond it a job goes back to the store, so that a destination
// that never answers holds at most (1+waitingPerSession) × its sessions of
// the worker's Concurrency and the others keep the rest.
const waitingPerSession = 2

// Reasons a claimed job is put back untried (the audit's "why").
const (
	deferBusy       = "destination_busy" // its destination has all it may hold
	deferLeaseShort = "lease_short"      // it waited so long its lease cannot cover an attempt
	deferShutdown   = "shutdown"         // the worker is stopping
)

// pool runs claimed jobs concurrently: at most the worker's Concurrency
// held at once (delivering or waiting), and per destination at most its
// sessions delivering. Every attempt runs under a deadline inside the
// job's lease, so no other worker can take the job over while it is tried.
type pool struct {
	w     *Worker
	ctx   context.Context
	mu    sync.Mutex
	held  int
	dests map[string]*destination
	wg    sync.WaitGroup
	freed chan struct{} // a held job was settled: there is room to claim
}

type destination struct {
	sessions int
	running  int
	waiting  []tickets.OutboxJob
}

func (w *Worker) newPool(ctx context.Context) *pool {
	return &pool{w: w, ctx: ctx, dests: map[string]*destination{}, freed: make(chan struct{}, 1)}
}

// room is how many more jobs the pool may take.
func (p *pool) room() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(p.w.o.Concurrency-p.held, 0)
}

// add starts j, queues it behind its destination's sessions, or, when the
// destination holds all it may, puts it back in the store for later.
func (p *pool) add(j tickets.OutboxJob) {
	key, sessions := p.w.destination(j.Recipient)
	p.mu.Lock()
	d := p.dests[key]
	if d == nil {
		d = &destination{sessions: max(sessions, 1)}
		p.dests[key] = d
	}
	switch {
	case d.running < d.sessions:
		d.running++
		p.held++
		p.mu.Unlock()
		p.start(key, j)
	case len(d.waiting) < d.sessions*waitingPerSession:
		d.waiting = append(d.waiting, j)
		p.held++
		p.mu.Unlock()
	default:
		p.mu.Unlock()
		// Later, as after a failed attempt: a destination this busy is
		// not helped by the job coming straight back.
		p.w.putBack(p.ctx, j, deferBusy, p.w.o.Now().Add(p.w.Backoff(j.Attempts)))
	}
}

func (p *pool) start(key string, j tickets.OutboxJob) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.w.attempt(p.ctx, j)
		p.finish(key)
	}()
}

// finish frees a session of key and gives it to the next waiting job that
// can still be tried within its lease.
func (p *pool) finish(key string) {
	for {
		p.mu.Lock()
		d := p.dests[key]
		d.running--
		p.held--
		var next tickets.OutboxJob
		have := len(d.waiting) > 0
		if have {
			next = d.waiting[0]
			d.waiting = d.waiting[1:]
			d.running++
		} else if d.running == 0 {
			delete(p.dests, key)
		}
		p.mu.Unlock()
		select {
		case p.freed <- struct{}{}:
		default:
		}
		if !have {
			return
		}
		switch {
		case p.ctx.Err() != nil:
			p.w.putBack(p.ctx, next, deferShutdown, p.w.o.Now())
		case p.w.leaseLeft(next) < p.w.o.Lease/2:
			// Another worker may take it once the lease runs out; better
			// it is due again now, with a whole lease for its attempt.
			p.w.putBack(p.ctx, next, deferLeaseShort, p.w.o.Now())
		default:
			p.start(key, next)
			return
		}
		// The session given to next is free again.
	}
}

// drain puts every waiting job back (due now, for whoever runs next) and
// waits for the attempts under way, which ctx's end cuts short.
func (p *pool) drain() {
	p.mu.Lock()
	var back []tickets.OutboxJob
	for _, d := range p.dests {
		back = append(back, d.waiting...)
		p.held -= len(d.waiting)
		d.waiting = nil
	}
	p.mu.Unlock()
	for _, j := range back {
		p.w.putBack(p.ctx, j, deferShutdown, p.w.o.Now())
	}
	p.wg.Wait()
}

// destination is where j goes and how many sessions it may have.
func (w *Worker) destination(to string) (string, int) {
	if r, ok := w.o.Deliver.(Router); ok {
		return r.Destination(to)
	}
	_, dom, _ := mailproto.SplitAddress(to)
	return "domain " + dom, w.o.PerDestination
}

// leaseLeft is how long j's claim still holds.
func (w *Worker) leaseLeft(j tickets.OutboxJob) time.Duration {
	if j.LeaseUntil.IsZero() {
		return w.o.Lease
	}
	return j.LeaseUntil.Sub(w.o.Now())
}

// attempt works j under a deadline a margin short of its lease: the
// attempt ends (and is settled as a retry) before another worker could
// claim the job and send it a second time.
func (w *Worker) attempt(ctx context.Context, j tickets.OutboxJob) {
	margin := min(w.o.Lease/10, 30*time.Second)
	actx, cancel := context.WithTimeout(ctx, w.leaseLeft(j)-margin)
	defer cancel()
	w.work(actx, j)
}
