package desk

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/internal/leakcheck"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// testSSN is a well-known test SSN (it passes the SSA rules); it must
// reach staff only masked.
const testSSN = "489-36-8350"

// statementPart is statement.txt as the officer's browser sends it back:
// the text it decoded, as UTF-8.
func statementPart(text string) PartRelease {
	return PartRelease{Where: "attachment:statement.txt", Filename: "statement.txt", ContentType: "text/plain; charset=utf-8", Content: []byte(text)}
}

// A released text attachment that still holds a number joins the ticket
// as masked text, with who released it; the ticket no longer says
// withheld; the item is released; the audit says who released what; a
// second release of the same part is refused.
func TestReleasePartJoinsMasked(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.fileWithheld("My statement")
		rel, err := e.d.ReleasePart(ctx, privacy, acc.QuarantineID, statementPart("Statement for March\nSSN "+testSSN+"\nBalance 12.40\n"))
		if err != nil {
			t.Fatalf("release: %v", err)
		}
		if len(rel.Parts) != 1 || len(rel.Findings) != 1 || rel.Findings[0].Last4 != "8350" || rel.Files != 0 {
			t.Fatalf("released %+v", rel)
		}
		v, err := e.d.ShowTicket(ctx, agent, acc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		m := v.Messages[0]
		var got *tickets.Part
		for i := range m.Parts {
			if m.Parts[i].Where == "attachment:statement.txt" {
				got = &m.Parts[i]
			}
		}
		if got == nil || got.Withheld || !strings.Contains(got.Text, "***-**-8350") || !strings.Contains(got.Text, "Balance 12.40") ||
			got.ReleasedBy != "user:pat" || got.Released.IsZero() {
			t.Fatalf("the released part as staff see it: %+v", got)
		}
		if v.Withheld || m.Withheld || len(m.WithheldParts) != 0 {
			t.Errorf("after the release the ticket still says withheld: ticket %v, message %v %v", v.Withheld, m.Withheld, m.WithheldParts)
		}
		if len(m.Attachments) != 0 {
			t.Errorf("a part holding a number joined as a file: %v", m.Attachments)
		}
		js, _ := json.Marshal(v)
		leakcheck.New(leakcheck.Digits(testSSN)).Check(t, "the ticket after release", js)
		it, err := e.d.GetQuarantine(ctx, privacy, acc.QuarantineID)
		if err != nil || it.State != tickets.QuarantineReleased {
			t.Fatalf("item after release: %+v %v", it, err)
		}
		evs := e.events(tickets.ActionQuarantineRelease)
		if len(evs) != 1 || evs[0].Actor != "user:pat" || evs[0].ItemID != acc.QuarantineID.String() ||
			evs[0].Detail["where"] != "attachment:statement.txt" || evs[0].Detail["findings"] != "1" || evs[0].Detail["ref"] != acc.Ref {
			t.Fatalf("release events: %+v", evs)
		}
		// Search finds it by words only the released text holds.
		page, err := e.d.ListTickets(ctx, agent, TicketQuery{Q: "balance"})
		if err != nil || len(page.Tickets) != 1 || page.Tickets[0].Ref != acc.Ref {
			t.Errorf("search for the released text: %+v %v", page, err)
		}
		if _, err := e.d.ReleasePart(ctx, privacy, acc.QuarantineID, statementPart("again")); code(err) != "409 conflict" {
			t.Errorf("a second release: %s", code(err))
		}
		rep, err := e.st.VerifyAudit(ctx)
		if err != nil || !rep.OK {
			t.Fatalf("audit verify: %+v %v", rep, err)
		}
	})
}

// A clean file joins as a file staff may download, and as its text.
func TestReleasePartCleanFileJoins(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.fileWithheld("My statement")
		p := PartRelease{Where: "attachment:statement.txt", Filename: "statement.txt", ContentType: "text/plain", Content: []byte("Balance 12.40")}
		if _, err := e.d.ReleasePart(ctx, privacy, acc.QuarantineID, p); err != nil {
			t.Fatal(err)
		}
		d := e.ticket(acc.Ref)
		if n := len(d.Messages[0].Attachments); n != 1 {
			t.Fatalf("%d files on the message after releasing a clean text file, want 1", n)
		}
		a, err := e.d.Attachment(ctx, agent, d.Messages[0].Attachments[0].ID)
		if err != nil || string(a.Content) != "Balance 12.40" || a.Name != "statement.txt" {
			t.Fatalf("the released file: %+v %v", a, err)
		}
	})
}

