package reply

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// replyEnv is one test's whole reply path: a real store, the responder,
// a DKIM key published in a loopback DNS server, a sink as the smarthost
// and a worker.
type replyEnv struct {
	store  tickets.Store
	resp   *Responder
	sink   *sink
	ns     *testDNS
	clock  *clock
	worker *Worker
}

func newReplyEnv(t *testing.T, backend string, sinkOpts sinkOptions, mod func(*WorkerOptions)) *replyEnv {
	t.Helper()
	e := &replyEnv{clock: newClock(), ns: startDNS(t)}
	e.store = openStore(t, backend, e.clock.Now)
	e.resp = testResponder(t, func(o *ResponderOptions) {
		o.Now = e.clock.Now
		o.Policy.OwnDomains = []string{"support.example"}
		o.History = e.store
	})
	var pool *x509.CertPool
	e.sink, pool = startSink(t, sinkOpts)
	key, err := GenerateDKIMKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	dk, err := NewDKIM(key, "support.example", "sel")
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := DKIMRecord(dk.Public())
	e.ns.addTXT("sel._domainkey.support.example", rec)
	wo := WorkerOptions{
		Store: e.store,
		Deliver: &Delivery{Smarthost: e.sink.addr, HeloName: "mx.support.example", Timeout: 10 * time.Second,
			Username: sinkOpts.user, Password: sinkOpts.pass, TLSConfig: &tls.Config{RootCAs: pool}},
		Responder: e.resp,
		DKIM:      dk,
		Owner:     "test-worker",
		RetryMin:  time.Minute,
		RetryMax:  time.Hour,
		Now:       e.clock.Now,
		Logger:    slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&wo)
	}
	e.worker, err = NewWorker(wo)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// memberInbound is a message from the member at from. Its Message-ID is
// unique and holds no digit: a random one can hold digit groups that look
// like an SSN, and safeInReplyTo would then rightly leave it out.
func memberInbound(from string, facts ScanFacts, hdr ...string) Inbound {
	id := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 'g' + (r - '0')
		}
		return r
	}, uuid.NewString())
	h := map[string][]string{"From": {from}, "Message-ID": {"<" + id + "@mail.member.example>"}}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = append(h[hdr[i]], hdr[i+1])
	}
	return Inbound{EnvelopeFrom: from, Header: h, Auth: Auth{SPF: "pass"}, Scan: facts}
}

var ssnFacts = ScanFacts{Kinds: []scan.Kind{scan.KindSSN}}

