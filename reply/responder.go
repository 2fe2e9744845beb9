package reply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// Outbox job kinds this package queues and delivers.
const (
	KindAutoPrefix = "reply."      // + template name: an automatic reply
	KindStaff      = "reply.staff" // a reply written by staff
)

// Default give-up times: a late warning helps nobody, a staff answer is
// worth trying for as long as a mail server would.
const (
	DefaultAutoGiveUp  = 24 * time.Hour
	DefaultStaffGiveUp = 5 * 24 * time.Hour
)

// ResponderOptions configure the auto-reply side of the gateway.
type ResponderOptions struct {
	Policy        Policy
	From          string // our address, also the default loop token
	OrgName       string
	PostalAddress string
	Phone         string
	Hours         string
	TemplatesDir  string  // "" means the embedded templates
	Scanner       Scanner // nil means scan.New(scan.DefaultLimits())
	// MessageID builds our Message-ID for a ticket: (*tickets.Threader).MessageID.
	MessageID   func(ticketID uuid.UUID, domain string) string
	Now         func() time.Time
	GiveUp      time.Duration // for auto-replies; 0 means DefaultAutoGiveUp
	StaffGiveUp time.Duration // for staff replies; 0 means DefaultStaffGiveUp
	Logger      *slog.Logger
}

// Responder decides on and composes auto-replies for the gateway. It is
// safe for concurrent use.
type Responder struct {
	o         ResponderOptions
	templates *Templates
	domain    string
}

