// Package tickets is intake's domain (tickets, messages, clean attachments,
// sealed quarantine items, the audit chain, the outbox) and the store behind
// one interface, with two backends of one behaviour: SQLite embedded by
// default (one writer, group commit) and PostgreSQL for several nodes.
//
// The store keeps only masked text and age ciphertext. Callers hand it what
// the scanner produced; it never sees, and so never writes, a full number.
package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Inbound is one member message ready to be filed, as the gateway built it
// from the envelope, the scan result and the sealed original. Every text
// field is already masked.
type Inbound struct {
	Queue    string
	Envelope Envelope

	// Message-ID, In-Reply-To and References as in the header (without
	// angle brackets or with; the store normalises). Masked by the gateway
	// like any header: masking is deterministic, so threading still matches.
	MessageID  string
	InReplyTo  string
	References []string

	Subject     string // masked, decoded
	From        string // address of the From header (or envelope sender)
	FromName    string // masked display name
	Headers     []Header
	AuthResults string // the Authentication-Results header value we wrote
	Auth        AuthVerdicts
	// SenderVerified is true when the From address is proven: aligned
	// DMARC pass, or SPF pass for an envelope sender equal to From.
	// Threading by subject tag or by headers alone needs it.
	SenderVerified bool

	Parts       []Part
	Attachments []Attachment // clean ones only, with Content
	Findings    []Finding
	Unscannable []Unscannable
	// Causes for the quarantine item; derived from Findings and
	// Unscannable when empty.
	Causes []Cause

	// Sealed is the age ciphertext of the raw original (see Sealer); nil
	// for a clean message, which keeps no original.
	Sealed []byte
	Size   int64 // raw size in bytes

	// DedupKey identifies a delivery (see DedupKey); a second Accept with
	// the same key returns the first one's ticket and writes nothing.
	DedupKey string

	// Outbox jobs queued in the same transaction (not for a duplicate).
	// TicketID is filled in: the worker reads the ticket when it sends.
	Outbox []OutboxJob
	// ReplyDecision is what the gateway decided about answering: ReplyQueued,
	// or the word of the reason there is no reply (see reply/reasons.go).
	// The store keeps it on the message, replacing ReplyQueued with
	// ReplyRateLimitedAtCommit when its own rate check drops every job.
	ReplyDecision string

	// ReceivedAt defaults to the store's clock.
	ReceivedAt time.Time
}

// ThreadedBy says how a message found its ticket.
type ThreadedBy string

const (
	ThreadNew     ThreadedBy = ""        // a new ticket
	ThreadToken   ThreadedBy = "token"   // our signed Message-ID token
	ThreadHeaders ThreadedBy = "headers" // In-Reply-To/References
	ThreadSubject ThreadedBy = "subject" // [T-XXXXXX] from a known sender
)

// Accepted is the outcome of Accept.
type Accepted struct {
	TicketID     uuid.UUID
	Ref          string
	MessageID    uuid.UUID // our id of the stored message
	QuarantineID uuid.UUID // uuid.Nil when nothing was sealed
	Duplicate    bool      // a redelivery: the first delivery's ticket, nothing written
	Threaded     bool
	ThreadedBy   ThreadedBy
	Jobs         []uuid.UUID // outbox jobs queued
	JobsLimited  int         // jobs dropped because a Limit was spent
	// Notifications are the staff notification jobs queued with the
	// message (notify.go), kept apart from Jobs, which are the gateway's
	// (its auto-reply); NotificationsLimited, those an account's hourly
	// bound dropped.
	Notifications        []uuid.UUID
	NotificationsLimited int
}

// TicketFilter selects tickets; zero values mean "any". Limit 0 means all.
type TicketFilter struct {
	Status Status
	Queue  string
	Limit  int
}

// QuarantineFilter selects quarantine items; zero values mean "any".
type QuarantineFilter struct {
	State QuarantineState
	Limit int
}

// OutboxFilter selects outbox jobs; zero values mean "any".
type OutboxFilter struct {
	State OutboxState
	Limit int
}

// RetentionPolicy says what PurgeExpired removes. Quarantine items carry
// their own deadline (set at accept from Options.RetentionDays).
type RetentionPolicy struct {
	Now time.Time // zero: the store's clock
	// ClosedTicketsAfter deletes closed tickets (and their messages) that
	// have not changed for this long; 0 keeps them forever.
	ClosedTicketsAfter time.Duration
}

// PurgeReport counts what PurgeExpired removed.
type PurgeReport struct {
	QuarantineItems int
	Tickets         int
}

