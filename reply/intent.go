package reply

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// An auto-reply goes one way. At accept the gateway asks Intent, which
// applies the pure policy (with the reply history read from the store) and
// returns an outbox job holding only the decision: which template, the
// kinds of number found, whether a part was withheld, and the member's
// Message-ID when it is safe to echo. The store commits that job in the
// accept's own transaction, with the rate Limits it must charge. Later the
// outbox worker renders the message (Render) with the committed ticket's
// ref, checks it with outbound DLP, signs it and sends it. Nothing is
// rendered or scanned while the store's writer waits.

// intent is the payload of an auto-reply job. It holds no text of the
// member's: the template is ours, the kinds are words, and InReplyTo has
// passed safeInReplyTo.
type intent struct {
	Version   int         `json:"intent"` // intentVersion; first, so a payload shows what it is
	Template  string      `json:"template"`
	Kinds     []scan.Kind `json:"kinds,omitempty"`
	Withheld  bool        `json:"withheld,omitempty"`
	InReplyTo string      `json:"in_reply_to,omitempty"`
}

const intentVersion = 1

// intentPrefix starts every intent payload. A rendered message (a staff
// reply, or an auto-reply queued before intents) starts with a header
// field, never with it.
var intentPrefix = []byte(`{"intent":`)

// parseIntent reads an intent payload; ok is false for a payload that is
// a rendered message.
func parseIntent(payload []byte) (in intent, ok bool, err error) {
	if !bytes.HasPrefix(payload, intentPrefix) {
		return intent{}, false, nil
	}
	if err := json.Unmarshal(payload, &in); err != nil {
		return intent{}, true, fmt.Errorf("read reply intent: %w", err)
	}
	if in.Version != intentVersion {
		return intent{}, true, fmt.Errorf("read reply intent: version %d, want %d", in.Version, intentVersion)
	}
	return in, true, nil
}

// Intent decides whether in deserves an automatic reply and, when it does,
// returns the outbox job to queue in the accept's own transaction (its
// TicketID is filled in by the store). History is read from the store
// when the policy would reply; the Limits on the job make the count exact
// across nodes. A store that cannot be read leaves the decision to those
// Limits: member mail matters more than our answer.
func (r *Responder) Intent(ctx context.Context, in Inbound) (Decision, *tickets.OutboxJob) {
	d := r.o.Policy.Decide(in)
	// Only a message that would be answered costs a read of the history:
	// most mail is clean and is decided without touching the store.
	if d.Reply && r.o.History != nil {
		h, err := r.History(ctx, r.o.History, d.To)
		if err != nil {
			r.o.Logger.Warn("reply history unavailable", "err", err)
		} else {
			in.History = h
			d = r.o.Policy.Decide(in)
		}
	}
	countDecision(d)
	if !d.Reply {
		return d, nil
	}
	j := r.intentJob(d, in.Scan, safeInReplyTo(firstValue(in.Header, "Message-ID")))
	return d, &j
}

// intentJob is the outbox job for decision d, with the rate Limits the
// store charges atomically at commit.
func (r *Responder) intentJob(d Decision, facts ScanFacts, inReplyTo string) tickets.OutboxJob {
	payload, _ := json.Marshal(intent{Version: intentVersion, Template: d.Template, Kinds: facts.Kinds, Withheld: facts.Withheld, InReplyTo: inReplyTo})
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
			{Key: domainSensitiveKey(d.To), Max: max(p.SensitivePerDomainHour, 0), Window: time.Hour},
		}
	} else {
		limits = []tickets.Limit{
			{Key: anyKey(d.To), Max: max(p.RepliesPerHour, 0), Window: time.Hour},
			{Key: domainAnyKey(d.To), Max: max(p.RepliesPerDomainHour, 0), Window: time.Hour},
		}
	}
	return tickets.OutboxJob{
		Kind:        KindAutoPrefix + d.Template,
		Recipient:   d.To,
		Payload:     payload,
		NextAttempt: now,
		GiveUpAt:    now.Add(r.o.GiveUp),
		Limits:      limits,
	}
}

// Render composes the auto-reply an intent job stands for, for the ticket
// whose ref is given: the template with our details, our Message-ID for
// the ticket, and the job's creation as its Date, so every attempt sends
// the same message. It returns the message and the body as written, for
// CheckOutbound; the caller checks before sending.
func (r *Responder) Render(j tickets.OutboxJob, ref string) (raw []byte, body string, err error) {
	in, ok, err := parseIntent(j.Payload)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", fmt.Errorf("render reply: job %s holds no intent", j.ID)
	}
	subject, body, err := r.templates.Render(in.Template, TemplateData{
		OrgName:       r.o.OrgName,
		PostalAddress: r.o.PostalAddress,
		Phone:         r.o.Phone,
		Hours:         r.o.Hours,
		Ref:           ref,
		Found:         foundPhrase(in.Kinds),
		FoundMany:     strings.Contains(foundPhrase(in.Kinds), " and "),
		Withheld:      in.Withheld,
	})
	if err != nil {
		return nil, "", err
	}
	out := Outgoing{
		From:      r.o.From,
		FromName:  r.o.OrgName,
		To:        j.Recipient,
		Subject:   subject,
		MessageID: r.o.MessageID(j.TicketID, r.domain),
		InReplyTo: safeInReplyTo(in.InReplyTo), // checked when queued; a payload is not trusted twice
		LoopToken: r.o.Policy.LoopToken,
		Auto:      true,
		Date:      j.Created,
		Body:      body,
	}
	raw, err = out.Bytes()
	if err != nil {
		return nil, "", err
	}
	return raw, body, nil
}