// What may not join is refused, says why, and changes nothing: a binary
// format still holding a number, a part that still cannot be read, a
// part that is not the one named, a part that is not withheld.
func TestReleasePartRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.fileWithheld("My statement")
		ssn := leakcheck.New(leakcheck.Digits(testSSN))
		for _, c := range []struct {
			name string
			p    PartRelease
			code string
			says string
		}{
			{"an office document with a number", PartRelease{Where: "attachment:statement.txt", Filename: "statement.txt",
				ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Content: docx(t, "SSN "+testSSN)},
				"422 sensitive_content", "office document, in which a number cannot be masked in place"},
			{"still an unknown charset", PartRelease{Where: "attachment:statement.txt", Filename: "statement.txt",
				ContentType: "text/plain; charset=x-klingon", Content: []byte("caf\xe9 \xff\xfe SSN")},
				"422 invalid", "character set is unknown"},
			{"another file name", PartRelease{Where: "attachment:statement.txt", Filename: "other.txt", ContentType: "text/plain", Content: []byte("hello")},
				"422 invalid", "reads as attachment:other.txt"},
			{"a part that is not withheld", PartRelease{Where: "body", ContentType: "text/plain", Content: []byte("hello")},
				"422 invalid", "not a withheld part"},
			{"no part named", PartRelease{ContentType: "text/plain", Content: []byte("hello")}, "400 bad_request", "which part"},
		} {
			_, err := e.d.ReleasePart(ctx, privacy, acc.QuarantineID, c.p)
			if code(err) != c.code || !strings.Contains(AsError(err).Message, c.says) {
				t.Errorf("%s: %s %v, want %s saying %q", c.name, code(err), err, c.code, c.says)
			}
			if err != nil {
				ssn.Check(t, c.name+": the refusal", []byte(err.Error()))
			}
		}
		if _, err := e.d.ReleasePart(ctx, privacy, uuid.New(), statementPart("x")); code(err) != "404 not_found" {
			t.Errorf("release from no item: %s", code(err))
		}
		d := e.ticket(acc.Ref)
		if !d.Withheld || len(d.Messages[0].Attachments) != 0 || !d.Messages[0].Parts[1].Withheld {
			t.Errorf("a refused release changed the ticket: %+v", d.Messages[0].Parts)
		}
		if evs := e.events(tickets.ActionQuarantineRelease); len(evs) != 0 {
			t.Errorf("refused releases were audited as releases: %v", evs)
		}
		if it, _ := e.st.GetQuarantine(ctx, acc.QuarantineID); it.State != tickets.QuarantineHeld {
			t.Errorf("after refusals the item is %s", it.State)
		}
	})
}

// The CLI's path: the part is found in the opened original by how the
// scanner names it, and joins as the browser's would.
func TestReleaseFromOriginal(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.fileWithheld("My statement")
		raw := strings.Join([]string{
			"From: Member <member@example.org>", "To: help@support.localhost", "Subject: My statement",
			"MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="b1"`, "",
			"--b1", "Content-Type: text/plain; charset=utf-8", "", "My statement is attached.",
			"--b1", `Content-Type: text/plain; charset=utf-8; name="statement.txt"`, `Content-Disposition: attachment; filename="statement.txt"`,
			"Content-Transfer-Encoding: quoted-printable", "", "SSN " + testSSN + "=0ABalance 12.40", "--b1--", ""}, "\r\n")
		if _, err := e.d.ReleaseFromOriginal(ctx, privacy, acc.QuarantineID, []byte(raw), "attachment:nothere.txt"); code(err) != "422 invalid" {
			t.Errorf("a part the message does not withhold: %s", code(err))
		}
		rel, err := e.d.ReleaseFromOriginal(ctx, privacy, acc.QuarantineID, []byte(raw), "attachment:statement.txt")
		if err != nil {
			t.Fatal(err)
		}
		if len(rel.Parts) != 1 || rel.Parts[0].Text != "SSN ***-**-8350\nBalance 12.40" {
			t.Fatalf("released %+v", rel.Parts)
		}
		if _, err := e.d.ReleaseFromOriginal(ctx, agent, acc.QuarantineID, []byte(raw), "attachment:statement.txt"); code(err) != "403 forbidden" {
			t.Errorf("an agent: %s", code(err))
		}
	})
}