func (e *replyEnv) jobs(t *testing.T) []tickets.OutboxJob {
	t.Helper()
	js, err := e.store.ListOutbox(context.Background(), tickets.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// RunOnce (tests only) claims one batch of due jobs and works them (concurrently, with
// the per-destination bounds); it returns how many it claimed once every
// one is settled.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	p := w.newPool(ctx)
	n, err := w.claim(ctx, p, w.o.Batch)
	p.wg.Wait() // a waiting job is started before the one it waits for ends
	return n, err
}

func (e *replyEnv) runOnce(t *testing.T) int {
	t.Helper()
	n, err := e.worker.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *replyEnv) attemptResults(t *testing.T) []string {
	t.Helper()
	evs, err := e.store.ListAudit(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		if ev.Action == ActionOutboxAttempt {
			out = append(out, ev.Detail["result"])
		}
	}
	return out
}

// TestReplyReachesSmarthost: a member's message with an SSN, accepted into
// the real store, becomes exactly one reply at the smarthost, woken by the
// commit (the worker's poll is an hour), DKIM-signed, threaded, carrying
// the organisation's address, telephone and the ticket reference and
// nothing of the member's message.
func TestReplyReachesSmarthost(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, func(o *WorkerOptions) { o.Poll = time.Hour })
		idle := make(chan struct{}, 10)
		e.worker.idle = func() { idle <- struct{}{} }
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.worker.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		// Run has made its first (empty) claim and waits; with an hour's
		// poll, only the commit's wake-up can make it deliver now.
		<-idle

		in := memberInbound("ann@member.example", ssnFacts, "Subject", "my number is "+plantedSSN)
		d, acc := accept(t, e.store, e.resp, in)
		if !d.Reply || len(acc.Jobs) != 1 {
			t.Fatalf("decision %+v, %d jobs", d, len(acc.Jobs))
		}
		m := e.sink.wait(t, 1)[0]
		if m.from != "" || len(m.to) != 1 || m.to[0] != "ann@member.example" {
			t.Fatalf("envelope from %q to %v, want <> to the member", m.from, m.to)
		}
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.data), &dkim.VerifyOptions{LookupTXT: e.ns.lookupTXT})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("DKIM does not verify: %v", err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		flat := strings.Join(strings.Fields(string(body)), " ")
		for _, want := range []string{"PO Box 100", "Springfield, IL 62701", "+1 217 555 0100", acc.Ref, "a Social Security number"} {
			if !strings.Contains(flat, want) {
				t.Errorf("reply lacks %q", want)
			}
		}
		assertNoPlanted(t, "delivered reply", string(m.data))
		assertNoPlanted(t, "delivered body", string(body))
		if strings.Contains(string(m.data), "my number") {
			t.Errorf("reply quotes the member")
		}
		if got := msg.Header.Get("In-Reply-To"); got != in.Header["Message-ID"][0] {
			t.Errorf("In-Reply-To %q, want the member's Message-ID", got)
		}
		if !strings.Contains(msg.Header.Get("Subject"), acc.Ref) {
			t.Errorf("subject lacks the ref")
		}
		th := tickets.NewThreader(testSecret)
		if id, ok := th.TicketFromMessageID(msg.Header.Get("Message-ID")); !ok || id != acc.TicketID {
			t.Errorf("Message-ID does not thread to the ticket")
		}
		// The member answering our reply threads onto the same ticket.
		ti := &tickets.Inbound{Queue: "support", From: "ann@member.example", Subject: "re", DedupKey: "answer-" + uuid.NewString(),
			InReplyTo: msg.Header.Get("Message-ID"), Envelope: tickets.Envelope{MailFrom: "ann@member.example"}}
		a2, err := e.store.Accept(context.Background(), ti)
		if err != nil || a2.TicketID != acc.TicketID {
			t.Errorf("member's answer filed on %s, want %s (%v)", a2.Ref, acc.Ref, err)
		}

		// Settled: done, and the attempt is in the audit chain.
		waitFor(t, func() bool {
			js := e.jobs(t)
			return len(js) == 1 && js[0].State == tickets.OutboxDone
		})
		if got := e.attemptResults(t); len(got) != 1 || got[0] != resultSent {
			t.Errorf("audited attempts %v, want [sent]", got)
		}
		if n := len(e.sink.messages()); n != 1 {
			t.Errorf("%d messages at the smarthost, want exactly 1", n)
		}
	})
}

// TestNoReplyToMachines: bounces, list mail and auto-submitted mail queue
// nothing, so nothing can be sent.
func TestNoReplyToMachines(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, nil)
		for _, tc := range []struct {
			in     Inbound
			reason string
		}{
			{memberInbound("", ssnFacts), ReasonNullSender},
			{memberInbound("MAILER-DAEMON@mx.member.example", ssnFacts, "Content-Type", "multipart/report; report-type=delivery-status"), ReasonBounceSender},
			{memberInbound("ann@member.example", ssnFacts, "List-Id", "<members.lists.example>", "Precedence", "list"), ReasonPrecedence},
			{memberInbound("ann@member.example", ssnFacts, "Auto-Submitted", "auto-replied"), ReasonAutoSubmitted},
			{memberInbound("ann@member.example", ssnFacts, "X-Loop", "support@support.example"), ReasonLoop},
		} {
			d, acc := accept(t, e.store, e.resp, tc.in)
			if d.Reply || d.Reason != tc.reason || len(acc.Jobs) != 0 {
				t.Errorf("%s: decision %+v, %d jobs", tc.reason, d, len(acc.Jobs))
			}
		}
		if n := e.runOnce(t); n != 0 || len(e.jobs(t)) != 0 || len(e.sink.messages()) != 0 {
			t.Fatalf("something was queued or sent")
		}
	})
}