// VerifyReport is the outcome of an audit chain check.
type VerifyReport struct {
	Events   int64
	OK       bool
	Problems []string // "seq 12: hash mismatch (edited)", "seq 13 missing (deleted)"
	// Anchors is how many anchors (see AuditAnchor) were checked.
	Anchors int
	// Tickets, Messages and Items are how many rows the cross-check found
	// their audit event for (every ticket its ticket.create, every inbound
	// message the event that filed it, every quarantine item its seal).
	Tickets, Messages, Items int64
}

// Store is everything intake keeps. Both backends implement it with one
// behaviour, proven by the conformance suite.
type Store interface {
	// Accept files one inbound message in ONE transaction: ticket (new or
	// threaded), message, clean attachments, quarantine item, audit event,
	// outbox jobs, the staff notifications it calls for (notify.go), dedup
	// key. On return without error it is durable. Any
	// error means nothing was written; see IsInvalid for the one kind that is
	// the sender's doing, every other error is ours (SMTP 451).
	Accept(ctx context.Context, in *Inbound) (Accepted, error)

	// Ping tells whether the store can serve (for /readyz).
	Ping(ctx context.Context) error
	Close() error

	Tickets
	Quarantine
	Audit
	Outbox
	RateLimits
	Users
	Staff
	Notify
	Report
}

// Report reads what the compliance report counts (see report.go).
type Report interface {
	ReportFacts(ctx context.Context, since, until time.Time) (ReportFacts, error)
}

// Tickets reads and updates tickets.
type Tickets interface {
	// ListTickets returns every ticket matching f, newest first.
	ListTickets(ctx context.Context, f TicketFilter) ([]Ticket, error)
	// GetTicket returns a ticket by ref (any case, with or without "T-")
	// with its messages, parts, attachment metadata and findings.
	GetTicket(ctx context.Context, ref string) (*TicketDetail, error)
	GetTicketByID(ctx context.Context, id uuid.UUID) (*TicketDetail, error)
	// GetAttachment returns a clean attachment with its content.
	GetAttachment(ctx context.Context, id uuid.UUID) (*Attachment, error)
	SetStatus(ctx context.Context, ref string, s Status, actor string) error
	// AddParticipant lets address thread onto the ticket as the requester
	// does (verified sender, subject tag or headers). Staff decide it, and
	// it is audited; mail alone never makes anyone a participant.
	AddParticipant(ctx context.Context, ref, address, actor string) error
}

// Quarantine manages sealed originals. Every read of ciphertext is audited.
type Quarantine interface {
	ListQuarantine(ctx context.Context, f QuarantineFilter) ([]QuarantineItem, error)
	// GetQuarantine returns an item's metadata, without ciphertext.
	GetQuarantine(ctx context.Context, id uuid.UUID) (*QuarantineItem, error)
	// FetchQuarantine records a quarantine.fetch audit event for actor and
	// then returns the item with its ciphertext. Decrypting is the caller's
	// (see OpenSealed), who then reports the outcome with
	// RecordQuarantineOpen; the store never holds an identity.
	FetchQuarantine(ctx context.Context, id uuid.UUID, actor string) (*QuarantineItem, error)
	// OpenQuarantine is FetchQuarantine under its old name.
	OpenQuarantine(ctx context.Context, id uuid.UUID, actor string) (*QuarantineItem, error)
	// RecordQuarantineOpen audits whether actor's identity opened a fetched
	// item: quarantine.open, or quarantine.open_failed with reason, a short
	// token such as "no_identity_matched" (lower-case letters, digits and
	// _.:- only, so that it can hold no content; anything else is refused).
	RecordQuarantineOpen(ctx context.Context, id uuid.UUID, actor string, opened bool, reason string) error
	// ReleasePart joins what a privacy officer released from an item's
	// sealed original to its message, in place of the withheld part at
	// r.Where, audited (quarantine.release); see Release.
	ReleasePart(ctx context.Context, r Release) error
	// SetLegalHold puts an item under a legal hold or lifts it, audited
	// (quarantine.hold, quarantine.unhold); setting what already is
	// changes and audits nothing. A purged item is ErrConflict.
	SetLegalHold(ctx context.Context, id uuid.UUID, hold bool, actor string) error
	// PurgeQuarantine deletes the ciphertext now (secure_delete on SQLite);
	// an item under a legal hold is ErrConflict.
	PurgeQuarantine(ctx context.Context, id uuid.UUID, actor string) error
	// PurgeExpired applies retention; each purge is an audit event. An
	// item under a legal hold, and a ticket that has one, are kept.
	PurgeExpired(ctx context.Context, p RetentionPolicy) (PurgeReport, error)
}

