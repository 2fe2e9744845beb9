package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestTicketPageShowsTheThread(t *testing.T) {
	e, b := staffEnv(t)
	refs := sampleQueue(t, e)

	a := b.get("/t/" + refs["sensitive"])
	if a.StatusCode != 200 {
		t.Fatalf("ticket page: %d", a.StatusCode)
	}
	mustContain(t, "the sensitive ticket", a.body,
		"My card ending 1111 was charged twice",
		// The masked text with its line breaks, in the element that keeps them.
		"<div class=\"msg-text\">Hi,\n\nmy card **** **** **** 1111 was charged twice for the same purchase.\nMy SSN is ***-**-8350 if you need it.",
		// Each finding: type, last four, where.
		`card number</span> ending <strong>1111</strong> removed from the text`,
		`SSN or ITIN</span> ending <strong>8350</strong> removed from the text`,
		"sensitive number removed",
		`<span class="chip chip-ok">sender verified</span>`, "SPF pass · DKIM pass · DMARC pass",
		"Margaret Hamilton", "1 original in the quarantine",
		`action="/t/`+refs["sensitive"]+`/reply"`, `action="/t/`+refs["sensitive"]+`/note"`,
		`action="/t/`+refs["sensitive"]+`/status"`, `action="/t/`+refs["sensitive"]+`/assign"`,
		`<option value="bob">bob</option>`, `<input type="hidden" name="assignee" value="me">`)

	a = b.get("/t/" + refs["assigned"])
	mustContain(t, "the ticket with a thread", a.body,
		`class="msg msg-inbound"`, `class="msg msg-note"`, `class="msg msg-reply"`,
		"Internal note", "Internal: never sent to the member.",
		"Called the member; the address is confirmed.\nUpdate the core system.",
		"Staff reply", "waiting to be sent", "To <span class=\"addr\">alan@member.example</span>",
		"Assigned to <strong>bob</strong>")
	// In order: the member's mail, the note, the reply.
	in, note, rep := strings.Index(a.body, "msg-inbound"), strings.Index(a.body, "msg-note\""), strings.Index(a.body, "msg-reply")
	if !(in < note && note < rep) {
		t.Errorf("thread out of order: inbound at %d, note at %d, reply at %d", in, note, rep)
	}

	a = b.get("/t/" + refs["withheld"])
	mustContain(t, "the ticket with a withheld part", a.body,
		"attachment withheld",
		"The attachment loan-papers.pdf is withheld: it is encrypted, so it could not be checked for numbers.",
		`<span class="chip chip-warn"`, "sender not verified", "SPF softfail · DKIM none · DMARC none",
		`download>photo-of-id-card.txt</a>`)

	a = b.get("/t/" + refs["followup"])
	mustContain(t, "the follow-up", a.body, `possible follow-up of <a href="/t/`+refs["solved"]+`">`+refs["solved"]+`</a>`)

	// Lower-case refs, as people type them, work; a malformed one is a
	// 400 and an unknown one a 404, as pages.
	if a := b.get("/t/" + strings.ToLower(refs["long"])); a.StatusCode != 200 {
		t.Errorf("lower-case ref: %d", a.StatusCode)
	}
	if a := b.get("/t/nonsense"); a.StatusCode != 400 || !strings.Contains(a.body, "is not a ticket ref") {
		t.Errorf("malformed ref: %d", a.StatusCode)
	}
	if a := b.get("/t/T-ZZZZZZ"); a.StatusCode != 404 || !strings.Contains(a.body, "no ticket T-ZZZZZZ") && !strings.Contains(a.body, "No ticket T-ZZZZZZ") {
		t.Errorf("unknown ref: %d", a.StatusCode)
	}
}

