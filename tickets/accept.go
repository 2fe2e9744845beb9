package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// errDuplicate ends an accept's transaction early: the dedup key was taken
// by an earlier delivery, so nothing of this one may stay.
var errDuplicate = errors.New("duplicate delivery")

// prepared is an Inbound with everything computed that needs no database:
// ids, hashes, JSON. On SQLite this keeps the single writer's work short.
type prepared struct {
	in          *Inbound
	now         time.Time
	msgID       uuid.UUID
	qID         uuid.UUID
	messageID   string
	inReplyTo   string
	refs        string
	envelope    string
	headers     string
	findings    string
	unscannable string
	causes      []Cause
	attIDs      []uuid.UUID
	attSums     []string
	sender      string
	// repaired lists, as JSON, the fields whose bytes were replaced to
	// make them text (see text.go); "" when none were.
	repaired string
	// ticketID and ref name the ticket if the message starts one.
	ticketID uuid.UUID
	ref      string
}

func (c *core) prepare(in *Inbound) (*prepared, error) {
	if err := c.o.Limits.validate(in); err != nil {
		return nil, fmt.Errorf("accept: %w", err)
	}
	// Limits apply to what the sender sent; the repair may lengthen a
	// field (three bytes for one), which no column minds.
	in, repaired := repairInbound(in)
	p := &prepared{in: in, now: c.now()}
	if len(repaired) > 0 {
		p.repaired = jsonText(repaired)
	}
	if !in.ReceivedAt.IsZero() {
		p.now = in.ReceivedAt.UTC().Truncate(time.Microsecond)
	}
	var err error
	if p.msgID, err = uuid.NewV7(); err != nil {
		return nil, fmt.Errorf("accept: new message id: %w", err)
	}
	if in.Sealed != nil {
		if p.qID, err = uuid.NewV7(); err != nil {
			return nil, fmt.Errorf("accept: new quarantine id: %w", err)
		}
	}
	p.messageID = normMessageID(in.MessageID)
	p.inReplyTo = normMessageID(in.InReplyTo)
	refs := make([]string, 0, len(in.References))
	for _, r := range in.References {
		if r = normMessageID(r); r != "" {
			refs = append(refs, r)
		}
	}
	p.refs = jsonText(refs)
	p.envelope = jsonText(in.Envelope)
	p.headers = jsonText(orEmpty(in.Headers))
	p.findings = jsonText(orEmpty(in.Findings))
	p.unscannable = jsonText(orEmpty(in.Unscannable))
	p.causes = in.Causes
	if len(p.causes) == 0 {
		p.causes = deriveCauses(in)
	}
	for _, a := range in.Attachments {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("accept: new attachment id: %w", err)
		}
		sum := sha256.Sum256(a.Content)
		p.attIDs = append(p.attIDs, id)
		p.attSums = append(p.attSums, hex.EncodeToString(sum[:]))
	}
	p.sender = normAddr(in.From)
	if p.sender == "" {
		p.sender = normAddr(in.Envelope.MailFrom)
	}
	if p.ticketID, err = uuid.NewV7(); err != nil {
		return nil, fmt.Errorf("accept: new ticket id: %w", err)
	}
	p.ref = NewRef()
	return p, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// deriveCauses lists the reasons for quarantine: each finding type once,
// then each unscannable reason once.
func deriveCauses(in *Inbound) []Cause {
	seen := map[Cause]bool{}
	var out []Cause
	add := func(c Cause) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, f := range in.Findings {
		add(Cause(f.Type))
	}
	for _, u := range in.Unscannable {
		add(CauseUnscannable(u.Reason))
	}
	for _, p := range in.Parts {
		if p.Withheld && p.Reason != "" && p.Reason != "sensitive" {
			add(CauseUnscannable(p.Reason))
		}
	}
	return out
}

func (c *core) Accept(ctx context.Context, in *Inbound) (Accepted, error) {
	p, err := c.prepare(in)
	if err != nil {
		return Accepted{}, err
	}
	var acc Accepted
	err = c.writeAgain(ctx, func(q dbtx) error {
		var err error
		acc, err = c.accept(ctx, q, p)
		return err
	})
	if errors.Is(err, errDuplicate) {
		// The key was taken between our look and our insert (another node,
		// or an earlier member of the same batch); its ticket is committed
		// or about to be: read it outside the rolled-back transaction.
		return c.duplicateOf(ctx, p.in.DedupKey)
	}
	if err != nil {
		return Accepted{}, fmt.Errorf("accept: %w", err)
	}
	if len(acc.Jobs)+len(acc.Notifications) > 0 {
		c.signal()
	}
	if !acc.Duplicate {
		c.signalIndex()
	}
	return acc, nil
}

