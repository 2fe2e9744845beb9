package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// keptHeaders are the header fields staff see on a message (masked). The
// subject comes from the scanner, decoded and masked.
var keptHeaders = []string{"from", "to", "cc", "reply-to", "date", "message-id", "in-reply-to",
	"auto-submitted", "precedence", "list-id"}

// identifierHeaders hold message identifiers, not text: never decoded.
var identifierHeaders = []string{"message-id", "in-reply-to", "references"}

// Bounds that keep what we hand the store inside tickets.DefaultLimits,
// so a long header costs that header, never the message.
const (
	maxKeptHeaderValue = 16 << 10
	maxKeptHeaders     = 100 // the store takes 200 in all; past it, the message would be refused
	maxMessageIDLen    = 998
	maxReferences      = 200
)

// buildInbound turns one delivery into what the store files for queue.
func (s *Server) buildInbound(t *transaction, queue string, rcpts []string, h *header, res *scan.Result, auth *AuthResult, sealed []byte, stored []byte, now time.Time) *tickets.Inbound {
	in := &tickets.Inbound{
		Queue: queue,
		Envelope: tickets.Envelope{
			MailFrom: scan.MaskString(t.from),
			Rcpts:    maskAll(rcpts),
			ClientIP: t.clientIP,
			Helo:     scan.MaskString(heloToken(t.helo)),
		},
		Subject:     res.Subject,
		AuthResults: scan.MaskString(auth.header),
		Auth:        tickets.AuthVerdicts{SPF: auth.SPF, DKIM: auth.DKIM, DMARC: auth.DMARC},
		Sealed:      sealed,
		Size:        int64(len(stored)),
		ReceivedAt:  now,
	}

	if id := mailproto.MessageIDs(h.get("message-id")); len(id) > 0 && len(id[0]) <= maxMessageIDLen {
		in.MessageID = scan.MaskString(id[0])
	}
	if id := mailproto.MessageIDs(h.get("in-reply-to")); len(id) > 0 && len(id[0]) <= maxMessageIDLen {
		in.InReplyTo = scan.MaskString(id[0])
	}
	refs := mailproto.MessageIDs(h.get("references"))
	if len(refs) > maxReferences {
		refs = refs[len(refs)-maxReferences:] // the nearest ancestors matter most
	}
	for _, r := range refs {
		if len(r) <= maxMessageIDLen {
			in.References = append(in.References, scan.MaskString(r))
		}
	}

	// The requester is the one From address; without exactly one From
	// field holding one address, the envelope sender stands in.
	in.From = in.Envelope.MailFrom
	fromHeader := false
	if h.count("from") == 1 {
		text, _ := decodeHeaderValue(h.get("from"))
		if name, addr, ok := parseMailbox(text); ok {
			in.From = scan.MaskString(addr)
			in.FromName = scan.MaskString(name)
			fromHeader = true
		}
	}
	in.SenderVerified = fromHeader && senderVerified(t.from, in.From, auth)

	for _, f := range h.fields {
		if !contains(keptHeaders, f.lower) {
			continue
		}
		var v string
		if contains(identifierHeaders, f.lower) {
			// A msg-id has no encoded words (RFC 5322 3.6.4): kept as sent.
			v = scan.MaskString(f.value())
		} else {
			text, _ := decodeHeaderValue(f.value())
			v = scan.MaskString(text)
		}
		if len(v) > maxKeptHeaderValue {
			continue
		}
		if len(in.Headers) == maxKeptHeaders {
			break
		}
		in.Headers = append(in.Headers, tickets.Header{Name: f.name, Value: v})
	}
	in.Headers = append(in.Headers, tickets.Header{Name: "Subject", Value: res.Subject})

	for _, p := range res.Parts {
		tp := tickets.Part{
			Where:       p.Where,
			ContentType: p.ContentType,
			Filename:    p.Filename,
			HTML:        p.HTML,
			Text:        p.Text,
			Withheld:    p.Withheld,
			Reason:      p.Reason,
		}
		if p.Withheld && p.Reason != "sensitive" {
			// Fail closed: a part that could not be read with confidence
			// shows that it exists, not what it says. A file withheld for
			// the numbers in it keeps its masked text (DESIGN: the masked
			// text of every part), as any body does; the second check
			// reads it like every other field.
			tp.Text = ""
		}
		in.Parts = append(in.Parts, tp)
		if p.Attachment && !p.Withheld && len(p.Findings) == 0 && p.Content != nil {
			sum := sha256.Sum256(p.Content)
			in.Attachments = append(in.Attachments, tickets.Attachment{
				Name:        p.Filename,
				ContentType: p.ContentType,
				Size:        int64(len(p.Content)),
				SHA256:      hex.EncodeToString(sum[:]),
				Content:     p.Content,
			})
		}
	}
	for _, f := range res.Findings {
		in.Findings = append(in.Findings, tickets.Finding{Type: string(f.Type), Last4: f.Last4, Where: f.Where})
	}
	for _, u := range res.Unscannable {
		in.Unscannable = append(in.Unscannable, tickets.Unscannable{Where: u.Where, Reason: u.Reason})
	}
	in.DedupKey = tickets.DedupKey(queue, in.Envelope.MailFrom, in.MessageID, stored)
	return in
}

// senderVerified reports whether from (the From address, masked) is
// proven for this message. RFC 7489: a DMARC pass proves the From domain
// (and only when From is in the domain DMARC evaluated); an SPF pass
// proves the envelope's domain, which is the From's only when the two
// addresses are the same. A masked address equals no envelope: never
// verified.
func senderVerified(envelope, from string, auth *AuthResult) bool {
	if auth.DMARC == verdictPass && auth.FromDomain != "" {
		if _, d, ok := mailproto.ParseAddress(from); ok && d == mailproto.NormDomain(auth.FromDomain) {
			return true
		}
	}
	return auth.SPF == verdictPass && envelope != "" && strings.EqualFold(envelope, from)
}

// maskedHeader is the whole header as a map for the reply policy: values
// decoded as staff would see them (so no encoded word hides a number from
// the masker) and masked. Identifiers are masked as sent.
func maskedHeader(h *header) map[string][]string {
	m := make(map[string][]string, len(h.fields))
	for _, f := range h.fields {
		v := f.value()
		if !contains(identifierHeaders, f.lower) {
			v, _ = decodeHeaderValue(v)
		}
		m[f.name] = append(m[f.name], scan.MaskString(v))
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
