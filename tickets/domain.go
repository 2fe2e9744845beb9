package tickets

import (
	"time"

	"github.com/google/uuid"
)

// This file holds the domain: what a ticket, a message, a quarantine item, an
// audit event and an outbox job are. It knows nothing of SQL; the backends
// map these to rows.

// Status is where a ticket stands in the staff workflow.
type Status string

const (
	StatusNew     Status = "new"
	StatusOpen    Status = "open"
	StatusPending Status = "pending"
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed"
	StatusSpam    Status = "spam"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusOpen, StatusPending, StatusSolved, StatusClosed, StatusSpam:
		return true
	}
	return false
}

// MessageKind tells a member's mail from what staff or intake wrote.
type MessageKind string

const (
	KindInbound  MessageKind = "inbound"  // mail from a member
	KindOutbound MessageKind = "outbound" // a reply we sent (auto or staff)
	KindNote     MessageKind = "note"     // internal, never sent
	// KindReply is a reply staff wrote, kept with the outbox job that
	// delivers it (Message.OutboxID).
	KindReply MessageKind = "reply"
	// KindAutoReply is never stored as a message: desk shows each
	// auto-reply's outbox job under this kind in a ticket's thread.
	KindAutoReply MessageKind = "auto_reply"
)

// Envelope is the SMTP envelope as the gateway saw it.
type Envelope struct {
	MailFrom string   `json:"mail_from"` // "" for the null reverse-path
	Rcpts    []string `json:"rcpts"`
	ClientIP string   `json:"client_ip"`
	Helo     string   `json:"helo"`
}

// AuthVerdicts are the sender authentication results ("pass", "fail",
// "softfail", "none", "temperror", ...), as recorded by the gateway.
type AuthVerdicts struct {
	SPF   string `json:"spf,omitempty"`
	DKIM  string `json:"dkim,omitempty"`
	DMARC string `json:"dmarc,omitempty"`
}

// Header is one header kept for staff. Its value is already masked.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Part is one readable piece of a message (a body, an attachment's text) as
// staff may see it: masked text, or nothing when withheld.
type Part struct {
	Where       string `json:"where"` // "subject", "body", "attachment:NAME" (masked)
	ContentType string `json:"content_type"`
	Filename    string `json:"filename,omitempty"` // masked
	HTML        bool   `json:"html,omitempty"`     // text was made from HTML; never rendered as-is
	Text        string `json:"text"`               // masked; "" when withheld
	Withheld    bool   `json:"withheld,omitempty"`
	Reason      string `json:"reason,omitempty"` // why withheld
	// ReleasedBy and Released: the part was withheld, and a privacy
	// officer released it from the sealed original after review (see
	// ReleasePart); Text is what the scanner made of it again, masked.
	ReleasedBy string    `json:"released_by,omitempty"` // the audit actor, "user:pat"
	Released   time.Time `json:"released,omitzero"`
}

// Attachment is a clean attachment (scanned, nothing found) offered to staff.
type Attachment struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"` // masked
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"` // hex of Content
	// Content is filled on input and by GetAttachment; listings leave it nil.
	Content []byte `json:"-"`
}

// Finding is what the store keeps of a sensitive number: its type, its last
// four digits and where it was. Never more.
type Finding struct {
	Type  string `json:"type"` // "ssn" or "pan"
	Last4 string `json:"last4"`
	Where string `json:"where"`
}

// Unscannable is a part the scanner could not read; it was withheld.
type Unscannable struct {
	Where  string `json:"where"`
	Reason string `json:"reason"`
}

