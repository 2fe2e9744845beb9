package desk

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/guard"
	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// TicketView is one ticket with its whole thread in order: what
// `intake tickets show --json` prints and GET /api/v1/tickets/REF answers.
// It has every field of the queue's ticket object, and "messages" (each a
// MessageView) and "quarantine" (metadata of the sealed originals).
type TicketView struct {
	tickets.Ticket
	Messages   []MessageView            `json:"messages"`
	Quarantine []tickets.QuarantineItem `json:"quarantine,omitempty"`
}

// MessageView is one entry of a thread: a member's mail (inbound), an
// auto-reply that went out or is going (auto_reply), a staff reply
// (reply) or an internal note (note). It has every field of the stored
// message (parts, findings as type/last4/where, attachment metadata...)
// and these, the same for every kind:
type MessageView struct {
	tickets.Message
	At   time.Time `json:"at"`   // when it was filed, written or queued
	Text string    `json:"text"` // the readable text, masked; "" when none
	// Findings are the numbers masked in it: type, last four, where.
	Findings []tickets.Finding `json:"findings"`
	// Withheld says some part of it was kept from staff; WithheldParts
	// says which and why, in plain words.
	Withheld      bool           `json:"withheld"`
	WithheldParts []WithheldPart `json:"withheld_parts,omitempty"`
	// For auto_reply and reply: the address it goes to and how its
	// delivery stands. Notice names an auto-reply's template ("sensitive",
	// "received"...).
	To       string    `json:"to,omitempty"`
	Notice   string    `json:"notice,omitempty"`
	Delivery *Delivery `json:"delivery,omitempty"`
	// ReplyWhy says the inbound message's ReplyDecision in words ("" when
	// none was kept).
	ReplyWhy string `json:"reply_why,omitempty"`
}

// WithheldPart is a part staff cannot read, and why.
type WithheldPart struct {
	Where  string `json:"where"`
	Reason string `json:"reason"` // the scanner's code: encrypted, too_large, sensitive...
	Why    string `json:"why"`    // the reason in plain words
}

// Delivery is how an outgoing message stands in the outbox.
type Delivery struct {
	Job         uuid.UUID `json:"job"`
	State       string    `json:"state"` // pending, sent, failed, dropped
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"` // masked
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Updated     time.Time `json:"updated"`
}

// Delivery states as staff read them.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	DeliveryDropped = "dropped"
)

func deliveryOf(j tickets.OutboxJob) *Delivery {
	d := &Delivery{Job: j.ID, Attempts: j.Attempts, LastError: scan.MaskString(j.LastError), Updated: j.Updated}
	switch j.State {
	case tickets.OutboxDone:
		d.State = DeliverySent
	case tickets.OutboxFailed:
		d.State = DeliveryFailed
	case tickets.OutboxDropped:
		d.State = DeliveryDropped
	default:
		d.State, d.NextAttempt = DeliveryPending, j.NextAttempt
	}
	return d
}

// ShowTicket returns ref's ticket with its thread.
func (d *Desk) ShowTicket(ctx context.Context, a Actor, ref string) (*TicketView, error) {
	if err := d.need(a, ticketRoles...); err != nil {
		return nil, err
	}
	norm, err := parseRef(ref)
	if err != nil {
		return nil, err
	}
	t, err := d.st.GetTicket(ctx, norm)
	if err != nil {
		return nil, d.ticketErr(a, "show ticket", norm, err)
	}
	jobs, err := d.st.TicketJobs(ctx, t.ID)
	if err != nil {
		return nil, d.fail(a, "show ticket", err)
	}
	render, _ := d.rep.(autoRenderer)
	return viewOf(t, jobs, render), nil
}

// autoRenderer renders an auto-reply queued as an intent, the way the
// outbox worker does when it sends it (reply.Responder.Render, where
// auto-replies are queued as intents): the same template, data and Date,
// so staff read what the member got.
type autoRenderer interface {
	Render(j tickets.OutboxJob, ref string) (raw []byte, body string, err error)
}

func viewOf(t *tickets.TicketDetail, jobs []tickets.OutboxJob, render autoRenderer) *TicketView {
	v := &TicketView{Ticket: t.Ticket, Quarantine: t.Quarantine, Messages: []MessageView{}}
	byID := map[uuid.UUID]tickets.OutboxJob{}
	for _, j := range jobs {
		byID[j.ID] = j
	}
	linked := map[uuid.UUID]bool{}
	for _, m := range t.Messages {
		mv := messageView(m)
		if j, ok := byID[m.OutboxID]; ok && m.OutboxID != uuid.Nil {
			linked[j.ID] = true
			mv.To, mv.Delivery = scan.MaskString(j.Recipient), deliveryOf(j)
		}
		v.Messages = append(v.Messages, mv)
	}
	n := len(v.Messages)
	for _, j := range jobs {
		if linked[j.ID] || !strings.HasPrefix(j.Kind, "reply.") || j.Kind == "reply.staff" {
			continue
		}
		v.Messages = append(v.Messages, autoReplyView(t.Ref, j, render))
	}
	if len(v.Messages) > n {
		// An auto-reply is queued with the message it answers, at the same
		// instant: a stable sort keeps it after that message.
		sort.SliceStable(v.Messages, func(i, j int) bool { return v.Messages[i].At.Before(v.Messages[j].At) })
	}
	return v
}