// Every reason a part is withheld reads as a sentence, never as the
// scanner's code.
func TestTicketPageSaysWhyWithheld(t *testing.T) {
	e, b := staffEnv(t)
	reasons := map[string]string{
		scan.ReasonUnknownCharset: "its character set is unknown",
		scan.ReasonBadEncoding:    "its encoding is broken",
		scan.ReasonEncrypted:      "it is encrypted",
		scan.ReasonParseError:     "the file is damaged or could not be parsed",
		scan.ReasonNoText:         "it holds no text we can read",
		scan.ReasonUnsupported:    "a format intake does not read",
		scan.ReasonTooLarge:       "it is too large to check",
		scan.ReasonTooDeep:        "nested too deeply",
		scan.ReasonTooManyParts:   "too many parts",
		scan.ReasonArchiveBomb:    "an archive bomb",
		scan.ReasonTimeout:        "checking it took too long",
		scan.ReasonTruncated:      "it ends early",
		"second_check":            "the second check found what looks like a full number",
		"sensitive":               "could not be masked in place",
		"a_new_reason":            "it could not be checked for numbers",
	}
	var parts []tickets.Part
	for code := range reasons {
		parts = append(parts, tickets.Part{Where: "attachment:" + code + ".bin", ContentType: "application/octet-stream", Reason: code})
	}
	acc := e.file(mail{subject: "Files", body: "See attached.", withheld: parts})
	a := b.get("/t/" + acc.Ref)
	for code, words := range reasons {
		re := regexp.MustCompile(`The attachment ` + regexp.QuoteMeta(code) + `\.bin is withheld: [^<]*` + regexp.QuoteMeta(words))
		if !re.MatchString(a.body) {
			t.Errorf("reason %s is not said as %q", code, words)
		}
	}
}

// Why no auto-reply went is a muted line in the member's message, in
// words, the word in its title; a message filed before decisions were
// kept, or one whose reply was queued, shows no such line.
func TestTicketPageSaysWhyNoReply(t *testing.T) {
	e, b := staffEnv(t)
	limited := e.file(mail{subject: "Third today", body: "hello", replyDecision: "rate_hourly"}).Ref
	a := b.get("/t/" + limited)
	mustContain(t, "the ticket whose reply was limited", a.body,
		`data-reply="rate_hourly"`,
		`<p class="msg-note-line msg-noreply" title="Auto-reply decision: rate_hourly">No auto-reply: this address reached the hourly limit of auto-replies.</p>`)
	for _, m := range []mail{{subject: "Filed long ago", body: "hello"}, {subject: "Answered", body: "hello", replyDecision: tickets.ReplyQueued}} {
		a := b.get("/t/" + e.file(m).Ref)
		if strings.Contains(a.body, "No auto-reply") || strings.Contains(a.body, "msg-noreply") {
			t.Errorf("%q (decision %q) says there was no auto-reply", m.subject, m.replyDecision)
		}
		if has := strings.Contains(a.body, "data-reply="); has != (m.replyDecision != "") {
			t.Errorf("%q (decision %q): data-reply on the page is %v", m.subject, m.replyDecision, has)
		}
	}
}

// Bytes that were not text are named for staff.
func TestTicketPageNamesRepairedBytes(t *testing.T) {
	e, b := staffEnv(t)
	acc := e.file(mail{subject: "Odd bytes", body: "before\x00after \xff end"})
	a := b.get("/t/" + acc.Ref)
	mustContain(t, "the repaired ticket", a.body, "Repaired bytes:", "replaced with � in the text.")
}