// Ticket is the unit of staff work.
type Ticket struct {
	ID            uuid.UUID    `json:"id"`
	Ref           string       `json:"ref"`
	Status        Status       `json:"status"`
	Queue         string       `json:"queue"`
	Requester     string       `json:"requester"`      // address
	RequesterName string       `json:"requester_name"` // masked display name
	Assignee      string       `json:"assignee,omitempty"`
	Subject       string       `json:"subject"` // masked
	Sensitive     bool         `json:"sensitive"`
	Withheld      bool         `json:"withheld"` // some part was withheld
	Auth          AuthVerdicts `json:"auth"`     // of the first message
	Messages      int          `json:"messages"`
	Created       time.Time    `json:"created"`
	Updated       time.Time    `json:"updated"`
	// LastActivity is when the last message (a member's, a staff reply
	// or a note) was added: the queue is sorted by it, so a member's
	// follow-up moves the ticket up. Status and assignee changes leave it.
	LastActivity time.Time `json:"last_activity"`
	// RelatedRef is a ticket the first message named (subject tag,
	// In-Reply-To, a token of a closed ticket) but was not trusted to
	// join; Related says so for people ("possible follow-up of T-...").
	// Staff only: never tell the sender.
	RelatedRef string `json:"related_ref,omitempty"`
	Related    string `json:"related,omitempty"`
}

// relatedNote is what staff read for a ticket's RelatedRef.
func relatedNote(ref string) string {
	if ref == "" {
		return ""
	}
	return "possible follow-up of " + ref
}

// Message is one mail or note on a ticket.
type Message struct {
	ID           uuid.UUID     `json:"id"`
	TicketID     uuid.UUID     `json:"ticket_id"`
	Kind         MessageKind   `json:"kind"`
	MessageID    string        `json:"message_id,omitempty"` // as given (masked by the gateway)
	InReplyTo    string        `json:"in_reply_to,omitempty"`
	References   []string      `json:"references,omitempty"`
	From         string        `json:"from"`
	FromName     string        `json:"from_name,omitempty"` // masked
	Subject      string        `json:"subject"`             // masked
	Envelope     Envelope      `json:"envelope"`
	Headers      []Header      `json:"headers,omitempty"` // masked
	AuthResults  string        `json:"authentication_results,omitempty"`
	Auth         AuthVerdicts  `json:"auth"`
	Parts        []Part        `json:"parts"`
	Attachments  []Attachment  `json:"attachments,omitempty"`
	Findings     []Finding     `json:"findings,omitempty"`
	Unscannable  []Unscannable `json:"unscannable,omitempty"`
	QuarantineID uuid.UUID     `json:"quarantine_id,omitempty"` // uuid.Nil when nothing was sealed
	Size         int64         `json:"size"`                    // raw size in bytes
	Created      time.Time     `json:"created"`
	// SenderVerified: the gateway proved the From address (aligned DMARC
	// pass, or SPF pass with the envelope sender equal to From).
	SenderVerified bool `json:"sender_verified"`
	// NotParticipant: the sender is neither the requester nor a
	// participant; the message joined by our signed token (see thread.go).
	NotParticipant bool `json:"not_participant,omitempty"`
	// Repaired names the fields whose bytes were not text (NUL, invalid
	// UTF-8) and now hold U+FFFD in their place (see text.go).
	Repaired []string `json:"repaired,omitempty"`
	// OutboxID is the job delivering a staff reply (KindReply).
	OutboxID uuid.UUID `json:"outbox_id,omitzero"`
	// ReplyDecision, on an inbound message, is ReplyQueued or why no
	// auto-reply went with it ("" when filed before it was kept).
	ReplyDecision string `json:"reply_decision,omitempty"`
}

// What Inbound.ReplyDecision holds besides the reply package's reasons:
// the two words the store itself may write.
const (
	ReplyQueued = "queued"
	// ReplyRateLimitedAtCommit: a reply was decided, but a rate limit was
	// spent when the store charged it in the accept's transaction.
	ReplyRateLimitedAtCommit = "rate_limited_at_commit"
)

// TicketDetail is a ticket with everything staff may see of it.
type TicketDetail struct {
	Ticket
	Messages   []Message        `json:"messages"`
	Quarantine []QuarantineItem `json:"quarantine,omitempty"`
}

// QuarantineState is the life of a sealed original.
type QuarantineState string

const (
	QuarantineHeld     QuarantineState = "held"
	QuarantineReleased QuarantineState = "released" // reviewed; staff may be told
	QuarantinePurged   QuarantineState = "purged"   // ciphertext deleted
)

// Cause is a machine-readable reason a message was quarantined, in the
// manner of Zendesk's suspended-ticket causes: "ssn", "pan", or
// "unscannable:REASON".
type Cause string

