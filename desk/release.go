package desk

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/guard"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// Releasing a withheld part. The server cannot open the sealed original,
// so the part comes from whoever did: the officer's browser (which sends
// the part it decrypted and showed) or the CLI with the identity file
// (ReleaseFromOriginal). Either way the part is read again as the gateway
// reads inbound mail (the real scanner, then the second check) and what
// joins the ticket is only what that reading lets staff see: its masked
// text, and the file itself only when nothing at all was found in it. A
// binary file that still holds a number cannot be masked in place, and a
// part that still cannot be read stays withheld: both are refused, and
// the original stays sealed as it was.

// PartRelease is a withheld part as the officer read it in the original.
type PartRelease struct {
	// Where is the withheld part's location, as the ticket names it
	// ("body", "attachment:NAME").
	Where string `json:"where"`
	// Filename is the attachment's name as the original gives it ("" for
	// a body); ContentType is its media type, with a charset for text.
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type"`
	// Content is the decoded part: the bytes of a file, or the text of a
	// body or text attachment.
	Content []byte `json:"content"`
}

// Released says what joined the ticket.
type Released struct {
	Item     uuid.UUID         `json:"item"`
	Ref      string            `json:"ref"`
	Where    string            `json:"where"`
	Parts    []tickets.Part    `json:"parts"`    // masked, as staff now see them
	Files    int               `json:"files"`    // clean files staff may download
	Findings []tickets.Finding `json:"findings"` // the numbers masked in it: type, last four, where
}

// maxRelease bounds a released part (the store's attachment limit).
const maxRelease = 32 << 20

// Scanner reads a message as the gateway does; *scan.Scanner is the real
// one (serve gives the gateway's own, with its limits and image policy).
type Scanner interface {
	Scan(ctx context.Context, raw []byte) (*scan.Result, error)
}

// ReleasePart joins p, a withheld part of item id's message, to the
// ticket, masked, after reading it again (see above). It is audited
// (quarantine.release, with who, which part and what joined).
func (d *Desk) ReleasePart(ctx context.Context, a Actor, id uuid.UUID, p PartRelease) (*Released, error) {
	it, err := d.privacyItem(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if it.State == tickets.QuarantinePurged {
		return nil, conflict("item %s was purged; there is nothing to release", id)
	}
	if _, err := d.withheldPart(ctx, a, it, p.Where); err != nil {
		return nil, err
	}
	if len(p.Content) > maxRelease {
		return nil, invalid("the part is larger than %d MiB", maxRelease>>20)
	}
	res, err := d.scanPart(ctx, p)
	if err != nil {
		return nil, d.fail(a, "scan released part", err)
	}
	rel, err := joinable(res, p.Where)
	if err != nil {
		return nil, err
	}
	rel.Item, rel.Actor = id, a.AuditName()
	if err := d.st.ReleasePart(ctx, rel); err != nil {
		switch {
		case errors.Is(err, tickets.ErrConflict):
			return nil, conflict("%s of item %s is no longer withheld (released meanwhile), or the item was purged", whereWords(scan.MaskString(p.Where)), id)
		case errors.Is(err, tickets.ErrNotFound):
			return nil, notFound("no withheld part " + scan.MaskString(p.Where) + " in item " + id.String())
		}
		return nil, d.fail(a, "release part", err)
	}
	d.log.Info("quarantine part released", "actor", a.AuditName(), "item", id, "parts", len(rel.Parts), "files", len(rel.Attachments))
	out := &Released{Item: id, Ref: it.TicketRef, Where: p.Where, Parts: rel.Parts, Files: len(rel.Attachments), Findings: []tickets.Finding{}}
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, tickets.Finding{Type: string(f.Type), Last4: f.Last4, Where: f.Where})
	}
	return out, nil
}

