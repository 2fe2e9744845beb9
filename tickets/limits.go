package tickets

import "fmt"

// Limits bound what the store accepts. An oversize field is refused with
// ErrInvalid, never truncated: a silently shortened body is a lost message.
type Limits struct {
	Short       int // addresses, queue, IP, HELO, verdicts, content types (bytes)
	Subject     int // masked subject, display name (bytes)
	MessageID   int // Message-ID, In-Reply-To, each Reference (bytes)
	References  int // count of References
	Header      int // one header value (bytes)
	Headers     int // count of headers kept
	Parts       int // count of parts
	Text        int // one part's masked text (bytes)
	Attachments int // count of clean attachments
	Attachment  int // one attachment's content (bytes)
	Sealed      int // the sealed original (bytes)
	Findings    int // count of findings
	Payload     int // one outbox job's payload (bytes)
}

// DefaultLimits fit a 25 MiB message with room for age's overhead.
var DefaultLimits = Limits{
	Short:       512,
	Subject:     8 << 10,
	MessageID:   998, // RFC 5322 line length
	References:  200,
	Header:      16 << 10,
	Headers:     200,
	Parts:       1000,
	Text:        32 << 20,
	Attachments: 500,
	Attachment:  32 << 20,
	Sealed:      64 << 20,
	Findings:    10000,
	Payload:     1 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.Short, d.Short)
	pick(&l.Subject, d.Subject)
	pick(&l.MessageID, d.MessageID)
	pick(&l.References, d.References)
	pick(&l.Header, d.Header)
	pick(&l.Headers, d.Headers)
	pick(&l.Parts, d.Parts)
	pick(&l.Text, d.Text)
	pick(&l.Attachments, d.Attachments)
	pick(&l.Attachment, d.Attachment)
	pick(&l.Sealed, d.Sealed)
	pick(&l.Findings, d.Findings)
	pick(&l.Payload, d.Payload)
	return l
}

// FieldError names the field that was refused; it wraps ErrInvalid. It
// carries sizes only, never the value (which may be a member's text).
type FieldError struct {
	Field string
	Size  int
	Max   int
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("field %s too large: %d > %d", e.Field, e.Size, e.Max)
}

func (e *FieldError) Unwrap() error { return ErrInvalid }

func checkLen(field string, s string, max int) error {
	if len(s) > max {
		return &FieldError{Field: field, Size: len(s), Max: max}
	}
	return nil
}

func checkCount(field string, n, max int) error {
	if n > max {
		return &FieldError{Field: field + " count", Size: n, Max: max}
	}
	return nil
}

// validate refuses an Inbound that does not fit the limits or lacks what
// the store needs. Errors wrap ErrInvalid.
func (l Limits) validate(in *Inbound) error {
	if in == nil {
		return fmt.Errorf("%w: nil inbound", ErrInvalid)
	}
	if in.Queue == "" {
		return fmt.Errorf("%w: queue missing", ErrInvalid)
	}
	if in.DedupKey == "" {
		return fmt.Errorf("%w: dedup key missing", ErrInvalid)
	}
	checks := []error{
		checkLen("queue", in.Queue, l.Short),
		checkLen("envelope.mail_from", in.Envelope.MailFrom, l.Short),
		checkLen("envelope.client_ip", in.Envelope.ClientIP, l.Short),
		checkLen("envelope.helo", in.Envelope.Helo, l.Short),
		checkCount("envelope.rcpts", len(in.Envelope.Rcpts), l.Headers),
		checkLen("message_id", in.MessageID, l.MessageID),
		checkLen("in_reply_to", in.InReplyTo, l.MessageID),
		checkCount("references", len(in.References), l.References),
		checkLen("subject", in.Subject, l.Subject),
		checkLen("from", in.From, l.Short),
		checkLen("from_name", in.FromName, l.Subject),
		checkCount("headers", len(in.Headers), l.Headers),
		checkLen("authentication_results", in.AuthResults, l.Header),
		checkLen("auth.spf", in.Auth.SPF, l.Short),
		checkLen("auth.dkim", in.Auth.DKIM, l.Short),
		checkLen("auth.dmarc", in.Auth.DMARC, l.Short),
		checkCount("parts", len(in.Parts), l.Parts),
		checkCount("attachments", len(in.Attachments), l.Attachments),
		checkCount("findings", len(in.Findings), l.Findings),
		checkCount("unscannable", len(in.Unscannable), l.Parts),
		checkLen("sealed", string(in.Sealed), l.Sealed),
		checkLen("dedup_key", in.DedupKey, l.Short),
	}
	for _, r := range in.Envelope.Rcpts {
		checks = append(checks, checkLen("envelope.rcpt", r, l.Short))
	}
	for _, r := range in.References {
		checks = append(checks, checkLen("references[]", r, l.MessageID))
	}
	for _, h := range in.Headers {
		checks = append(checks, checkLen("header name", h.Name, l.Short), checkLen("header "+safeName(h.Name), h.Value, l.Header))
	}
	for _, p := range in.Parts {
		checks = append(checks,
			checkLen("part.where", p.Where, l.Header),
			checkLen("part.content_type", p.ContentType, l.Short),
			checkLen("part.filename", p.Filename, l.Header),
			checkLen("part.reason", p.Reason, l.Short),
			checkLen("part.text", p.Text, l.Text))
	}
	for _, a := range in.Attachments {
		checks = append(checks,
			checkLen("attachment.name", a.Name, l.Header),
			checkLen("attachment.content_type", a.ContentType, l.Short),
			checkLen("attachment.content", string(a.Content), l.Attachment))
	}
	for _, f := range in.Findings {
		if f.Type != "ssn" && f.Type != "pan" {
			checks = append(checks, fmt.Errorf("%w: finding type %q", ErrInvalid, safeName(f.Type)))
		}
		// The store keeps the last four at most: anything longer is refused
		// rather than kept, since it could be more of the number.
		if len(f.Last4) > 4 {
			checks = append(checks, &FieldError{Field: "finding.last4", Size: len(f.Last4), Max: 4})
		}
		checks = append(checks, checkLen("finding.where", f.Where, l.Header))
	}
	for _, u := range in.Unscannable {
		checks = append(checks, checkLen("unscannable.where", u.Where, l.Header), checkLen("unscannable.reason", u.Reason, l.Short))
	}
	for _, j := range in.Outbox {
		checks = append(checks, l.validateJob(j))
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

func (l Limits) validateJob(j OutboxJob) error {
	for _, err := range []error{
		checkLen("outbox.kind", j.Kind, l.Short),
		checkLen("outbox.recipient", j.Recipient, l.Short),
		checkLen("outbox.payload", string(j.Payload), l.Payload),
	} {
		if err != nil {
			return err
		}
	}
	if j.Kind == "" {
		return fmt.Errorf("%w: outbox job kind missing", ErrInvalid)
	}
	return nil
}

// safeName keeps a header name printable and short for an error message;
// it is never a value.
func safeName(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x21 || c > 0x7e || (c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}