// TestRateLimitFiftyMessages: fifty messages from one sender, accepted
// concurrently, get one sensitive-data reply and at most the hourly cap in
// all; the next day the sender may be told again.
func TestRateLimitFiftyMessages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, nil)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := range 50 {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				facts := ssnFacts
				if i%2 == 1 {
					facts = ScanFacts{Withheld: true}
				}
				accept(t, e.store, e.resp, memberInbound("ann@member.example", facts))
			}()
		}
		wg.Wait()
		js := e.jobs(t)
		sensitive := 0
		for _, j := range js {
			if j.Kind == KindAutoPrefix+TemplateSensitive {
				sensitive++
			}
		}
		// One sensitive-data reply whatever the order; withheld notes up to
		// the hourly cap, which the sensitive reply counts toward unless
		// the notes used it up first (then it still goes: it has priority).
		if capN := testPolicy().RepliesPerHour; sensitive != 1 || len(js) < capN || len(js) > capN+1 {
			t.Fatalf("%d jobs (%d sensitive), want %d or %d (1 sensitive)", len(js), sensitive, capN, capN+1)
		}
		// Another sender is not held back by ann's count.
		if _, acc := accept(t, e.store, e.resp, memberInbound("bob@member.example", ssnFacts)); len(acc.Jobs) != 1 {
			t.Fatalf("bob got %d jobs", len(acc.Jobs))
		}
		for e.runOnce(t) > 0 {
		}
		if n := len(e.sink.messages()); n != len(js)+1 {
			t.Fatalf("%d delivered, want %d", n, len(js)+1)
		}
		// An hour later: withheld notes again, but no second SSN warning
		// until a day has passed.
		e.clock.Advance(61 * time.Minute)
		if _, acc := accept(t, e.store, e.resp, memberInbound("ann@member.example", ssnFacts)); len(acc.Jobs) != 0 {
			t.Fatalf("second sensitive reply within the day")
		}
		e.clock.Advance(24 * time.Hour)
		if _, acc := accept(t, e.store, e.resp, memberInbound("ann@member.example", ssnFacts)); len(acc.Jobs) != 1 {
			t.Fatalf("no sensitive reply the next day")
		}
	})
}

// TestRetryUntilSmarthostRecovers: the smarthost answers 451 three times;
// the worker retries at 1, 2 and 4 minutes (never earlier), then the reply
// is delivered once.
func TestRetryUntilSmarthostRecovers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, nil)
		e.sink.tempFails = 3
		accept(t, e.store, e.resp, memberInbound("ann@member.example", ssnFacts))
		for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
			if n := e.runOnce(t); n != 1 {
				t.Fatalf("attempt %d: claimed %d", i+1, n)
			}
			e.clock.Advance(wait - time.Second)
			if n := e.runOnce(t); n != 0 {
				t.Fatalf("retried before the backoff of %v", wait)
			}
			e.clock.Advance(time.Second)
		}
		if n := e.runOnce(t); n != 1 {
			t.Fatalf("final attempt not claimed")
		}
		e.clock.Advance(2 * time.Hour)
		if n := e.runOnce(t); n != 0 {
			t.Fatalf("a delivered job was claimed again")
		}
		if m := e.sink.messages(); len(m) != 1 {
			t.Fatalf("%d deliveries, want exactly 1", len(m))
		}
		js := e.jobs(t)
		if len(js) != 1 || js[0].State != tickets.OutboxDone || js[0].Attempts != 4 {
			t.Fatalf("job %+v", js)
		}
		want := []string{resultRetry, resultRetry, resultRetry, resultSent}
		if got := e.attemptResults(t); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("audited %v, want %v", got, want)
		}
	})
}

