package reply

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
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
	Date      time.Time
	Body      string // plain text, "\n" line ends
}

// Bytes writes the message: text/plain UTF-8 in quoted-printable, CRLF.
func (o Outgoing) Bytes() ([]byte, error) {
	to, ok := parseEnvelopeSender(o.To)
	if !ok {
		return nil, fmt.Errorf("compose reply: recipient is not a plain address")
	}
	from, ok := parseEnvelopeSender(o.From)
	if !ok {
		return nil, fmt.Errorf("compose reply: from %q is not a plain address", o.From)
	}
	if !validMsgID(o.MessageID) {
		return nil, fmt.Errorf("compose reply: our Message-ID is malformed")
	}
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}

	var b bytes.Buffer
	field := func(k, v string) { b.WriteString(fold(k+": "+v) + "\r\n") }
	field("Date", date.Format(time.RFC1123Z))
	field("From", (&mail.Address{Name: oneLine(o.FromName), Address: from}).String())
	field("To", "<"+to+">")
	field("Subject", mime.QEncoding.Encode("utf-8", oneLine(o.Subject)))
	field("Message-ID", "<"+strings.Trim(o.MessageID, "<>")+">")
	if id := strings.Trim(strings.TrimSpace(o.InReplyTo), "<>"); id != "" && validMsgID(id) {
		field("In-Reply-To", "<"+id+">")
		field("References", "<"+id+">")
	}
	if o.Auto {
		// RFC 3834 §5: the mark other responders test before answering us.
		field("Auto-Submitted", "auto-replied")
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

// fold breaks a header line at spaces so no line passes 78 characters
// where it can be helped (RFC 5322 §2.1.1); encoded words are separated
// by spaces, so a long encoded subject folds too.
func fold(line string) string {
	if len(line) <= 78 {
		return line
	}
	var b strings.Builder
	col := 0
	for i, w := range strings.Split(line, " ") {
		if i > 0 {
			if col+1+len(w) > 78 {
				b.WriteString("\r\n ")
				col = 1
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

// validMsgID accepts a msg-id (RFC 5322 §3.6.4) we can echo safely:
// printable ASCII, no spaces or angle brackets, an "@", and short.
func validMsgID(id string) bool {
	id = strings.Trim(id, "<>")
	if id == "" || len(id) > 250 || !strings.Contains(id, "@") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