const (
	CauseSSN Cause = "ssn"
	CausePAN Cause = "pan"
)

// CauseUnscannable is the cause for a part withheld for reason.
func CauseUnscannable(reason string) Cause { return Cause("unscannable:" + reason) }

// QuarantineItem is a sealed raw original with what it is kept for.
type QuarantineItem struct {
	ID          uuid.UUID       `json:"id"`
	TicketID    uuid.UUID       `json:"ticket_id"`
	TicketRef   string          `json:"ticket_ref"`
	MessageID   uuid.UUID       `json:"message_id"`
	State       QuarantineState `json:"state"`
	Causes      []Cause         `json:"causes"`
	Findings    []Finding       `json:"findings,omitempty"`
	Unscannable []Unscannable   `json:"unscannable,omitempty"`
	SealedSize  int64           `json:"sealed_size"`
	Created     time.Time       `json:"created"`
	RetainUntil time.Time       `json:"retain_until"`
	// LegalHold keeps the item (and its ticket) past RetainUntil: neither
	// retention nor a purge removes it until the hold is lifted.
	LegalHold bool `json:"legal_hold"`
	// Sealed is the age ciphertext; only OpenQuarantine returns it.
	Sealed []byte `json:"-"`
}

// AuditEvent is one entry of the append-only, hash-chained audit log. It
// says who did what to which ticket or item, and when; never content.
type AuditEvent struct {
	Seq      int64             `json:"seq"`
	At       time.Time         `json:"at"`
	Actor    string            `json:"actor"`  // "gateway", "retention", "user:NAME", "cli:USER"
	Action   string            `json:"action"` // "ticket.create", "quarantine.open", ...
	TicketID string            `json:"ticket_id,omitempty"`
	ItemID   string            `json:"item_id,omitempty"`
	Detail   map[string]string `json:"detail,omitempty"` // refs, counts, causes; never text
	PrevHash string            `json:"prev_hash"`        // hex
	Hash     string            `json:"hash"`             // hex
	// Chain is the chain the event is linked into: always 1 on SQLite; on
	// PostgreSQL whichever chain was free (see audit.go).
	Chain int64 `json:"chain,omitempty"`
}

// Audit actions written by the store itself.
const (
	ActionTicketCreate   = "ticket.create"
	ActionMessageAppend  = "message.append"
	ActionQuarantineSeal = "quarantine.seal"
	// ActionQuarantineFetch is a read of the ciphertext (a download);
	// whether it then opened is ActionQuarantineOpen or
	// ActionQuarantineOpenFailed, reported by whoever holds the identity.
	ActionQuarantineFetch      = "quarantine.fetch"
	ActionQuarantineOpen       = "quarantine.open"
	ActionQuarantineOpenFailed = "quarantine.open_failed"
	ActionQuarantineRelease    = "quarantine.release"
	ActionQuarantinePurge      = "quarantine.purge"
	// ActionQuarantineView is a look at the quarantine's list or at one
	// item's metadata (desk/); fetch is the ciphertext.
	ActionQuarantineView   = "quarantine.view"
	ActionQuarantineHold   = "quarantine.hold"
	ActionQuarantineUnhold = "quarantine.unhold"
	ActionRetentionPurge   = "retention.purge"
	ActionTicketPurge      = "ticket.purge"
	ActionTicketStatus     = "ticket.status"
	ActionOutboxFail       = "outbox.fail"
	ActionParticipantAdd   = "ticket.participant_add"
	// Staff actions (see desk/).
	ActionTicketAssign = "ticket.assign"
	ActionTicketNote   = "ticket.note"
	ActionTicketReply  = "ticket.reply"
	ActionOutboxRetry  = "outbox.retry"
	ActionOutboxDrop   = "outbox.drop"
	// ActionAuditKey starts the keyed part of a chain (see audit.go).
	ActionAuditKey = "audit.key"
)

// OutboxState is where a job stands.
type OutboxState string

const (
	OutboxPending OutboxState = "pending" // waiting for NextAttempt or a claimer
	OutboxDone    OutboxState = "done"
	OutboxFailed  OutboxState = "failed" // permanent failure or gave up
	// OutboxDropped: an operator stopped the job; it stays listed, with
	// who and why in the audit log.
	OutboxDropped OutboxState = "dropped"
)