// NewResponder loads the templates and renders each once with sample data
// through outbound DLP, so that a template or a configuration value that
// would leak a number stops the start rather than a reply.
func NewResponder(o ResponderOptions) (*Responder, error) {
	if o.MessageID == nil {
		return nil, fmt.Errorf("reply: no Message-ID builder (tickets.Threader) given")
	}
	from, ok := mailproto.Deliverable(o.From)
	if !ok {
		return nil, fmt.Errorf("reply: from %q is not an address", o.From)
	}
	o.From = from
	if o.Policy.LoopToken == "" {
		o.Policy.LoopToken = from
	}
	if !containsFold(o.Policy.OwnAddresses, from) {
		o.Policy.OwnAddresses = append(append([]string(nil), o.Policy.OwnAddresses...), from)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.GiveUp <= 0 {
		o.GiveUp = DefaultAutoGiveUp
	}
	if o.StaffGiveUp <= 0 {
		o.StaffGiveUp = DefaultStaffGiveUp
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Scanner == nil {
		o.Scanner = scan.New(scan.DefaultLimits())
	}
	t, err := LoadTemplates(o.TemplatesDir)
	if err != nil {
		return nil, err
	}
	_, dom, _ := mailproto.SplitAddress(from)
	if oneLine(o.OrgName) == "" {
		// Replies name who is writing; with no name set, the domain does.
		o.OrgName = dom
	}
	r := &Responder{o: o, templates: t, domain: dom}
	for _, name := range templateNames {
		sample := Decision{Reply: true, Template: name, To: "member@example.com"}
		if _, err := r.compose(context.Background(), sample, ScanFacts{Kinds: []scan.Kind{scan.KindSSN, scan.KindPAN}, Withheld: true}, "", "T-SAMPLE", uuid.New()); err != nil {
			return nil, fmt.Errorf("reply: template %s: %w", name, err)
		}
	}
	return r, nil
}

// Policy returns the rules in force (with our own address and loop token).
func (r *Responder) Policy() Policy { return r.o.Policy }

// EventCounter is the part of the store that counts replies already queued.
type EventCounter interface {
	CountEvents(ctx context.Context, key string, since time.Time) (int, error)
}

// History reads how many replies addr, its mailbox and its domain have
// had, from the counters the queued jobs' Limits keep.
func (r *Responder) History(ctx context.Context, c EventCounter, addr string) (History, error) {
	now := r.o.Now()
	var h History
	for _, q := range []struct {
		n      *int
		key    string
		window time.Duration
		what   string
	}{
		{&h.SensitiveLast24h, sensitiveKey(addr), 24 * time.Hour, "sensitive replies"},
		{&h.RepliesLastHour, anyKey(addr), time.Hour, "replies"},
		{&h.DomainLastHour, domainAnyKey(addr), time.Hour, "replies to the domain"},
		{&h.DomainSensitiveLastHour, domainSensitiveKey(addr), time.Hour, "sensitive replies to the domain"},
	} {
		n, err := c.CountEvents(ctx, q.key, now.Add(-q.window))
		if err != nil {
			return History{}, fmt.Errorf("count %s: %w", q.what, err)
		}
		*q.n = n
	}
	return h, nil
}

// Prepare decides whether in deserves a reply and, when it does, returns
// the hook for tickets.Inbound.OutboxFor that queues it in the accept's own
// transaction. History is read from c (nil: the store's Limits alone
// decide); the Limits on the job make the count exact across nodes. The
// hook never fails the accept: a reply that cannot be composed safely is
// logged and dropped, since member mail matters more than our answer.
func (r *Responder) Prepare(ctx context.Context, c EventCounter, in Inbound) (Decision, func(tickets.Accepted) ([]tickets.OutboxJob, error)) {
	d := r.o.Policy.Decide(in)
	// Only a message that would be answered costs a read of the history:
	// most mail is clean and is decided without touching the store.
	if d.Reply && c != nil {
		h, err := r.History(ctx, c, d.To)
		if err != nil {
			// The store's Limits still hold at commit; go on with what we know.
			r.o.Logger.Warn("reply history unavailable", "err", err)
		} else {
			in.History = h
			d = r.o.Policy.Decide(in)
		}
	}
	countDecision(d)
	if d.Reason == ReasonMaskedSender {
		// Staff must be able to see why this member got no answer: say so
		// with the ticket's ref, which only the accept knows.
		return d, func(a tickets.Accepted) ([]tickets.OutboxJob, error) {
			if !a.Duplicate {
				r.o.Logger.Info("no auto-reply: the sender's address held a number and was masked", "ticket", a.Ref, "reason", d.Reason)
			}
			return nil, nil
		}
	}
	if !d.Reply {
		return d, nil
	}
	inReplyTo := firstValue(in.Header, "Message-ID")
	facts := in.Scan
	return d, func(a tickets.Accepted) ([]tickets.OutboxJob, error) {
		if a.Duplicate {
			return nil, nil
		}
		job, err := r.Job(ctx, d, facts, inReplyTo, a)
		if err != nil {
			countDecision(Decision{Reason: ReasonComposeFailed})
			r.o.Logger.Error("auto-reply dropped", "ticket", a.Ref, "template", d.Template, "err", err)
			return nil, nil
		}
		return []tickets.OutboxJob{job}, nil
	}
}

// Job composes the reply d for the accepted ticket a and wraps it as an
// outbox job with the rate Limits the store enforces atomically.
func (r *Responder) Job(ctx context.Context, d Decision, facts ScanFacts, inReplyTo string, a tickets.Accepted) (tickets.OutboxJob, error) {
	raw, err := r.compose(ctx, d, facts, inReplyTo, a.Ref, a.TicketID)
	if err != nil {
		return tickets.OutboxJob{}, err
	}
	now := r.o.Now()
	p := r.o.Policy
	var limits []tickets.Limit
	if d.Template == TemplateSensitive {
		// Counted toward the hourly caps of other replies, never stopped
		// by them; stopped only by caps of its own (see Decide).
		limits = []tickets.Limit{
			{Key: anyKey(d.To), Max: math.MaxInt32, Window: time.Hour},
			{Key: sensitiveKey(d.To), Max: max(p.SensitivePerDay, 0), Window: 24 * time.Hour},
			{Key: domainAnyKey(d.To), Max: math.MaxInt32, Window: time.Hour},
			{Key: domainSensitiveKey(d.To), Max: max(p.RepliesPerDomainHour, 0), Window: time.Hour},
		}
	} else {
		limits = []tickets.Limit{
			{Key: anyKey(d.To), Max: max(p.RepliesPerHour, 0), Window: time.Hour},
			{Key: domainAnyKey(d.To), Max: max(p.RepliesPerDomainHour, 0), Window: time.Hour},
		}
	}
	return tickets.OutboxJob{
		Kind:        KindAutoPrefix + d.Template,
		TicketID:    a.TicketID,
		Recipient:   d.To,
		Payload:     raw,
		NextAttempt: now,
		GiveUpAt:    now.Add(r.o.GiveUp),
		Limits:      limits,
	}, nil
}

// compose renders, builds and checks one auto-reply.
func (r *Responder) compose(ctx context.Context, d Decision, facts ScanFacts, inReplyTo, ref string, ticketID uuid.UUID) ([]byte, error) {
	subject, body, err := r.templates.Render(d.Template, TemplateData{
		OrgName:       r.o.OrgName,
		PostalAddress: r.o.PostalAddress,
		Phone:         r.o.Phone,
		Hours:         r.o.Hours,
		Ref:           ref,
		Found:         foundPhrase(facts.Kinds),
		Withheld:      facts.Withheld,
	})
	if err != nil {
		return nil, err
	}
	inReplyTo = safeInReplyTo(inReplyTo)
	out := Outgoing{
		From:      r.o.From,
		FromName:  r.o.OrgName,
		To:        d.To,
		Subject:   subject,
		MessageID: r.o.MessageID(ticketID, r.domain),
		InReplyTo: inReplyTo,
		LoopToken: r.o.Policy.LoopToken,
		Auto:      true,
		Date:      r.o.Now(),
		Body:      body,
	}
	raw, err := out.Bytes()
	if err != nil {
		return nil, err
	}
	if err := CheckOutbound(ctx, r.o.Scanner, raw, body); err != nil {
		return nil, fmt.Errorf("outbound check: %w", err)
	}
	return raw, nil
}

// The store's rate counters. Addresses are counted by mailbox, so that
// sub-addresses and other spellings of one mailbox share a count, and
// domains by organisational domain. Keys are hashed: counters need no
// readable address, and keys stay short.
func sensitiveKey(addr string) string { return "reply.sensitive:" + keyHash(mailboxKey(addr)) }
func anyKey(addr string) string       { return "reply.any:" + keyHash(mailboxKey(addr)) }
func domainAnyKey(addr string) string { return "reply.domain.any:" + keyHash(addrOrgDomain(addr)) }
func domainSensitiveKey(addr string) string {
	return "reply.domain.sensitive:" + keyHash(addrOrgDomain(addr))
}

func addrOrgDomain(addr string) string {
	_, dom, _ := mailproto.SplitAddress(strings.TrimSpace(strings.Trim(strings.TrimSpace(addr), "<>")))
	return mailproto.OrgDomain(dom)
}

func keyHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

func firstValue(h map[string][]string, key string) string {
	if v := newHeader(h).all(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// FactsFromResult is what the policy needs of a scan: the kinds found and
// whether anything was withheld, never a number.
func FactsFromResult(res *scan.Result) ScanFacts {
	var f ScanFacts
	if res == nil {
		return f
	}
	seen := map[scan.Kind]bool{}
	for _, fd := range res.Findings {
		if !seen[fd.Type] {
			seen[fd.Type] = true
			f.Kinds = append(f.Kinds, fd.Type)
		}
	}
	f.Withheld = len(res.Unscannable) > 0
	for _, p := range res.Parts {
		if p.Withheld && p.Reason != "sensitive" {
			f.Withheld = true
		}
	}
	return f
}
