package reply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// OutboxStore is the part of the store the worker uses; tickets.Store
// satisfies it.
type OutboxStore interface {
	Claim(ctx context.Context, owner string, lease time.Duration, max int) ([]tickets.OutboxJob, error)
	Ack(ctx context.Context, id uuid.UUID, owner string) error
	Retry(ctx context.Context, id uuid.UUID, owner string, next time.Time, lastErr string) error
	Fail(ctx context.Context, id uuid.UUID, owner string, lastErr string) error
	AppendAudit(ctx context.Context, e tickets.AuditEvent) (tickets.AuditEvent, error)
	Wake() <-chan struct{}
	// GetTicketByID gives an auto-reply its ticket's ref when it is rendered.
	GetTicketByID(ctx context.Context, id uuid.UUID) (*tickets.TicketDetail, error)
}

// Deliverer sends one message; *Delivery is the real one.
type Deliverer interface {
	Deliver(ctx context.Context, to string, msg []byte) error
}

// ActionOutboxAttempt is the audit action written for every delivery attempt.
const ActionOutboxAttempt = "outbox.attempt"

// WorkerOptions configure the outbox worker. RetryMin and RetryMax come
// from the configuration and must be set.
type WorkerOptions struct {
	Store   OutboxStore
	Deliver Deliverer
	// Responder renders auto-replies, which are queued as intents (see
	// Intent); nil fails them. Staff replies are queued rendered.
	Responder *Responder
	// Notifier renders staff notifications (notify.go); nil fails them.
	Notifier *Notifier
	DKIM     *DKIM   // nil sends unsigned (only when no key is configured)
	Scanner  Scanner // outbound DLP just before sending; nil means scan.New(scan.DefaultLimits())
	Owner    string  // lease owner; "" means host:pid:random

	Lease time.Duration // how long a claim holds, and so the longest an attempt may take; 0 means 10 minutes
	Batch int           // jobs claimed at once; 0 means 16
	// Concurrency bounds the jobs held at once, delivering or waiting for
	// their destination. Each destination gets at most its sessions (see
	// Router) of them delivering. 0 means 16, or through a smarthost (one
	// destination) what it may hold: holding more would only put jobs back.
	Concurrency int
	// PerDestination is the sessions per recipient domain when Deliver
	// is not a Router; 0 means DefaultDomainSessions.
	PerDestination int
	Poll           time.Duration // poll without a wake-up; 0 means 15 seconds
	RetryMin       time.Duration // first retry delay
	RetryMax       time.Duration // retry delay cap, at least RetryMin

	Now    func() time.Time
	Logger *slog.Logger
}

// Worker delivers outbox jobs: it claims due jobs under a lease, signs,
// checks and sends each, and settles it (done, retry later, or failed).
type Worker struct {
	o WorkerOptions
	// idle, when set (by tests), is called each time Run starts waiting.
	idle func()

	mu sync.Mutex
	// due is the earliest retry this worker scheduled: it wakes for it
	// rather than waiting for the next poll (other nodes' retries are
	// found by the poll).
	due time.Time
}

// noteRetry remembers a retry this worker scheduled.
func (w *Worker) noteRetry(at time.Time) {
	w.mu.Lock()
	if w.due.IsZero() || at.Before(w.due) {
		w.due = at
	}
	w.mu.Unlock()
}

// nextWait is how long Run sleeps: until the poll or the earliest retry
// it scheduled, whichever comes first.
func (w *Worker) nextWait() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	wait := w.o.Poll
	if !w.due.IsZero() {
		d := w.due.Sub(w.o.Now())
		w.due = time.Time{}
		if d < 0 {
			d = 0
		}
		if d < wait {
			wait = d
		}
	}
	return wait
}

// SetNotifier gives the worker its notification renderer (serve builds
// it once the web interface knows its address); call it before Run.
func (w *Worker) SetNotifier(n *Notifier) { w.o.Notifier = n }

// NewWorker fills in the defaults.
func NewWorker(o WorkerOptions) (*Worker, error) {
	if o.Store == nil || o.Deliver == nil {
		return nil, errors.New("outbox worker: store and deliverer are required")
	}
	if o.RetryMin <= 0 || o.RetryMax < o.RetryMin {
		return nil, errors.New("outbox worker: retry delays are required (0 < RetryMin <= RetryMax)")
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		o.Owner = host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b[:])
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Lease, 10*time.Minute)
	def(&o.Poll, 15*time.Second)
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
		if d, ok := o.Deliver.(*Delivery); ok && d.Smarthost != "" {
			_, sessions := d.Destination("")
			o.Concurrency = sessions * (1 + waitingPerSession)
		}
	}
	if o.PerDestination <= 0 {
		o.PerDestination = DefaultDomainSessions
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Scanner == nil {
		o.Scanner = scan.New(scan.DefaultLimits())
	}
	return &Worker{o: o}, nil
}