// withheldPart returns the part where names in the item's message, which
// must be withheld now.
func (d *Desk) withheldPart(ctx context.Context, a Actor, it *tickets.QuarantineItem, where string) (*tickets.Part, error) {
	if where == "" {
		return nil, badRequest("say which part to release (where: body, or attachment:NAME)")
	}
	t, err := d.st.GetTicketByID(ctx, it.TicketID)
	if err != nil {
		return nil, d.fail(a, "read the item's ticket", err)
	}
	var withheld []string
	for _, m := range t.Messages {
		if m.ID != it.MessageID {
			continue
		}
		for _, p := range m.Parts {
			switch {
			case p.Where == where && p.Withheld:
				return &p, nil
			case p.Where == where && !p.Released.IsZero():
				return nil, conflict("%s was released already", whereWords(where))
			case p.Withheld:
				withheld = append(withheld, p.Where)
			}
		}
	}
	if len(withheld) == 0 {
		return nil, invalid("nothing of this item's message is withheld from staff: there is no part to release")
	}
	// What the caller named is echoed masked: a file name can hold a number.
	return nil, invalid("%s is not a withheld part of this item's message (withheld: %s)", clip(scan.MaskString(where), 80), clip(strings.Join(withheld, ", "), 200))
}

// scanPart reads p as one part of an inbound message: a body at the top
// level, or an attachment with its file name, so that the scanner names
// it as it named the part in the original.
func (d *Desk) scanPart(ctx context.Context, p PartRelease) (*scan.Result, error) {
	return d.scanner().Scan(ctx, partMessage(p))
}

func (d *Desk) scanner() Scanner {
	if d.sc == nil {
		return defaultScanner()
	}
	return d.sc
}

// defaultScanner is made on first use: making one looks for tesseract.
var defaultScanner = sync.OnceValue(func() Scanner { return scan.New(scan.DefaultLimits()) })

// partMessage is p as a MIME message of its own, base64 encoded: the
// officer's bytes reach the scanner exactly, whatever they hold.
func partMessage(p PartRelease) []byte {
	ctype := "application/octet-stream"
	if mt, params, err := mime.ParseMediaType(p.ContentType); err == nil {
		keep := map[string]string{}
		if cs := params["charset"]; cs != "" {
			keep["charset"] = cs
		}
		if f := mime.FormatMediaType(mt, keep); f != "" {
			ctype = f
		}
	}
	var b bytes.Buffer
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"intake-release\"\r\n\r\n--intake-release\r\n")
	b.WriteString("Content-Type: " + ctype + "\r\n")
	if strings.HasPrefix(p.Where, "attachment:") {
		name := p.Filename
		if name == "" {
			name = "unnamed"
		}
		disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
		if disp == "" {
			disp = "attachment"
		}
		b.WriteString("Content-Disposition: " + disp + "\r\n")
	}
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(p.Content)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--intake-release--\r\n")
	return b.Bytes()
}

func mediaType(ctype string) string {
	mt, _, _ := mime.ParseMediaType(ctype)
	return mt
}

// joinable turns the reading of a released part into what joins the
// ticket, or says why nothing may.
func joinable(res *scan.Result, where string) (tickets.Release, error) {
	var rel tickets.Release
	rel.Where = where
	if len(res.Parts) == 0 {
		return rel, invalid("the part sent is empty")
	}
	if w := res.Parts[0].Where; w != where {
		return rel, invalid("the part sent is not %s: it reads as %s (send the part as the original holds it, with its file name)", clip(where, 80), clip(w, 80))
	}
	for _, p := range res.Parts {
		if p.Where != where && !strings.HasPrefix(p.Where, where+"/") {
			return rel, invalid("the part sent is not %s alone: it reads as %s too", clip(where, 80), clip(p.Where, 80))
		}
		if p.Withheld && p.Reason == "sensitive" && p.Text != "" && textual(p) {
			continue // a text file holding a number: its masked text joins, the file does not
		}
		if p.Withheld && p.Reason == "sensitive" {
			if textual(p) {
				return rel, &Error{Status: 422, Code: CodeSensitiveContent, Message: capital(whereWords(p.Where)) + " still holds " +
					kindsOf(p.Findings) + " in a spelling masking cannot reach (escaped or encoded): it cannot join the ticket, and stays sealed"}
			}
			return rel, &Error{Status: 422, Code: CodeSensitiveContent, Message: capital(whereWords(p.Where)) + " still holds " +
				kindsOf(p.Findings) + " and is a " + formatWords(p.ContentType) + ", in which a number cannot be masked in place: it cannot join the ticket, and stays sealed. Ask the member for a copy without the number"}
		}
		if p.Withheld {
			return rel, invalid("%s still cannot be released: %s. It stays withheld", capital(whereWords(p.Where)), WhyWithheld(p.Reason))
		}
	}
	for _, u := range res.Unscannable {
		return rel, invalid("%s still cannot be released: %s. It stays withheld", capital(whereWords(u.Where)), WhyWithheld(u.Reason))
	}
	for _, p := range res.Parts {
		// The second check reads what is about to be kept, as at the
		// gateway: a hit keeps the part withheld.
		if len(guard.Text(p.Text))+len(guard.Text(p.Where))+len(guard.Text(p.Filename))+len(guard.Text(p.ContentType)) > 0 ||
			(p.Content != nil && len(guard.Bytes(p.Content)) > 0) {
			return rel, invalid("%s still cannot be released: %s. It stays withheld", capital(whereWords(p.Where)), WhyWithheld("second_check"))
		}
		rel.Parts = append(rel.Parts, tickets.Part{Where: p.Where, ContentType: p.ContentType, Filename: p.Filename, HTML: p.HTML, Text: p.Text})
		if p.Attachment && !p.Withheld && len(p.Findings) == 0 && p.Content != nil {
			rel.Attachments = append(rel.Attachments, tickets.Attachment{Name: p.Filename, ContentType: p.ContentType, Content: p.Content})
		}
	}
	rel.Detail = map[string]string{"findings": strconv.Itoa(len(res.Findings))}
	return rel, nil
}