// OutboxJob is a piece of outbound work (an auto-reply, a staff reply),
// claimed by one worker at a time under a lease.
type OutboxJob struct {
	ID          uuid.UUID   `json:"id"`
	Kind        string      `json:"kind"` // e.g. "reply.sensitive"; meaning belongs to reply/
	TicketID    uuid.UUID   `json:"ticket_id"`
	Recipient   string      `json:"recipient"`
	Payload     []byte      `json:"payload,omitempty"` // opaque to the store; never a full number
	State       OutboxState `json:"state"`
	Attempts    int         `json:"attempts"`
	NextAttempt time.Time   `json:"next_attempt"`
	GiveUpAt    time.Time   `json:"give_up_at"` // zero: never
	LeaseOwner  string      `json:"lease_owner,omitempty"`
	LeaseUntil  time.Time   `json:"lease_until"`
	LastError   string      `json:"last_error,omitempty"`
	// TakenOverFrom, set by Claim only, is the worker whose lease on the
	// job ran out before it settled the job (a node that died, or hung):
	// this claim takes the job over.
	TakenOverFrom string    `json:"-"`
	Created       time.Time `json:"created"`
	Updated       time.Time `json:"updated"`
	// Limits, on input only: the job is queued only if every limit allows
	// it, checked and counted in the accept's own transaction, so two nodes
	// cannot both spend the last reply of an address.
	Limits []Limit `json:"-"`
}

// Limit is a sliding-window rate limit shared through the store: at most
// Max events under Key within Window.
type Limit struct {
	Key    string
	Max    int
	Window time.Duration
}

// Role is what a staff user may do.
type Role string

const (
	RoleAgent   Role = "agent"
	RolePrivacy Role = "privacy" // may see the quarantine
	RoleAdmin   Role = "admin"
)

// User is a staff account. A user with no PasswordHash cannot log in
// until a setup link sets one.
type User struct {
	ID           uuid.UUID `json:"id"`
	Name         string    `json:"name"`
	Roles        []Role    `json:"roles"`
	PasswordHash string    `json:"-"` // argon2id, PHC string (see desk)
	Disabled     bool      `json:"disabled"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// UserChange is what UpdateUser changes; nil fields stay as they are.
type UserChange struct {
	Roles        *[]Role
	Disabled     *bool
	PasswordHash *string
}

// Session is a logged-in browser; the store keeps only the token's hash.
// It ends at Expires, which use moves forward (the idle limit) but never
// past Absolute.
type Session struct {
	TokenHash string    `json:"-"`
	UserID    uuid.UUID `json:"user_id"`
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	Expires   time.Time `json:"expires"`
	Absolute  time.Time `json:"absolute"`
}

// APIToken is a bearer token for the JSON API; only its hash is stored.
type APIToken struct {
	ID        uuid.UUID `json:"id"`
	TokenHash string    `json:"-"`
	UserID    uuid.UUID `json:"user_id"`
	User      string    `json:"user"` // the user's name, filled by reads
	Label     string    `json:"label"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires,omitzero"`   // zero: never
	LastUsed  time.Time `json:"last_used,omitzero"` // zero: never used
	Revoked   time.Time `json:"revoked,omitzero"`   // zero: works
}

// SetupToken is a one-time link that sets a user's password, or, with no
// UserID, creates the first admin. Only the token's hash is stored.
type SetupToken struct {
	TokenHash string
	UserID    uuid.UUID // uuid.Nil: the first admin
	Created   time.Time
	Expires   time.Time
}

// Audit actions of staff accounts (written by the store in the same
// transaction as the change).
const (
	ActionUserCreate   = "user.create"
	ActionUserRoles    = "user.roles"
	ActionUserDisable  = "user.disable"
	ActionUserEnable   = "user.enable"
	ActionUserPassword = "user.password"
	ActionUserSetup    = "user.setup_link" // a setup link was made
	ActionUserLogin    = "user.login"
	ActionTokenCreate  = "token.create"
	ActionTokenRevoke  = "token.revoke"
)