func (c *core) duplicateOf(ctx context.Context, key string) (Accepted, error) {
	var err error
	for i := 0; i < 3; i++ {
		var acc Accepted
		acc, err = c.lookupDedup(ctx, c.read, key)
		if err == nil {
			return acc, nil
		}
		if !errors.Is(err, ErrNotFound) {
			break
		}
		// The other delivery rolled back after all: let the sender retry.
	}
	return Accepted{}, fmt.Errorf("accept: concurrent delivery of the same message: %w", err)
}

func (c *core) lookupDedup(ctx context.Context, q dbtx, key string) (Accepted, error) {
	var tid, mid, ref string
	err := one(q.QueryRow(ctx, `SELECT d.ticket_id, d.message_id, t.ref FROM dedup d JOIN tickets t ON t.id = d.ticket_id WHERE d.key = ?`, key), &tid, &mid, &ref)
	if err != nil {
		return Accepted{}, err
	}
	return Accepted{TicketID: parseID(tid), Ref: ref, MessageID: parseID(mid), Duplicate: true}, nil
}

// accept is the transaction body. Order matters: threading reads first,
// then the dedup key, the first write (on PostgreSQL it waits for a
// concurrent delivery of the same message to finish; a conflict means a
// redelivery and nothing is written), then the rows, and the audit chain
// last since appending to it locks its head.
//
// It may run twice for one message (SQLite, see runBatch), so it leaves
// its outcome only in the database and in what it returns.
func (c *core) accept(ctx context.Context, q dbtx, p *prepared) (Accepted, error) {
	in := p.in
	target, err := c.findThread(ctx, q, in, p.sender)
	if err != nil {
		return Accepted{}, err
	}
	acc := Accepted{MessageID: p.msgID, QuarantineID: p.qID, ThreadedBy: target.by}
	if target.id != uuid.Nil {
		acc.TicketID, acc.Ref, acc.Threaded = target.id, target.ref, true
	} else {
		acc.TicketID, acc.Ref = p.ticketID, p.ref
	}

	sensitive, withheld := len(in.Findings) > 0, hasWithheld(in)
	tid := acc.TicketID.String()
	ticketArgs := func() []any {
		return []any{tid, acc.Ref, string(StatusNew), in.Queue, p.sender, in.FromName, in.Subject,
			b2i(sensitive), b2i(withheld), in.Auth.SPF, in.Auth.DKIM, in.Auth.DMARC, micros(p.now), micros(p.now), target.related, micros(p.now)}
	}
	dedupArgs := []any{in.DedupKey, tid, p.msgID.String(), micros(p.now)}
	var n int64
	ticketDone := false
	if c.d.name == "postgres" && !acc.Threaded {
		// One round trip for both: the ticket is inserted only if the
		// dedup key was (see pgDedupTicket).
		n, err = q.Exec(ctx, pgDedupTicket, append(dedupArgs, ticketArgs()...)...)
		if err != nil {
			return acc, fmt.Errorf("insert dedup key and ticket: %w", err)
		}
		if ticketDone = n == 1; !ticketDone {
			// The key was taken, or the ref: only the key's row says.
			var mid string
			switch err := one(q.QueryRow(ctx, "SELECT message_id FROM dedup WHERE key = ?", in.DedupKey), &mid); {
			case err == nil && mid == p.msgID.String():
				n = 1 // ours; the ref was taken, and the loop below picks another
				p.ref = NewRef()
				acc.Ref = p.ref
			case err == nil || errors.Is(err, ErrNotFound):
				n = 0
			default:
				return acc, fmt.Errorf("look up dedup key: %w", err)
			}
		}
	} else {
		n, err = q.Exec(ctx, "INSERT INTO dedup (key, ticket_id, message_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", dedupArgs...)
		if err != nil {
			return acc, fmt.Errorf("insert dedup key: %w", err)
		}
	}
	if n == 0 {
		// A redelivery. Nothing is written yet; the first delivery's row is
		// visible here: in this very batch on SQLite, or, on PostgreSQL,
		// committed (the insert waited for it) and seen by this statement's
		// fresh snapshot.
		dup, err := c.lookupDedup(ctx, q, in.DedupKey)
		if errors.Is(err, ErrNotFound) {
			return acc, errDuplicate
		}
		if err != nil {
			return acc, fmt.Errorf("look up dedup key: %w", err)
		}
		return dup, nil
	}

	if acc.Threaded {
		// A reply reopens a ticket staff thought done; spam stays spam.
		if err := q.Defer(ctx, "update ticket", `UPDATE tickets SET
			status = CASE WHEN status IN ('solved', 'pending') THEN 'open' ELSE status END,
			sensitive = CASE WHEN ? = 1 THEN 1 ELSE sensitive END,
			withheld = CASE WHEN ? = 1 THEN 1 ELSE withheld END,
			messages = messages + 1, updated_at = ?, activity_at = ? WHERE id = ?`,
			b2i(sensitive), b2i(withheld), micros(p.now), micros(p.now), tid); err != nil {
			return acc, err
		}
	} else if !ticketDone {
		// A ref already taken (rare: 32^6 refs) inserts nothing, and
		// another is tried. The unique index does the looking; on
		// PostgreSQL it also settles two nodes picking one ref at once.
		for try := 0; ; try++ {
			n, err := q.Exec(ctx, `INSERT INTO tickets (`+ticketInsertCols+`)
				VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT (ref) DO NOTHING`, ticketArgs()...)
			if err != nil {
				return acc, fmt.Errorf("insert ticket: %w", err)
			}
			if n == 1 {
				break
			}
			if try == 9 {
				return acc, errors.New("no free ticket ref after 10 tries")
			}
			// The next pick is kept, so a second run of this accept
			// does not start with a ref known to be taken.
			p.ref = NewRef()
			acc.Ref = p.ref
		}
	}
	// The rows below need no answer but success: Defer lets PostgreSQL
	// take them in one round trip with the next statement that does.
	if err := q.Defer(ctx, "insert message", `INSERT INTO messages (id, ticket_id, kind, message_id, in_reply_to, refs, from_addr, from_name,
		subject, envelope, headers, auth_results, spf, dkim, dmarc, findings, unscannable, quarantine_id, size, created_at,
		repaired, sender_verified, not_participant, reply_decision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.msgID.String(), tid, string(KindInbound), p.messageID, p.inReplyTo, p.refs, p.sender, in.FromName,
		in.Subject, p.envelope, p.headers, in.AuthResults, in.Auth.SPF, in.Auth.DKIM, in.Auth.DMARC,
		p.findings, p.unscannable, idText(p.qID), in.Size, micros(p.now),
		p.repaired, b2i(in.SenderVerified), b2i(target.notParticipant), in.ReplyDecision); err != nil {
		return acc, err
	}
	for i, part := range in.Parts {
		if err := q.Defer(ctx, "insert part "+strconv.Itoa(i), `INSERT INTO parts (message_id, idx, location, content_type, filename, html, body, withheld, reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.msgID.String(), i, part.Where, part.ContentType, part.Filename, b2i(part.HTML), withheldText(part), b2i(part.Withheld), part.Reason); err != nil {
			return acc, err
		}
	}
	for i, a := range in.Attachments {
		if err := q.Defer(ctx, "insert attachment "+strconv.Itoa(i), `INSERT INTO attachments (id, message_id, idx, name, content_type, size, sha256, content)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.attIDs[i].String(), p.msgID.String(), i, a.Name, a.ContentType, len(a.Content), p.attSums[i], orEmpty(a.Content)); err != nil {
			return acc, err
		}
	}
	if in.Sealed != nil {
		retain := p.now.Add(time.Duration(c.o.RetentionDays) * 24 * time.Hour)
		if err := q.Defer(ctx, "insert quarantine item", `INSERT INTO quarantine (id, ticket_id, message_id, state, causes, findings, unscannable,
			sealed, sealed_size, created_at, retain_until, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.qID.String(), tid, p.msgID.String(), string(QuarantineHeld), jsonText(orEmpty(p.causes)), p.findings, p.unscannable,
			in.Sealed, len(in.Sealed), micros(p.now), micros(retain), micros(p.now)); err != nil {
			return acc, err
		}
	}

	if c.acceptFault != nil { // tests only: a fault in the middle of the transaction
		if err := c.acceptFault(in); err != nil {
			return acc, err
		}
	}
	for _, j := range in.Outbox {
		if j.TicketID == uuid.Nil {
			j.TicketID = acc.TicketID
		}
		allowed, err := c.allowAll(ctx, q, j.Limits, p.now)
		if err != nil {
			return acc, err
		}
		if !allowed {
			acc.JobsLimited++
			continue
		}
		id, err := c.insertJob(ctx, q, j, p.now)
		if err != nil {
			return acc, err
		}
		acc.Jobs = append(acc.Jobs, id)
	}
	if err := c.recordLimited(ctx, q, p.msgID, in, acc); err != nil {
		return acc, err
	}
	// After recordLimited, which reads acc.Jobs as the auto-reply's.
	if err := c.queueNotifications(ctx, q, &acc, in.Queue, p.now); err != nil {
		return acc, err
	}

	action := ActionTicketCreate
	if acc.Threaded {
		action = ActionMessageAppend
	}
	detail := map[string]string{"ref": acc.Ref, "message": p.msgID.String(), "queue": in.Queue}
	if acc.Threaded {
		detail["threaded_by"] = string(acc.ThreadedBy)
	}
	if target.notParticipant {
		detail["not_participant"] = "1"
	}
	if target.related != "" {
		detail["related"] = target.related
	}
	if _, err := c.appendAudit(ctx, q, AuditEvent{At: p.now, Actor: "gateway", Action: action, TicketID: tid, Detail: detail}); err != nil {
		return acc, err
	}
	if in.Sealed != nil {
		d := map[string]string{"ref": acc.Ref, "causes": causesText(p.causes), "findings": strconv.Itoa(len(in.Findings))}
		if w := withheldReasons(in); w != "" {
			d["withheld"] = w
		}
		if _, err := c.appendAudit(ctx, q, AuditEvent{At: p.now, Actor: "gateway", Action: ActionQuarantineSeal, TicketID: tid, ItemID: p.qID.String(), Detail: d}); err != nil {
			return acc, err
		}
	}
	return acc, nil
}

// recordLimited corrects the message's reply decision when the rate check
// above dropped every reply the gateway meant to send: staff then read the
// word the gateway logs, not "queued".
func (c *core) recordLimited(ctx context.Context, q dbtx, msgID uuid.UUID, in *Inbound, acc Accepted) error {
	if len(in.Outbox) == 0 || len(acc.Jobs) > 0 || in.ReplyDecision != ReplyQueued {
		return nil
	}
	return q.Defer(ctx, "record reply limited", `UPDATE messages SET reply_decision = ? WHERE id = ?`,
		ReplyRateLimitedAtCommit, msgID.String())
}

const ticketInsertCols = `id, ref, status, queue, requester, requester_name, assignee, subject,
	sensitive, withheld, spf, dkim, dmarc, messages, created_at, updated_at, related_ref, activity_at`

// pgDedupTicket inserts the dedup key and, only if that inserted a row,
// the new ticket: one statement where SQLite's writer runs two. It
// affects one row when both went in; none when the key was taken (a
// redelivery: nothing written) or the ref was (the key is then ours).
// The parameters are typed: a SELECT list gives them no column to take
// a type from.
const pgDedupTicket = `WITH d AS (INSERT INTO dedup (key, ticket_id, message_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1)
	INSERT INTO tickets (` + ticketInsertCols + `)
	SELECT ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, '', ?::text, ?::bigint, ?::bigint, ?::text, ?::text, ?::text, 1, ?::bigint, ?::bigint, ?::text, ?::bigint FROM d
	ON CONFLICT (ref) DO NOTHING`

// withheldText makes sure a withheld part keeps no text, whatever the
// caller put there.
func withheldText(p Part) string {
	if p.Withheld {
		return ""
	}
	return p.Text
}

func hasWithheld(in *Inbound) bool {
	if len(in.Unscannable) > 0 {
		return true
	}
	for _, p := range in.Parts {
		if p.Withheld {
			return true
		}
	}
	return false
}

// withheldReasons names why parts were kept from staff ("sensitive" for a
// file holding a number, or the scanner's reason it could not be read),
// each once, for the seal's audit event: the compliance report counts
// withheld messages from it, the causes alone cannot tell a masked body
// from a withheld attachment.
func withheldReasons(in *Inbound) string {
	var rs []string
	add := func(r string) {
		if r != "" && !slices.Contains(rs, r) {
			rs = append(rs, r)
		}
	}
	for _, p := range in.Parts {
		if p.Withheld {
			add(p.Reason)
		}
	}
	for _, u := range in.Unscannable {
		add(u.Reason)
	}
	slices.Sort(rs)
	return strings.Join(rs, ",")
}

func causesText(cs []Cause) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += ","
		}
		s += string(c)
	}
	return s
}
