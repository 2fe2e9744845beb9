package reply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/intake-mail/intake/tickets"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// openStore opens a real store: SQLite in a temporary directory, or
// PostgreSQL (a fresh schema) when backend is "postgres" and
// INTAKE_TEST_POSTGRES names a server.
func openStore(t *testing.T, backend string, now func() time.Time) tickets.Store {
	t.Helper()
	o := tickets.Options{Driver: backend, Secret: testSecret, Now: now}
	switch backend {
	case "sqlite":
		o.DataDir = t.TempDir()
	case "postgres":
		o.DSN = os.Getenv("INTAKE_TEST_POSTGRES")
		if o.DSN == "" {
			t.Skip("INTAKE_TEST_POSTGRES not set; PostgreSQL not tested here (CI sets it)")
		}
		var b [6]byte
		rand.Read(b[:])
		o.Schema = "intake_reply_" + hex.EncodeToString(b[:])
	}
	s, err := tickets.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open %s store: %v", backend, err)
	}
	t.Cleanup(func() {
		s.Close()
		if o.Schema != "" {
			if conn, err := pgx.Connect(context.Background(), o.DSN); err == nil {
				conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+o.Schema+" CASCADE")
				conn.Close(context.Background())
			}
		}
	})
	return s
}

// forEachBackend runs fn against SQLite, and PostgreSQL when configured.
func forEachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

// clock is a settable time for the store and the worker alike.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var dedupSeq atomic.Int64

// accept files one member message the way the gateway does: the reply's
// intent is queued in the accept's own transaction.
func accept(t *testing.T, s tickets.Store, r *Responder, in Inbound) (Decision, tickets.Accepted) {
	t.Helper()
	ctx := context.Background()
	d, job := r.Intent(ctx, in)
	ti := &tickets.Inbound{
		Queue:     "support",
		Envelope:  tickets.Envelope{MailFrom: in.EnvelopeFrom, Rcpts: []string{"support@support.example"}},
		From:      in.EnvelopeFrom,
		Subject:   "masked subject",
		DedupKey:  fmt.Sprintf("reply-test-%d-%d", os.Getpid(), dedupSeq.Add(1)),
		MessageID: firstValue(in.Header, "Message-ID"),
	}
	if job != nil {
		ti.Outbox = []tickets.OutboxJob{*job}
	}
	a, err := s.Accept(ctx, ti)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	return d, a
}