// Audit is the keyed, hash-chained event log (see audit.go).
type Audit interface {
	AppendAudit(ctx context.Context, e AuditEvent) (AuditEvent, error)
	ListAudit(ctx context.Context, afterSeq int64, limit int) ([]AuditEvent, error)
	// VerifyAudit walks the whole chain and reports edited or deleted
	// events, checks that it still holds each anchor's heads, and
	// cross-checks that every ticket, inbound message and quarantine item
	// has its event.
	VerifyAudit(ctx context.Context, anchors ...AuditAnchor) (VerifyReport, error)
	// AuditAnchor returns the chain heads now, to be kept outside the
	// database (a log line, an append-only file: see AppendAnchor).
	AuditAnchor(ctx context.Context) (AuditAnchor, error)
}

// Outbox is the durable queue of outbound work, claimed under leases so two
// workers (or two nodes) never hold the same job.
type Outbox interface {
	Enqueue(ctx context.Context, jobs ...OutboxJob) ([]uuid.UUID, error)
	// Claim leases up to max due jobs (pending, NextAttempt reached, no live
	// lease) to owner until now+lease, counting an attempt on each.
	Claim(ctx context.Context, owner string, lease time.Duration, max int) ([]OutboxJob, error)
	// Ack marks a job done; ErrLeaseLost if owner no longer holds it.
	Ack(ctx context.Context, id uuid.UUID, owner string) error
	// Retry releases the lease and schedules the next attempt.
	Retry(ctx context.Context, id uuid.UUID, owner string, next time.Time, lastErr string) error
	// Fail ends the job as failed (and audits it).
	Fail(ctx context.Context, id uuid.UUID, owner string, lastErr string) error
	ListOutbox(ctx context.Context, f OutboxFilter) ([]OutboxJob, error)
	GetOutbox(ctx context.Context, id uuid.UUID) (*OutboxJob, error)
	// Reschedule makes a pending or failed job due now (operator's retry).
	Reschedule(ctx context.Context, id uuid.UUID, actor string) error
	// Drop stops a job that is not under a live lease: it stays, as
	// dropped (see Staff.DropJob).
	Drop(ctx context.Context, id uuid.UUID, actor string) error
	// Wake is signalled after a commit that queued jobs, so a worker in this
	// process need not wait for its next poll. Never closed.
	Wake() <-chan struct{}
}

// RateLimits are counters shared through the store (and so across nodes).
type RateLimits interface {
	// Allow records one event under l.Key and returns true if fewer than
	// l.Max were recorded within l.Window before it; otherwise it records
	// nothing and returns false. Atomic across nodes.
	Allow(ctx context.Context, l Limit) (bool, error)
	// CountEvents counts events under key since the given time.
	CountEvents(ctx context.Context, key string, since time.Time) (int, error)
}

// Users keeps staff accounts, browser sessions, API tokens, one-time
// setup links and failed-login counts. Secrets are stored as hashes only;
// the policy (hashing, lifetimes, throttling) is desk's. Every change to
// an account is audited under actor in its own transaction.
type Users interface {
	// CreateUser adds an account; a name already taken is ErrConflict.
	CreateUser(ctx context.Context, u User, actor string) (User, error)
	GetUser(ctx context.Context, name string) (*User, error)
	GetUserByID(ctx context.Context, id uuid.UUID) (*User, error)
	ListUsers(ctx context.Context) ([]User, error)
	CountUsers(ctx context.Context) (int, error)
	CountAdmins(ctx context.Context) (int, error)
	// UpdateUser applies ch, one audit event per field changed. Disabling
	// a user or changing the password ends every session of theirs.
	UpdateUser(ctx context.Context, name string, ch UserChange, actor string) (*User, error)

	// CreateSession stores s, first deleting the session replaced (the
	// one the browser held before logging in, if any), and audits the
	// login under actor when actor is set.
	CreateSession(ctx context.Context, s Session, replaced, actor string) error
	// GetSession returns a session before its Expires with its user, or
	// ErrNotFound (unknown, expired, or the user is disabled).
	GetSession(ctx context.Context, tokenHash string) (*Session, *User, error)
	// TouchSession records use at seen and moves Expires to expires
	// (never past Absolute).
	TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error

	CreateAPIToken(ctx context.Context, t APIToken, actor string) (APIToken, error)
	// GetAPIToken returns a token that works (not revoked, not expired,
	// its user not disabled) with its user, or ErrNotFound.
	GetAPIToken(ctx context.Context, tokenHash string) (*APIToken, *User, error)
	// TouchAPIToken sets the last-used time.
	TouchAPIToken(ctx context.Context, id uuid.UUID, at time.Time) error
	ListAPITokens(ctx context.Context) ([]APIToken, error)
	// RevokeAPIToken stops a token at once; ErrConflict if it already was.
	RevokeAPIToken(ctx context.Context, id uuid.UUID, actor string) error

	// CreateSetupToken stores a one-time link (audited under actor).
	CreateSetupToken(ctx context.Context, t SetupToken, actor string) error
	// GetSetupToken returns a link that has not expired with the user it
	// sets up (nil for a first-admin link), or ErrNotFound. A first-admin
	// link is ErrNotFound once any user exists.
	GetSetupToken(ctx context.Context, tokenHash string) (*SetupToken, *User, error)
	// UseSetupToken spends a link in one transaction: it sets the
	// password of the user the link names or, for a first-admin link,
	// creates u (refused with ErrConflict once any user exists). ErrNotFound
	// if the link is unknown, used or expired.
	UseSetupToken(ctx context.Context, tokenHash string, u User) (User, error)

	// RecordLoginFailure counts a failed login under each key and forgets
	// failures older than before.
	RecordLoginFailure(ctx context.Context, keys []string, before time.Time) error
	// LoginFailures counts key's failures after since, and the last one.
	LoginFailures(ctx context.Context, key string, since time.Time) (n int, last time.Time, err error)
	ClearLoginFailures(ctx context.Context, key string) error
}