// textual: the part is text a person reads as it is (a body, a text or
// HTML file), not a format whose text an extractor had to dig out.
func textual(p scan.Part) bool {
	return p.HTML || strings.HasPrefix(p.ContentType, "text/") || p.ContentType == ""
}

// whereWords is a location as people say it.
func whereWords(where string) string {
	if name, ok := strings.CutPrefix(where, "attachment:"); ok {
		return "the attachment " + name
	}
	if where == "body" {
		return "the message text"
	}
	return where
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// kindsOf names the kinds of numbers found, never the numbers.
func kindsOf(fs []scan.Finding) string {
	ssn, pan := false, false
	for _, f := range fs {
		ssn = ssn || f.Type == scan.KindSSN
		pan = pan || f.Type == scan.KindPAN
	}
	switch {
	case ssn && pan:
		return "a Social Security number and a payment card number"
	case ssn:
		return "a Social Security number or ITIN"
	case pan:
		return "a payment card number"
	}
	return "a number"
}

// formatWords names a binary format for the refusal.
func formatWords(ctype string) string {
	switch {
	case ctype == "application/pdf":
		return "PDF"
	case strings.HasPrefix(ctype, "image/"):
		return "picture"
	case strings.Contains(ctype, "officedocument") || strings.Contains(ctype, "opendocument") || strings.Contains(ctype, "msword"):
		return "office document"
	case strings.Contains(ctype, "zip") || strings.Contains(ctype, "gzip"):
		return "archive"
	}
	return "binary file (" + clip(ctype, 40) + ")"
}

// ReleaseFromOriginal releases the part at where from raw, an original
// the caller opened with the identity (the CLI): the part is found by
// reading each part of raw as ReleasePart reads what it is sent, and
// then released as that would be.
func (d *Desk) ReleaseFromOriginal(ctx context.Context, a Actor, id uuid.UUID, raw []byte, where string) (*Released, error) {
	it, err := d.privacyItem(ctx, a, id)
	if err != nil {
		return nil, err
	}
	held, err := d.withheldPart(ctx, a, it, where)
	if err != nil {
		return nil, err
	}
	leaves, err := LeafParts(raw)
	if err != nil {
		return nil, invalid("the original could not be read as MIME: %v", err)
	}
	// A body sent as text and as HTML is "body" twice: the one of the
	// withheld part's type is tried first.
	sort.SliceStable(leaves, func(i, j int) bool {
		return mediaType(leaves[i].ContentType) == held.ContentType && mediaType(leaves[j].ContentType) != held.ContentType
	})
	var seen []string
	for _, p := range leaves {
		p.Where = where
		if !strings.HasPrefix(where, "attachment:") {
			p.Filename = ""
		}
		res, err := d.scanPart(ctx, p)
		if err != nil {
			return nil, d.fail(a, "scan part of the original", err)
		}
		if len(res.Parts) > 0 && res.Parts[0].Where == where {
			return d.ReleasePart(ctx, a, id, p)
		}
		if len(res.Parts) > 0 {
			seen = append(seen, res.Parts[0].Where)
		}
	}
	return nil, notFound(fmt.Sprintf("no part %s in the original (its parts: %s)", clip(scan.MaskString(where), 80), clip(strings.Join(seen, ", "), 300)))
}