func TestTicketActions(t *testing.T) {
	e, b := staffEnv(t)
	ctx := context.Background()
	acc := e.file(mail{subject: "Card charged twice", from: "member@member.example", body: "My card **** 1111 was charged twice.",
		findings: []tickets.Finding{{Type: "pan", Last4: "1111", Where: "body"}}})
	ref := acc.Ref
	post := func(action string, kv ...string) answer {
		t.Helper()
		return b.post("/t/"+ref+"/"+action, formOf(append(kv, csrfField, csrfToken(b.session()))...))
	}
	done := func(a answer, what string) {
		t.Helper()
		if a.StatusCode != http.StatusSeeOther || !strings.HasPrefix(a.Header.Get("Location"), "/t/"+ref+"?done=") {
			t.Fatalf("%s: %d %q, want a redirect back to the ticket", what, a.StatusCode, a.Header.Get("Location"))
		}
	}
	count := func() (msgs, jobs int) {
		js, err := e.store.ListOutbox(ctx, tickets.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(e.detail(ref).Messages), len(js)
	}

	// A note, typed with the CRLFs a browser sends.
	a := post("note", "text", "Called the member.\r\nThey will send the receipt.")
	done(a, "note")
	if !strings.HasSuffix(a.Header.Get("Location"), "?done=note#m-"+e.detail(ref).Messages[1].ID.String()) {
		t.Errorf("after the note: %q", a.Header.Get("Location"))
	}
	page := b.get(a.Header.Get("Location"))
	mustContain(t, "the page after a note", page.body, "Your note is added.", "Called the member.\nThey will send the receipt.", "msg msg-note")

	// A reply goes to the outbox.
	m0, j0 := count()
	done(post("reply", "text", "We refunded the second charge.\r\nKind regards"), "reply")
	m1, j1 := count()
	if m1 != m0+1 || j1 != j0+1 {
		t.Fatalf("a reply made %d messages and %d outbox jobs, want one of each", m1-m0, j1-j0)
	}
	page = b.get("/t/" + ref + "?done=reply")
	mustContain(t, "the page after a reply", page.body, "Your reply is queued", "Staff reply", "waiting to be sent", "We refunded the second charge.\nKind regards")

	// A reply holding a card number: refused, said how, the text kept in
	// the box, nothing kept in the store.
	typed := "Your card\n4111 1111 1111 1111 is refunded."
	a = post("reply", "text", typed)
	if a.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a reply with a card number: %d", a.StatusCode)
	}
	mustContain(t, "the refused reply", a.body, `id="reply-problem"`, "a payment card number on line 2", "nothing was kept",
		`aria-invalid="true" autofocus>`+"\n"+typed+"</textarea>")
	problem := regexp.MustCompile(`id="reply-problem">([^<]*)<`).FindStringSubmatch(a.body)
	if problem == nil || regexp.MustCompile(`\d{4}`).MatchString(problem[1]) {
		t.Errorf("the refusal is missing or echoes digits of the number")
	}
	if m, j := count(); m != m1 || j != j1 {
		t.Fatal("the refused reply left a message or an outbox job")
	}
	// A note holding an SSN, the same.
	a = post("note", "text", "SSN 489-36-8350 checked")
	if a.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a note with an SSN: %d", a.StatusCode)
	}
	mustContain(t, "the refused note", a.body, `id="note-problem"`, "a Social Security number or ITIN on line 1", "SSN 489-36-8350 checked</textarea>")
	if m, _ := count(); m != m1 {
		t.Fatal("the refused note was kept")
	}
	// An empty one.
	if a := post("note", "text", "  "); a.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(a.body, "The text is empty.") {
		t.Errorf("an empty note: %d", a.StatusCode)
	}

	// Assign: to me, to someone, to nobody; to someone who does not work
	// tickets is refused on the page.
	done(post("assign", "assignee", "me"), "assign to me")
	if got := e.detail(ref).Assignee; got != "ann" {
		t.Fatalf("assigned to %q, want ann", got)
	}
	done(post("assign", "assignee", "bob"), "assign to bob")
	if got := e.detail(ref).Assignee; got != "bob" {
		t.Fatalf("assigned to %q, want bob", got)
	}
	a = post("assign", "assignee", "pat")
	if a.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(a.body, "does not work tickets") {
		t.Fatalf("assign to a privacy officer: %d", a.StatusCode)
	}
	done(post("assign", "assignee", ""), "unassign")
	if got := e.detail(ref).Assignee; got != "" {
		t.Fatalf("unassigned, yet assigned to %q", got)
	}

	// Status: pending, then back to new is refused in words, then closed
	// is final: the forms are gone and a reply is refused.
	done(post("status", "status", "pending"), "pending")
	a = post("status", "status", "new")
	if a.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(a.body, "only new mail makes a ticket new") {
		t.Fatalf("back to new: %d", a.StatusCode)
	}
	done(post("status", "status", "closed"), "closed")
	page = b.get("/t/" + ref)
	if strings.Contains(page.body, `/reply"`) || strings.Contains(page.body, `/status"`) || !strings.Contains(page.body, "closed is final") {
		t.Error("a closed ticket still offers its forms")
	}
	a = post("reply", "text", "One more thing")
	if a.StatusCode != http.StatusConflict || !strings.Contains(a.body, "is closed") || !strings.Contains(a.body, "One more thing") {
		t.Fatalf("a reply to a closed ticket: %d", a.StatusCode)
	}

	// Every change is in the audit log under ann's name.
	evs, err := e.store.ListAudit(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	byAnn := map[string]int{}
	for _, ev := range evs {
		if ev.Actor == "user:ann" {
			byAnn[ev.Action]++
		}
	}
	for action, n := range map[string]int{tickets.ActionTicketNote: 1, tickets.ActionTicketReply: 1, tickets.ActionTicketAssign: 3, tickets.ActionTicketStatus: 3} { // the reply opened the new ticket
		if byAnn[action] != n {
			t.Errorf("%d %s events by user:ann, want %d (all: %v)", byAnn[action], action, n, byAnn)
		}
	}
}