// Options open a store.
type Options struct {
	Driver  string // "sqlite" (default) or "postgres"
	DSN     string // postgres DSN; for sqlite an optional file path
	DataDir string // sqlite: the database lives at DataDir/intake.db

	// Secret keys the threading token (see LoadOrCreateSecret). Required.
	Secret []byte
	// AuditKey keys the audit chain's HMAC (see LoadOrCreateAuditKey). It
	// must stay outside the database: whoever can write the database but
	// not read this key cannot rewrite the chain unnoticed. nil: the key
	// in DataDir/audit.key (created on first use), or, with no DataDir
	// (tests of a PostgreSQL store), one derived from Secret.
	AuditKey []byte
	// RetentionDays sets each quarantine item's deadline; 0 means 30.
	RetentionDays int
	// NoGroupCommit makes the SQLite writer commit each write alone (for
	// benchmarks and comparison only).
	NoGroupCommit bool
	// MaxBatch bounds a group commit; 0 means 128.
	MaxBatch int
	// Limits bound stored text; zero fields take DefaultLimits.
	Limits Limits
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BusyTimeout is how long SQLite waits for a lock another process
	// holds (the CLI, say) before failing; 0 means 10s.
	BusyTimeout time.Duration
	// Schema is the PostgreSQL schema to use (tests make one per test);
	// "" means the connection's default search_path.
	Schema string
}

// Errors callers can tell apart with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid input") // sender's doing: refuse, do not retry
	ErrLeaseLost    = errors.New("outbox lease not held")
	ErrClosed       = errors.New("store closed")
	ErrSchemaTooNew = errors.New("database schema is newer than this intake")
	ErrConflict     = errors.New("conflict")
	// ErrAuditKeyMismatch: the audit key does not verify the event that
	// keyed this database's chain; another node's audit.key, or a forged
	// event. Writing on would make events nobody can verify.
	ErrAuditKeyMismatch = errors.New("audit key does not match the database's audit chain")
)

// IsInvalid reports whether err is the caller's input being refused (an
// oversize or malformed field). Every other error from Accept is the
// store's fault, transient from the sender's view: answer 451 4.3.0.
func IsInvalid(err error) bool { return errors.Is(err, ErrInvalid) }

// Open opens (creating if needed) the store named by o and applies the
// migrations this binary knows; a database migrated by a newer binary is
// refused with ErrSchemaTooNew.
func Open(ctx context.Context, o Options) (Store, error) {
	if len(o.Secret) < 16 {
		return nil, fmt.Errorf("open store: threading secret missing or shorter than 16 bytes")
	}
	if o.RetentionDays <= 0 {
		o.RetentionDays = 30
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 128
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	o.Limits = o.Limits.withDefaults()
	if len(o.AuditKey) == 0 {
		key, err := defaultAuditKey(o)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		o.AuditKey = key
	}
	if len(o.AuditKey) < 16 {
		return nil, fmt.Errorf("open store: audit key shorter than 16 bytes")
	}
	var st Store
	var c *core
	switch o.Driver {
	case "", "sqlite":
		s, err := openSQLite(ctx, o)
		if err != nil {
			return nil, err
		}
		st, c = s, s.core
	case "postgres", "postgresql", "pgx":
		s, err := openPostgres(ctx, o)
		if err != nil {
			return nil, err
		}
		st, c = s, s.core
	default:
		return nil, fmt.Errorf("open store: unknown driver %q (want sqlite or postgres)", o.Driver)
	}
	if err := c.prepareAuditChains(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	c.startIndexer()
	return st, nil
}