// A legal hold keeps an item from retention (its deadline long past, its
// ticket closed and old) and from a purge by hand until it is lifted;
// each change is audited once with who did it.
func TestLegalHoldBlocksRetention(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		held := e.file("S", "***-**-8350", "m@example.org", true)
		other := e.file("S", "***-**-8350", "m@example.org", true)
		for i := 0; i < 2; i++ {
			it, err := e.d.SetLegalHold(ctx, privacy, held.QuarantineID, true)
			if err != nil || !it.LegalHold {
				t.Fatalf("hold %d: %+v %v", i, it, err)
			}
		}
		if _, err := e.d.Purge(ctx, privacy, held.QuarantineID); code(err) != "409 conflict" {
			t.Fatalf("purge of a held item: %s", code(err))
		}
		// Both tickets closed, everything past every deadline.
		for _, ref := range []string{held.Ref, other.Ref} {
			if _, err := e.d.SetStatus(ctx, agent, ref, tickets.StatusClosed); err != nil {
				t.Fatal(err)
			}
		}
		later := time.Now().Add(400 * 24 * time.Hour)
		rep, err := e.st.PurgeExpired(ctx, tickets.RetentionPolicy{Now: later, ClosedTicketsAfter: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if rep.QuarantineItems != 1 || rep.Tickets != 1 {
			t.Fatalf("retention removed %d items and %d tickets, want the other one's: 1 and 1", rep.QuarantineItems, rep.Tickets)
		}
		it, err := e.st.GetQuarantine(ctx, held.QuarantineID)
		if err != nil || it.State != tickets.QuarantineHeld || !it.LegalHold {
			t.Fatalf("the held item after retention: %+v %v", it, err)
		}
		if _, err := e.st.GetTicket(ctx, held.Ref); err != nil {
			t.Fatalf("the held item's ticket after retention: %v", err)
		}
		if _, err := e.st.FetchQuarantine(ctx, held.QuarantineID, "cli:test"); err != nil {
			t.Fatalf("the held item's ciphertext after retention: %v", err)
		}
		// Lifted, the next run removes both.
		for i := 0; i < 2; i++ {
			if it, err := e.d.SetLegalHold(ctx, privacy, held.QuarantineID, false); err != nil || it.LegalHold {
				t.Fatalf("unhold %d: %+v %v", i, it, err)
			}
		}
		rep, err = e.st.PurgeExpired(ctx, tickets.RetentionPolicy{Now: later, ClosedTicketsAfter: 24 * time.Hour})
		if err != nil || rep.QuarantineItems != 1 || rep.Tickets != 1 {
			t.Fatalf("retention after the hold was lifted: %+v %v", rep, err)
		}
		for action, n := range map[string]int{tickets.ActionQuarantineHold: 1, tickets.ActionQuarantineUnhold: 1} {
			evs := e.events(action)
			if len(evs) != n || evs[0].Actor != "user:pat" || evs[0].ItemID != held.QuarantineID.String() {
				t.Errorf("%s events: %+v", action, evs)
			}
		}
		if _, err := e.d.SetLegalHold(ctx, agent, other.QuarantineID, true); code(err) != "403 forbidden" {
			t.Errorf("hold by an agent: %s", code(err))
		}
		rep2, err := e.st.VerifyAudit(ctx)
		if err != nil || !rep2.OK {
			t.Fatalf("audit verify: %+v %v", rep2, err)
		}
	})
}

// docx is a minimal Word document whose text is body.
func docx(t *testing.T, body string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>` + body + `</w:t></w:r></w:p></w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// blindScanner is the real scanner with its detection switched off: it
// reads the part as the gateway would, then forgets every finding and
// gives back the text unmasked, as a scanner rule that stopped firing
// would.
type blindScanner struct{ plain string }

func (b blindScanner) Scan(ctx context.Context, raw []byte) (*scan.Result, error) {
	res, err := scan.New(scan.DefaultLimits()).Scan(ctx, raw)
	if err != nil {
		return nil, err
	}
	res.Findings = nil
	for i := range res.Parts {
		p := &res.Parts[i]
		p.Findings, p.Withheld, p.Reason = nil, false, ""
		if p.Attachment {
			p.Text = b.plain
		}
	}
	return res, nil
}

// With the scanner blind, the second check (guard/) still reads what a
// release would keep and refuses it: the number never reaches the ticket.
func TestReleaseSecondCheckWithScannerBlind(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		text := "Statement for March\nSocial Security number: " + testSSN + "\n"
		blind, err := New(Options{Store: e.st, Scanner: blindScanner{plain: text}})
		if err != nil {
			t.Fatal(err)
		}
		acc := e.fileWithheld("My statement")
		_, err = blind.ReleasePart(ctx, privacy, acc.QuarantineID, statementPart(text))
		if code(err) != "422 invalid" || !strings.Contains(AsError(err).Message, "second check") {
			t.Fatalf("release past a blind scanner: %s %v, want 422 naming the second check", code(err), err)
		}
		ssn := leakcheck.New(leakcheck.Digits(testSSN))
		ssn.Check(t, "the refusal", []byte(err.Error()))
		d := e.ticket(acc.Ref)
		b, _ := json.Marshal(d)
		ssn.Check(t, "the ticket after the refusal", b)
		if !d.Messages[0].Parts[1].Withheld {
			t.Errorf("the part is no longer withheld: %+v", d.Messages[0].Parts[1])
		}
		if evs := e.events(tickets.ActionQuarantineRelease); len(evs) != 0 {
			t.Errorf("a refused release was audited as one: %v", evs)
		}
	})
}
