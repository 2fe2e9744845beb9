package reply

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/intake-mail/intake/mailproto"
)

// Outgoing is one message we send: an auto-reply or a staff reply. It is
// built from parts we chose, never from the member's header or text.
type Outgoing struct {
	From      string // our address
	FromName  string // the organisation's name
	To        string // the envelope sender we answer
	Subject   string
	MessageID string // ours, carrying the signed ticket token; without brackets
	InReplyTo string // the member's Message-ID, for threading; "" for none
	LoopToken string // written as X-Loop; the policy refuses mail carrying it
	Auto      bool   // an automatic reply: Auto-Submitted: auto-replied
	Generated bool   // a notification to staff: Auto-Submitted: auto-generated
	Date      time.Time
	Body      string // plain text, "\n" line ends
}

// Bytes writes the message: text/plain UTF-8 in quoted-printable, CRLF.
func (o Outgoing) Bytes() ([]byte, error) {
	to, ok := mailproto.Deliverable(o.To)
	if !ok {
		return nil, fmt.Errorf("compose reply: recipient is not a plain address")
	}
	from, ok := mailproto.Deliverable(o.From)
	if !ok {
		return nil, fmt.Errorf("compose reply: from %q is not a plain address", o.From)
	}
	if !mailproto.ValidMessageID(o.MessageID) {
		return nil, fmt.Errorf("compose reply: our Message-ID is malformed")
	}
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}

	var b bytes.Buffer
	field := func(k, v string) { b.WriteString(mailproto.FoldField(k, v)) }
	field("Date", date.Format(time.RFC1123Z))
	field("From", (&mail.Address{Name: oneLine(o.FromName), Address: from}).String())
	field("To", "<"+to+">")
	field("Subject", mime.QEncoding.Encode("utf-8", oneLine(o.Subject)))
	field("Message-ID", "<"+strings.Trim(o.MessageID, "<>")+">")
	if id := strings.Trim(strings.TrimSpace(o.InReplyTo), "<>"); id != "" && mailproto.ValidMessageID(id) {
		field("In-Reply-To", "<"+id+">")
		field("References", "<"+id+">")
	}
	if o.Auto {
		// RFC 3834 §5: the mark other responders test before answering us.
		field("Auto-Submitted", "auto-replied")
	} else if o.Generated {
		// RFC 3834 §5: a mail no person wrote that answers nobody.
		field("Auto-Submitted", "auto-generated")
	}
	field("X-Auto-Response-Suppress", "All")
	if t := oneLine(o.LoopToken); t != "" {
		field("X-Loop", t)
	}
	field("MIME-Version", "1.0")
	field("Content-Type", "text/plain; charset=utf-8")
	field("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(o.Body, "\r\n", "\n"))); err != nil {
		return nil, fmt.Errorf("compose reply: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("compose reply: encode body: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