// TestPermanentFailureAndGiveUp: a 5xx ends the job at once, with no
// bounce of our own; endless 4xx ends it after about a day.
func TestPermanentFailureAndGiveUp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, nil)
		e.sink.permCode = 550
		accept(t, e.store, e.resp, memberInbound("ann@member.example", ssnFacts))
		e.runOnce(t)
		e.clock.Advance(2 * time.Hour)
		if n := e.runOnce(t); n != 0 {
			t.Fatalf("a failed job was retried")
		}
		js := e.jobs(t)
		if len(js) != 1 || js[0].State != tickets.OutboxFailed || !strings.Contains(js[0].LastError, "550") {
			t.Fatalf("after 550: %+v", js)
		}
		if e.sink.rcptTries != 1 || len(e.sink.messages()) != 0 {
			t.Fatalf("sink saw %d tries, %d messages", e.sink.rcptTries, len(e.sink.messages()))
		}

		e.sink.permCode, e.sink.tempFails = 0, 1<<30
		accept(t, e.store, e.resp, memberInbound("bob@member.example", ssnFacts))
		tries := 0
		for ; tries < 100; tries++ {
			e.runOnce(t)
			e.clock.Advance(time.Hour)
			js := e.jobs(t)
			if js[len(js)-1].State != tickets.OutboxPending {
				break
			}
		}
		js = e.jobs(t)
		last := js[len(js)-1]
		if last.State != tickets.OutboxFailed || !strings.Contains(last.LastError, "gave up") {
			t.Fatalf("endless 451: state %s, %q", last.State, last.LastError)
		}
		if last.Attempts < 10 || last.Attempts > 40 {
			t.Fatalf("gave up after %d attempts; want about a day's worth", last.Attempts)
		}
		if len(e.sink.messages()) != 0 {
			t.Fatalf("delivered despite 451")
		}
	})
}

// TestTwoWorkersNeverSendTwice: two workers (two nodes) claim the same
// outbox at once; every reply goes out exactly once.
func TestTwoWorkersNeverSendTwice(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, nil)
		const n = 20
		for i := range n {
			accept(t, e.store, e.resp, memberInbound(fmt.Sprintf("m%d@member.example", i), ssnFacts))
		}
		other, err := NewWorker(WorkerOptions{Store: e.store, Deliver: &Delivery{Smarthost: e.sink.addr}, Responder: e.resp, Owner: "other-node",
			Batch: 3, RetryMin: time.Minute, RetryMax: time.Hour, Now: e.clock.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		e.worker.o.Batch = 3
		var wg sync.WaitGroup
		for _, w := range []*Worker{e.worker, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if k, err := w.RunOnce(context.Background()); err != nil || k == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		got := map[string]int{}
		for _, m := range e.sink.messages() {
			got[m.to[0]]++
		}
		if len(got) != n {
			t.Fatalf("%d recipients reached, want %d", len(got), n)
		}
		for to, k := range got {
			if k != 1 {
				t.Errorf("%s got %d replies", to, k)
			}
		}
	})
}

// TestWorkerBlocksSensitivePayload: whatever reached the outbox, a full
// number is never handed to the smarthost.
func TestWorkerBlocksSensitivePayload(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, nil)
	payload := []byte("From: <support@support.example>\r\nTo: <ann@member.example>\r\nSubject: x\r\n\r\ncard " + plantedPAN + "\r\n")
	if _, err := e.store.Enqueue(context.Background(), tickets.OutboxJob{Kind: KindStaff, TicketID: uuid.New(), Recipient: "ann@member.example", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	e.runOnce(t)
	js := e.jobs(t)
	if len(js) != 1 || js[0].State != tickets.OutboxFailed || !strings.Contains(js[0].LastError, "sensitive") {
		t.Fatalf("job %+v", js)
	}
	if strings.Contains(js[0].LastError, plantedPAN) {
		t.Fatalf("last error holds the number")
	}
	if len(e.sink.messages()) != 0 {
		t.Fatalf("sent")
	}
}

func TestBackoff(t *testing.T) {
	w, _ := NewWorker(WorkerOptions{Store: nil, Deliver: nil, RetryMin: time.Minute, RetryMax: time.Hour})
	if w != nil {
		t.Fatal("worker without store or deliverer")
	}
	if w, _ := NewWorker(WorkerOptions{Store: openStore(t, "sqlite", nil), Deliver: &Delivery{}}); w != nil {
		t.Fatal("worker without retry delays")
	}
	w = &Worker{o: WorkerOptions{RetryMin: time.Minute, RetryMax: time.Hour}}
	for attempts, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 6: 32 * time.Minute, 7: time.Hour, 30: time.Hour} {
		if got := w.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

// waitFor polls cond with a generous bound: a guard, not a timing claim.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("condition not reached")
}
