package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// keptHeaders are the header fields staff see on a message (masked). The
// subject comes from the scanner, decoded and masked.
var keptHeaders = []string{"from", "to", "cc", "reply-to", "date", "message-id", "in-reply-to",
	"auto-submitted", "precedence", "list-id"}

// Bounds that keep what we hand the store inside tickets.DefaultLimits,
// so a long header costs that header, never the message.
const (
	maxKeptHeaderValue = 16 << 10
	maxMessageIDLen    = 998
	maxReferences      = 200
)

// Delivery is what a BeforeAccept hook may know of a message. Every text
// in it is masked: nothing here may hold a full number.
type Delivery struct {
	Queue        string
	EnvelopeFrom string              // masked; "" is the null reverse-path
	Rcpts        []string            // masked
	Header       map[string][]string // every header field as received, values masked
	Auth         AuthResult
	Scan         *scan.Result
	// SenderMasked is true when masking changed the envelope sender (its
	// local part looks like a number): a reply must never go to it.
	SenderMasked bool
}

// decodeWords decodes RFC 2047 encoded words when it can.
func decodeWords(v string) string {
	dec := mime.WordDecoder{}
	if d, err := dec.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

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

	if id := msgIDs(h.get("message-id")); len(id) > 0 && len(id[0]) <= maxMessageIDLen {
		in.MessageID = scan.MaskString(id[0])
	}
	if id := msgIDs(h.get("in-reply-to")); len(id) > 0 && len(id[0]) <= maxMessageIDLen {
		in.InReplyTo = scan.MaskString(id[0])
	}
	refs := msgIDs(h.get("references"))
	if len(refs) > maxReferences {
		refs = refs[len(refs)-maxReferences:] // the nearest ancestors matter most
	}
	for _, r := range refs {
		if len(r) <= maxMessageIDLen {
			in.References = append(in.References, scan.MaskString(r))
		}
	}

	in.From = in.Envelope.MailFrom
	if addr, err := mail.ParseAddress(decodeWords(h.get("from"))); err == nil {
		in.From = scan.MaskString(addr.Address)
		in.FromName = scan.MaskString(addr.Name)
	}
	// RFC 7489: a DMARC pass proves the From domain for this message; an SPF
	// pass proves the envelope's domain, which is the From's only when the
	// two addresses are the same.
	in.SenderVerified = auth.DMARC == verdictPass ||
		(auth.SPF == verdictPass && t.from != "" && strings.EqualFold(t.from, in.From))

	for _, f := range h.fields {
		if !contains(keptHeaders, f.lower) {
			continue
		}
		v := scan.MaskString(decodeWords(f.value()))
		if len(v) > maxKeptHeaderValue {
			continue
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
		if p.Withheld {
			tp.Text = "" // fail closed: staff see that it exists, not what it says
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

// msgIDs pulls the <...> identifiers out of a Message-ID, In-Reply-To or
// References value, without the angle brackets; a value without brackets
// counts as one identifier.
func msgIDs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
	if len(out) == 0 {
		if v = strings.TrimSpace(v); v != "" && !strings.ContainsAny(v, " \t") {
			out = append(out, v)
		}
	}
	return out
}

// maskedHeader is the whole header as a map with masked values, for hooks.
func maskedHeader(h *header) map[string][]string {
	m := h.values()
	for k, vs := range m {
		for i, v := range vs {
			vs[i] = scan.MaskString(v)
		}
		m[k] = vs
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