// Run delivers until ctx ends. It wakes when the store signals a commit
// that queued jobs, when a delivery ends and makes room, and polls besides
// for retries that come due and for jobs queued by other nodes. Jobs are
// claimed as room frees, never a whole batch waited for: a destination
// that is slow to answer holds only its own sessions.
func (w *Worker) Run(ctx context.Context) error {
	p := w.newPool(ctx)
	defer p.drain()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if want := min(w.o.Batch, p.room()); want > 0 {
			n, err := w.claim(ctx, p, want)
			if err != nil && ctx.Err() == nil {
				w.o.Logger.Error("outbox claim failed", "err", err)
			}
			if n == want && err == nil {
				continue // there may be more due right now
			}
		}
		timer.Reset(w.nextWait())
		if w.idle != nil {
			w.idle()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.o.Store.Wake():
		case <-p.freed:
		case <-timer.C:
		}
	}
}

// claim takes up to n due jobs into p.
func (w *Worker) claim(ctx context.Context, p *pool, n int) (int, error) {
	jobs, err := w.o.Store.Claim(ctx, w.o.Owner, w.o.Lease, n)
	if err != nil {
		return 0, fmt.Errorf("claim outbox jobs: %w", err)
	}
	for _, j := range jobs {
		if j.TakenOverFrom != "" {
			// Delivery is at least once: the old owner may have handed the
			// reply over and died before settling it.
			takeovers.Inc()
			w.o.Logger.Info("outbox job taken over", "job", j.ID, "from", j.TakenOverFrom, "attempt", j.Attempts)
		}
		p.add(j)
	}
	return len(jobs), nil
}

// outcome of one attempt, as audited and counted.
const (
	resultSent    = "sent"
	resultRetry   = "retry"
	resultFailed  = "failed"
	resultGaveUp  = "gave_up"
	resultBlocked = "blocked" // outbound DLP refused it
	// not_wanted: a notification its rules stop (address outside the
	// allowed domains, settings changed, user disabled); never tried.
	resultNotWanted = "not_wanted"
	// deferred: claimed but not tried (its destination was busy, or the
	// worker stopped); due again at once or after a backoff.
	resultDeferred = "deferred"
)

func (w *Worker) work(ctx context.Context, j tickets.OutboxJob) {
	log := w.o.Logger.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	notify := strings.HasPrefix(j.Kind, KindNotifyPrefix)
	if !strings.HasPrefix(j.Kind, KindAutoPrefix) && !notify {
		w.settle(ctx, j, resultFailed, 0, fmt.Errorf("unknown outbox job kind %q", j.Kind), log)
		return
	}
	var raw []byte
	var body string
	var err error
	switch {
	case !notify:
		raw, body, err = w.message(ctx, j)
	case w.o.Notifier == nil:
		err = errors.New("a notification, and this worker renders none (no notifier)")
	default:
		raw, body, err = w.o.Notifier.Render(ctx, j)
	}
	if err != nil {
		result := resultFailed
		if errors.Is(err, errNotWanted) {
			result = resultNotWanted
		} else if errors.Is(err, errStoreRead) {
			result = resultRetry // the store is down; the reply is still wanted
		} else {
			countDecision(Decision{Reason: ReasonComposeFailed})
		}
		w.settle(ctx, j, result, 0, err, log)
		return
	}
	// DLP on what is really about to leave: an auto-reply was rendered
	// just now, and a staff reply, checked when it was queued, is checked
	// again, since a fault anywhere between must not become a leak.
	if err := CheckOutbound(ctx, w.o.Scanner, raw, body); err != nil {
		w.settle(ctx, j, resultBlocked, 0, err, log)
		return
	}
	msg, err := w.o.DKIM.Sign(raw)
	if err != nil {
		w.settle(ctx, j, resultRetry, 0, err, log)
		return
	}
	err = w.o.Deliver.Deliver(ctx, j.Recipient, msg)
	var de *DeliveryError
	code := 0
	if errors.As(err, &de) {
		code = de.Code
	}
	switch {
	case err == nil:
		w.settle(ctx, j, resultSent, 0, nil, log)
	case IsPermanent(err):
		// A 5xx ends the job; we never bounce our own reply (RFC 3834 §3.3).
		w.settle(ctx, j, resultFailed, code, err, log)
	default:
		w.settle(ctx, j, resultRetry, code, err, log)
	}
}

// errStoreRead marks a message that could not be built because the store
// could not be read: the job is retried, not failed.
var errStoreRead = errors.New("store unavailable")

// message is what job j sends: an auto-reply's intent rendered now with
// its ticket's ref, or a payload that was rendered when it was queued (a
// staff reply; an auto-reply queued before intents existed). body is the
// text as written, for CheckOutbound ("" when there is none apart).
func (w *Worker) message(ctx context.Context, j tickets.OutboxJob) (raw []byte, body string, err error) {
	if _, isIntent, err := parseIntent(j.Payload); err != nil {
		return nil, "", err
	} else if !isIntent {
		return j.Payload, "", nil
	}
	if w.o.Responder == nil {
		return nil, "", errors.New("an auto-reply, and this worker renders none (no responder)")
	}
	t, err := w.o.Store.GetTicketByID(ctx, j.TicketID)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, "", errors.New("its ticket is gone (purged before the reply was sent)")
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: read ticket: %v", errStoreRead, err)
	}
	raw, body, err = w.o.Responder.Render(j, t.Ref)
	if err != nil {
		return nil, "", fmt.Errorf("render reply: %w", err)
	}
	return raw, body, nil
}