func messageView(m tickets.Message) MessageView {
	mv := MessageView{Message: m, At: m.Created, Findings: m.Findings, ReplyWhy: reply.DecisionWords(m.ReplyDecision)}
	if mv.Findings == nil {
		mv.Findings = []tickets.Finding{}
	}
	var plain, fromHTML []string
	for _, p := range m.Parts {
		if p.Withheld {
			mv.Withheld = true
			mv.WithheldParts = append(mv.WithheldParts, WithheldPart{Where: p.Where, Reason: p.Reason, Why: WhyWithheld(p.Reason)})
			continue
		}
		if p.Where != "body" || p.Text == "" {
			continue
		}
		if p.HTML {
			fromHTML = append(fromHTML, p.Text)
		} else {
			plain = append(plain, p.Text)
		}
	}
	// A message sent as text and as HTML says the same twice: show the
	// text, or what was made from the HTML when there is no text.
	if len(plain) == 0 {
		plain = fromHTML
	}
	mv.Text = strings.Join(plain, "\n\n")
	for _, u := range m.Unscannable {
		if !hasWhere(mv.WithheldParts, u.Where) && !released(m.Parts, u.Where) {
			mv.Withheld = true
			mv.WithheldParts = append(mv.WithheldParts, WithheldPart{Where: u.Where, Reason: u.Reason, Why: WhyWithheld(u.Reason)})
		}
	}
	return mv
}

// released: the part at where was withheld and is released now.
func released(ps []tickets.Part, where string) bool {
	for _, p := range ps {
		if p.Where == where && !p.Released.IsZero() {
			return true
		}
	}
	return false
}

func hasWhere(ps []WithheldPart, where string) bool {
	for _, p := range ps {
		if p.Where == where {
			return true
		}
	}
	return false
}

// WhyWithheld says a scanner reason in plain words.
func WhyWithheld(reason string) string {
	switch reason {
	case "sensitive":
		return "it held a Social Security or card number that could not be masked in place"
	case "second_check":
		return "the second check found what looks like a full number in it"
	case scan.ReasonEncrypted:
		return "it is encrypted, so it could not be checked for numbers"
	case scan.ReasonUnknownCharset:
		return "its character set is unknown, so it could not be read with confidence"
	case scan.ReasonBadEncoding:
		return "its encoding is broken, so it could not be read with confidence"
	case scan.ReasonParseError:
		return "the file is damaged or could not be parsed"
	case scan.ReasonNoText:
		return "it holds no text we can read (an image or other binary file)"
	case scan.ReasonUnsupported:
		return "it is a format intake does not read"
	case scan.ReasonTooLarge:
		return "it is too large to check"
	case scan.ReasonTooDeep:
		return "it is nested too deeply to check"
	case scan.ReasonTooManyParts:
		return "it has too many parts to check"
	case scan.ReasonArchiveBomb:
		return "it expands far beyond its size (an archive bomb)"
	case scan.ReasonTimeout:
		return "checking it took too long"
	case scan.ReasonTruncated:
		return "it ends early (cut off in transit)"
	}
	return "it could not be checked for numbers"
}

// autoReplyView shows an auto-reply from its outbox job: which notice,
// to whom, how its delivery stands, and its text when the job carries
// the message (see autoReplyText).
func autoReplyView(ref string, j tickets.OutboxJob, render autoRenderer) MessageView {
	m := tickets.Message{ID: j.ID, TicketID: j.TicketID, Kind: tickets.KindAutoReply, From: "intake", Created: j.Created, Parts: []tickets.Part{}}
	payload := j.Payload
	if bytes.HasPrefix(payload, []byte(`{"intent":`)) {
		// An intent: what the worker renders at send time.
		payload = nil
		if render != nil {
			if raw, _, err := render.Render(j, ref); err == nil {
				payload = raw
			}
		}
	}
	subject, text := autoReplyText(payload)
	m.Subject = subject
	if text != "" {
		m.Parts = append(m.Parts, tickets.Part{Where: "body", ContentType: "text/plain", Text: text})
	}
	return MessageView{Message: m, At: j.Created, Text: text, Findings: []tickets.Finding{},
		To: scan.MaskString(j.Recipient), Notice: strings.TrimPrefix(j.Kind, "reply."), Delivery: deliveryOf(j)}
}

// autoReplyText reads the subject and text of an auto-reply from the
// message: its job's payload when that is the message (as queued before
// intents), or the intent rendered as the worker renders it; anything
// else shows none. Outbound DLP checks it before it leaves; here it is
// masked again, and dropped if the second check objects, because a staff
// page must never be where a number shows.
func autoReplyText(payload []byte) (subject, text string) {
	if len(payload) == 0 || len(payload) > 1<<20 {
		return "", ""
	}
	subject, text, err := readMessageText(payload)
	if err != nil {
		return "", ""
	}
	subject, text = scan.MaskString(subject), scan.MaskString(text)
	if len(guard.Text(subject)) > 0 || len(guard.Text(text)) > 0 {
		return "", ""
	}
	return subject, text
}

var errNotMessage = errors.New("not a message")