func TestAttachmentDownload(t *testing.T) {
	e, b := staffEnv(t)
	files := []tickets.Attachment{
		{Name: "receipt.txt", ContentType: "text/plain; charset=utf-8", Content: []byte("a receipt")},
		{Name: "page.html", ContentType: "text/html", Content: []byte("<script>window.pwned=1</script>")},
		{Name: "logo.svg", ContentType: "image/svg+xml", Content: []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)},
		{Name: "photo.png", ContentType: "image/png", Content: []byte("\x89PNG\r\n\x1a\n")},
		{Name: "../../etc/\"passwd\"\r\n", ContentType: "application/x-evil", Content: []byte("x")},
	}
	acc := e.file(mail{subject: "Files", body: "See attached.", attachments: files})
	atts := e.detail(acc.Ref).Messages[0].Attachments
	for i, want := range []struct{ ctype, name string }{
		{"text/plain; charset=utf-8", "receipt.txt"},
		{"application/octet-stream", "page.html"},
		{"application/octet-stream", "logo.svg"},
		{"image/png", "photo.png"},
		{"application/octet-stream", "_.._etc__passwd___"},
	} {
		a := b.get("/attachments/" + atts[i].ID.String())
		h := a.Header
		if a.StatusCode != 200 || a.body != string(files[i].Content) {
			t.Errorf("%s: %d, %d bytes of %d", want.name, a.StatusCode, len(a.body), len(files[i].Content))
		}
		if got := h.Get("Content-Type"); got != want.ctype {
			t.Errorf("%s: Content-Type %q, want %q", want.name, got, want.ctype)
		}
		if got := h.Get("Content-Disposition"); !strings.HasPrefix(got, "attachment;") || !strings.Contains(got, want.name) {
			t.Errorf("%s: Content-Disposition %q", want.name, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: headers %v", want.name, h)
		}
	}
	// Each download is audited under the user's name.
	evs, _ := e.store.QueryAudit(context.Background(), tickets.AuditQuery{Action: "attachment.download"})
	if len(evs) != 5 || evs[0].Actor != "user:ann" {
		t.Errorf("%d download events", len(evs))
	}
	if a := b.get("/attachments/not-an-id"); a.StatusCode != 404 {
		t.Errorf("a malformed id: %d", a.StatusCode)
	}
}