// putBack returns a claimed job untried, due at next. The claim counted
// an attempt; the audit says it was not one, and why.
func (w *Worker) putBack(ctx context.Context, j tickets.OutboxJob, why string, next time.Time) {
	sctx := context.WithoutCancel(ctx)
	tid := ""
	if j.TicketID != uuid.Nil {
		tid = j.TicketID.String()
	}
	detail := map[string]string{"job": j.ID.String(), "kind": j.Kind, "attempt": strconv.Itoa(j.Attempts), "result": resultDeferred, "why": why}
	if _, err := w.o.Store.AppendAudit(sctx, tickets.AuditEvent{At: w.o.Now(), Actor: "outbox:" + w.o.Owner, Action: ActionOutboxAttempt, TicketID: tid, ItemID: j.ID.String(), Detail: detail}); err != nil {
		w.o.Logger.Error("audit outbox deferral", "job", j.ID, "err", err)
	}
	attempts.WithLabelValues(resultDeferred).Inc()
	err := w.o.Store.Retry(sctx, j.ID, w.o.Owner, next, "not tried: "+why)
	if errors.Is(err, tickets.ErrLeaseLost) {
		w.o.Logger.Warn("outbox lease lost", "job", j.ID, "result", resultDeferred)
	} else if err != nil {
		w.o.Logger.Error("settle outbox job", "job", j.ID, "result", resultDeferred, "err", err)
	} else if next.After(w.o.Now()) {
		w.noteRetry(next)
	}
	w.o.Logger.Info("outbox job deferred untried", "job", j.ID, "ticket", tid, "why", why, "next", next)
}

// Backoff is the delay before the attempt after the given one (counting
// from 1): RetryMin doubling up to RetryMax.
func (w *Worker) Backoff(attempts int) time.Duration {
	d := w.o.RetryMin
	for i := 1; i < attempts && d < w.o.RetryMax; i++ {
		d *= 2
	}
	return min(d, w.o.RetryMax)
}

// settle records the attempt and moves the job on. The audit event comes
// first so that every attempt is in the chain even if settling fails.
func (w *Worker) settle(ctx context.Context, j tickets.OutboxJob, result string, code int, cause error, log *slog.Logger) {
	// Settle even when shutting down: the attempt happened.
	sctx := context.WithoutCancel(ctx)
	now := w.o.Now()
	next := now.Add(w.Backoff(j.Attempts))
	if result == resultRetry && !j.GiveUpAt.IsZero() && next.After(j.GiveUpAt) {
		result = resultGaveUp
	}
	detail := map[string]string{"job": j.ID.String(), "kind": j.Kind, "attempt": strconv.Itoa(j.Attempts), "result": result}
	if code != 0 {
		detail["code"] = strconv.Itoa(code)
	}
	var de *DeliveryError
	if errors.As(cause, &de) {
		detail["stage"] = de.Stage
	}
	tid := ""
	if j.TicketID != uuid.Nil {
		tid = j.TicketID.String()
	}
	if _, err := w.o.Store.AppendAudit(sctx, tickets.AuditEvent{At: now, Actor: "outbox:" + w.o.Owner, Action: ActionOutboxAttempt, TicketID: tid, ItemID: j.ID.String(), Detail: detail}); err != nil {
		log.Error("audit outbox attempt", "err", err)
	}
	attempts.WithLabelValues(result).Inc()

	lastErr := ""
	if cause != nil {
		lastErr = safeText(cause.Error())
	}
	var err error
	switch result {
	case resultSent:
		err = w.o.Store.Ack(sctx, j.ID, w.o.Owner)
		log.Info("outbox job sent", "ticket", tid)
	case resultRetry:
		err = w.o.Store.Retry(sctx, j.ID, w.o.Owner, next, lastErr)
		if err == nil {
			w.noteRetry(next)
		}
		log.Warn("outbox job deferred", "ticket", tid, "code", code, "next", next, "err", lastErr)
	case resultGaveUp:
		err = w.o.Store.Fail(sctx, j.ID, w.o.Owner, "gave up after "+strconv.Itoa(j.Attempts)+" attempts: "+lastErr)
		log.Warn("outbox job given up", "ticket", tid, "code", code, "err", lastErr)
	default:
		err = w.o.Store.Fail(sctx, j.ID, w.o.Owner, lastErr)
		log.Warn("outbox job failed", "ticket", tid, "result", result, "code", code, "err", lastErr)
	}
	if errors.Is(err, tickets.ErrLeaseLost) {
		// Our lease ran out mid-delivery and another worker took the job:
		// it may go out twice, which a longer Lease prevents.
		log.Warn("outbox lease lost", "result", result)
	} else if err != nil {
		log.Error("settle outbox job", "result", result, "err", err)
	}
}
