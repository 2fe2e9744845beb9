package reply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
)

// Outbox job kinds this package queues and delivers.
const (
	KindAutoPrefix = "reply."      // + template name: an automatic reply
	KindStaff      = "reply.staff" // a reply written by staff
)

// ResponderOptions configure the replies: the policy, who we are and what
// we tell members. Every value comes from the configuration (config.Default
// holds the defaults); GiveUp and StaffGiveUp must be set.
type ResponderOptions struct {
	Policy        Policy
	From          string // our address, also the default loop token
	OrgName       string
	PostalAddress string
	Phone         string
	Hours         string
	TemplatesDir  string  // "" means the embedded templates
	Scanner       Scanner // outbound DLP of staff replies and of the sample renders; nil means scan.New(scan.DefaultLimits())
	// History counts the replies already queued (the store); nil leaves
	// the decision to the Limits the store charges at commit.
	History EventCounter
	// MessageID builds our Message-ID for a ticket: (*tickets.Threader).MessageID.
	MessageID   func(ticketID uuid.UUID, domain string) string
	Now         func() time.Time
	GiveUp      time.Duration // an auto-reply not delivered by then is dropped
	StaffGiveUp time.Duration // the same for a staff reply
	Logger      *slog.Logger
}

// Responder decides on auto-replies for the gateway (Intent), renders them
// for the outbox worker (Render) and composes staff replies (StaffJob). It
// is safe for concurrent use.
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
	if o.GiveUp <= 0 || o.StaffGiveUp <= 0 {
		return nil, fmt.Errorf("reply: give-up times for auto and staff replies are required")
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
		sample := r.intentJob(Decision{Reply: true, Template: name, To: "member@example.com"},
			ScanFacts{Kinds: []scan.Kind{scan.KindSSN, scan.KindPAN}, Withheld: true}, "")
		sample.TicketID, sample.Created = uuid.New(), o.Now()
		raw, body, err := r.Render(sample, "T-SAMPLE")
		if err == nil {
			err = CheckOutbound(context.Background(), o.Scanner, raw, body)
		}
		if err != nil {
			return nil, fmt.Errorf("reply: template %s: %w", name, err)
		}
	}
	return r, nil
}

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
