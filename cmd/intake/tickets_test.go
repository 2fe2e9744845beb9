package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/intake-mail/intake/tickets"
)

// These tests run the tickets, quarantine and audit commands against a
// real data directory: an SQLite store filled through tickets.Open, and a
// config file naming it, as an operator would.

type tkFixture struct {
	dir, cfg, identity string
	raws               map[string][]byte // ref → raw original
	refs               []string
	items              []string
}

// tkSetup stores n messages (every other one sensitive and sealed) in a
// fresh data directory and writes a config naming it.
func tkSetup(t *testing.T, n int) *tkFixture {
	t.Helper()
	f := &tkFixture{dir: t.TempDir(), raws: map[string][]byte{}}
	f.cfg = filepath.Join(f.dir, "intake.toml")
	data := filepath.Join(f.dir, "data")
	if err := os.WriteFile(f.cfg, []byte(fmt.Sprintf("data_dir = %q\n", data)), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := tickets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	f.identity = filepath.Join(f.dir, "quarantine.key")
	if err := tickets.WriteIdentityFile(f.identity, id); err != nil {
		t.Fatal(err)
	}
	sealer, err := tickets.NewSealer([]string{id.Recipient})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := tickets.LoadOrCreateSecret(data)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := tickets.Open(ctx, tickets.Options{DataDir: data, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		queue := "support"
		if i%3 == 2 {
			queue = "billing"
		}
		in := &tickets.Inbound{
			Queue:     queue,
			Envelope:  tickets.Envelope{MailFrom: "member@example.org", Rcpts: []string{queue + "@support.localhost"}, ClientIP: "127.0.0.1"},
			MessageID: fmt.Sprintf("cli-%d@example.org", i),
			Subject:   fmt.Sprintf("Question %d", i),
			From:      fmt.Sprintf("member%d@example.org", i),
			Parts:     []tickets.Part{{Where: "body", ContentType: "text/plain", Text: fmt.Sprintf("Body %d", i)}},
		}
		var raw []byte
		if i%2 == 0 {
			raw = []byte(fmt.Sprintf("Subject: card %d\r\n\r\nmy card is 4111 1111 1111 1111 and SSN 078-05-1123\r\n", i))
			if in.Sealed, err = sealer.Seal(raw); err != nil {
				t.Fatal(err)
			}
			in.Subject = fmt.Sprintf("card %d **** **** **** 1111", i)
			in.Parts[0].Text = "my card is **** **** **** 1111 and SSN ***-**-1123"
			in.Findings = []tickets.Finding{{Type: "pan", Last4: "1111", Where: "body"}, {Type: "ssn", Last4: "1123", Where: "body"}}
		}
		in.DedupKey = tickets.DedupKey(in.Queue, in.Envelope.MailFrom, in.MessageID, raw)
		acc, err := s.Accept(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		f.refs = append(f.refs, acc.Ref)
		if raw != nil {
			f.raws[acc.Ref] = raw
			f.items = append(f.items, acc.QuarantineID.String())
		}
	}
	return f
}

func tkRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := dispatch(args, &out, &errb)
	return code, out.String(), errb.String()
}

// tkNoNumbers fails if output holds a full planted number; it prints only
// which kind, never the number.
func tkNoNumbers(t *testing.T, what, out string) {
	t.Helper()
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, out)
	for _, n := range []string{"4111111111111111", "078051123"} {
		if strings.Contains(digits, n) {
			t.Errorf("%s shows a full number ending %s", what, n[len(n)-4:])
		}
	}
}

func TestTicketsListJSON(t *testing.T) {
	f := tkSetup(t, 7)
	code, out, errOut := tkRun(t, "tickets", "list", "--json", "--config", f.cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want one per ticket (7)", len(lines))
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("line is not a JSON object: %v", err)
		}
		for _, k := range []string{"ref", "status", "subject", "requester", "created"} {
			if _, ok := obj[k]; !ok {
				t.Fatalf("object lacks %q: %v", k, obj)
			}
		}
		seen[obj["ref"].(string)] = true
	}
	for _, r := range f.refs {
		if !seen[r] {
			t.Fatalf("ticket %s missing from the list", r)
		}
	}
	tkNoNumbers(t, "tickets list --json", out)

	cases := []struct {
		args []string
		want int
	}{
		{[]string{"--queue", "billing"}, 2},
		{[]string{"--status", "new"}, 7},
		{[]string{"--status", "open"}, 0},
		{[]string{"--limit", "3"}, 3},
		{[]string{"--queue", "support", "--limit", "100"}, 5},
	}
	for _, c := range cases {
		args := append([]string{"tickets", "list", "--json", "--config", f.cfg}, c.args...)
		code, out, errOut := tkRun(t, args...)
		n := 0
		if s := strings.TrimSpace(out); s != "" {
			n = len(strings.Split(s, "\n"))
		}
		if code != 0 || n != c.want {
			t.Errorf("tickets list %v: exit %d, %d lines, want %d (%s)", c.args, code, n, c.want, errOut)
		}
	}
	if code, _, _ := tkRun(t, "tickets", "list", "--status", "bogus", "--config", f.cfg); code != 2 {
		t.Errorf("unknown status: exit %d, want 2", code)
	}
	code, out, _ = tkRun(t, "tickets", "list", "--config", f.cfg)
	if code != 0 || !strings.Contains(out, f.refs[0]) || !strings.Contains(out, "sensitive") {
		t.Errorf("text list: exit %d\n%s", code, out)
	}
	tkNoNumbers(t, "tickets list", out)
}

func TestTicketsShow(t *testing.T) {
	f := tkSetup(t, 2)
	ref := f.refs[0] // sensitive
	code, out, errOut := tkRun(t, "tickets", "show", strings.ToLower(ref), "--json", "--config", f.cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d tickets.TicketDetail
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("show --json: %v", err)
	}
	if d.Ref != ref || len(d.Messages) != 1 || len(d.Messages[0].Findings) != 2 || len(d.Quarantine) != 1 || !d.Sensitive {
		t.Fatalf("show --json = %+v", d)
	}
	tkNoNumbers(t, "tickets show --json", out)

	code, out, _ = tkRun(t, "tickets", "show", "--config", f.cfg, ref)
	if code != 0 || !strings.Contains(out, "**** **** **** 1111") || !strings.Contains(out, "pan ending 1111") {
		t.Fatalf("show text: exit %d\n%s", code, out)
	}
	tkNoNumbers(t, "tickets show", out)

	if code, _, errOut := tkRun(t, "tickets", "show", "T-ZZZZZZ", "--config", f.cfg); code != 1 || !strings.Contains(errOut, "no ticket") {
		t.Errorf("unknown ref: exit %d, %s", code, errOut)
	}
	if code, _, _ := tkRun(t, "tickets", "show", "T-0000", "--config", f.cfg); code != 2 {
		t.Errorf("malformed ref: exit %d, want 2", code)
	}
	// A config naming an empty directory is an error, not an empty store.
	empty := filepath.Join(t.TempDir(), "empty.toml")
	os.WriteFile(empty, []byte(fmt.Sprintf("data_dir = %q\n", t.TempDir())), 0o600)
	if code, _, _ := tkRun(t, "tickets", "list", "--config", empty); code != 2 {
		t.Errorf("list on a missing store: exit %d, want 2", code)
	}
}

func TestQuarantineCommands(t *testing.T) {
	f := tkSetup(t, 4) // two sealed items
	code, out, errOut := tkRun(t, "quarantine", "list", "--json", "--config", f.cfg)
	if code != 0 || len(strings.Split(strings.TrimSpace(out), "\n")) != 2 {
		t.Fatalf("list: exit %d, %q, %s", code, out, errOut)
	}
	tkNoNumbers(t, "quarantine list", out)
	var it tickets.QuarantineItem
	json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &it)
	if it.State != tickets.QuarantineHeld || it.SealedSize == 0 || it.TicketRef == "" {
		t.Fatalf("item = %+v", it)
	}

	// Open needs the identity and an explicit destination.
	if code, _, _ := tkRun(t, "quarantine", "open", it.ID.String(), "--config", f.cfg); code != 2 {
		t.Fatalf("open without --identity: exit %d", code)
	}
	dest := filepath.Join(t.TempDir(), "original.eml")
	code, _, errOut = tkRun(t, "quarantine", "open", it.ID.String(), "--identity", f.identity, "--out", dest, "--config", f.cfg)
	if code != 0 {
		t.Fatalf("open: exit %d: %s", code, errOut)
	}
	got, err := os.ReadFile(dest)
	if err != nil || !bytes.Equal(got, f.raws[it.TicketRef]) {
		t.Fatalf("opened original differs from what was sealed (%v)", err)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 {
		t.Fatalf("original written with mode %v", fi.Mode())
	}
	if code, _, _ := tkRun(t, "quarantine", "open", it.ID.String(), "--identity", f.identity, "--out", dest, "--config", f.cfg); code != 2 {
		t.Fatalf("open over an existing file: exit %d, want 2", code)
	}
	wrong, _ := tickets.GenerateIdentity()
	wrongFile := filepath.Join(t.TempDir(), "wrong.key")
	tickets.WriteIdentityFile(wrongFile, wrong)
	if code, _, _ := tkRun(t, "quarantine", "open", it.ID.String(), "--identity", wrongFile, "--out", "-", "--config", f.cfg); code != 1 {
		t.Fatalf("open with the wrong identity: exit %d, want 1", code)
	}

	garbled := filepath.Join(t.TempDir(), "garbled.key")
	os.WriteFile(garbled, []byte("AGE-SECRET-KEY-NOT-A-KEY\n"), 0o600)
	if code, _, errOut := tkRun(t, "quarantine", "open", it.ID.String(), "--identity", garbled, "--out", "-", "--config", f.cfg); code != 1 || !strings.Contains(errOut, "identity_unreadable") {
		t.Fatalf("open with an unreadable identity: exit %d, %s", code, errOut)
	}

	// Every download is in the audit chain, with who looked, and then
	// whether it opened: a failure with its reason code, nothing else.
	data := filepath.Join(f.dir, "data")
	secret, _ := tickets.LoadOrCreateSecret(data)
	s, err := tickets.Open(context.Background(), tickets.Options{DataDir: data, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	events, _ := s.ListAudit(context.Background(), 0, 0)
	s.Close()
	var audited []string
	for _, e := range events {
		if e.ItemID == it.ID.String() && strings.HasPrefix(e.Actor, "cli:") {
			audited = append(audited, strings.TrimSpace(e.Action+" "+e.Detail["reason"]))
		}
	}
	// Decrypted; tried with the wrong key; with a garbled identity. The
	// refused overwrite never fetched.
	want := "quarantine.fetch|quarantine.open|quarantine.fetch|quarantine.open_failed no_identity_matched|quarantine.fetch|quarantine.open_failed identity_unreadable"
	if strings.Join(audited, "|") != want {
		t.Fatalf("audited %q\nwant     %q", strings.Join(audited, "|"), want)
	}

	if code, out, _ := tkRun(t, "quarantine", "purge", it.ID.String(), "--config", f.cfg); code != 0 || !strings.Contains(out, "purged") {
		t.Fatalf("purge: exit %d", code)
	}
	if code, _, _ := tkRun(t, "quarantine", "open", it.ID.String(), "--identity", f.identity, "--out", "-", "--config", f.cfg); code != 1 {
		t.Fatalf("open after purge: exit %d, want 1", code)
	}
	code, out, _ = tkRun(t, "quarantine", "list", "--state", "purged", "--config", f.cfg)
	if code != 0 || !strings.Contains(out, it.ID.String()) {
		t.Fatalf("list purged: exit %d\n%s", code, out)
	}
	if code, _, _ := tkRun(t, "quarantine", "hold", f.items[1], "--config", f.cfg); code != 0 {
		t.Fatalf("hold: exit %d", code)
	}
	if code, _, errOut := tkRun(t, "quarantine", "release", f.items[1], "--config", f.cfg); code != 2 || !strings.Contains(errOut, "--part") {
		t.Fatalf("release without --part: exit %d %s", code, errOut)
	}
	if code, _, _ := tkRun(t, "quarantine", "purge", "not-an-id", "--config", f.cfg); code != 2 {
		t.Fatalf("purge of a malformed id: exit %d", code)
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	f := tkSetup(t, 3)
	code, out, errOut := tkRun(t, "audit", "verify", "--config", f.cfg)
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify: exit %d, %s %s", code, out, errOut)
	}
	// Edit an event behind the store's back.
	db := filepath.Join(f.dir, "data", tickets.DBFile)
	if err := tkTamper(db, "UPDATE audit SET actor = 'someone else' WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	code, out, _ = tkRun(t, "audit", "verify", "--config", f.cfg)
	if code != 1 || !strings.Contains(out, "seq 2") {
		t.Fatalf("verify after tampering: exit %d\n%s", code, out)
	}
}

// What threading and the store's repairs decided is shown to staff: the
// link of a ticket opened by a message that named another ticket, a
// message from someone who is not a participant, an unverified From, and
// the fields whose bytes were not text.
func TestTicketsShowLinksAndNotes(t *testing.T) {
	f := tkSetup(t, 1)
	data := filepath.Join(f.dir, "data")
	secret, _ := tickets.LoadOrCreateSecret(data)
	s, err := tickets.Open(context.Background(), tickets.Options{DataDir: data, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	first := f.refs[0]
	d, err := s.GetTicket(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	accept := func(in *tickets.Inbound) tickets.Accepted {
		t.Helper()
		in.Queue = "support"
		in.DedupKey = tickets.DedupKey(in.Queue, in.Envelope.MailFrom, in.MessageID, []byte(in.Subject))
		acc, err := s.Accept(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return acc
	}
	// Mallory forges the requester's From and tags the subject.
	forged := accept(&tickets.Inbound{MessageID: "forged@evil.example", Subject: "Re: [" + first + "] change my address",
		From: d.Requester, Envelope: tickets.Envelope{MailFrom: "mallory@evil.example"}})
	// A CC answers with our token, and a subject holding a NUL.
	token := tickets.NewThreader(secret).MessageID(d.ID, "support.localhost")
	cc := accept(&tickets.Inbound{MessageID: "cc@partner.example", Subject: "Re: thanks\x00", From: "cc@partner.example",
		Envelope: tickets.Envelope{MailFrom: "cc@partner.example"}, InReplyTo: token, SenderVerified: true})
	s.Close()
	if forged.Ref == first || forged.Threaded || cc.Ref != first {
		t.Fatalf("forged %+v, cc %+v", forged, cc)
	}

	code, out, errOut := tkRun(t, "tickets", "show", forged.Ref, "--config", f.cfg)
	if code != 0 || !strings.Contains(out, "Related:   possible follow-up of "+first) || !strings.Contains(out, "From address was not verified") {
		t.Fatalf("show %s: exit %d %s\n%s", forged.Ref, code, errOut, out)
	}
	code, out, _ = tkRun(t, "tickets", "show", forged.Ref, "--json", "--config", f.cfg)
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); code != 0 || err != nil || obj["related"] != "possible follow-up of "+first || obj["related_ref"] != first {
		t.Fatalf("show --json: exit %d, %v: related %v, related_ref %v", code, err, obj["related"], obj["related_ref"])
	}
	code, out, _ = tkRun(t, "tickets", "show", first, "--config", f.cfg)
	if code != 0 || !strings.Contains(out, "not the requester or a participant") || !strings.Contains(out, "replaced with U+FFFD in: subject") {
		t.Fatalf("show %s: exit %d\n%s", first, code, out)
	}
	if strings.Contains(out, "Related:") {
		t.Fatalf("the first ticket shows a link it does not have\n%s", out)
	}
}

// smtpSend delivers data from mailFrom and returns the final reply text.
func smtpSend(t *testing.T, addr, mailFrom, data string) string {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(mailFrom, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("help@support.localhost", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, data)
	resp, err := w.CloseWithResponse()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	c.Quit()
	return resp.StatusText
}

// Through the real gateway: a Message-ID reused by someone else, or with
// other content, files a new ticket while the very same message sent
// again does not; a forged From with a subject tag gets a ticket of its
// own linked to the tagged one; and serve anchors the audit chain in its
// data directory, which then verifies.
func TestServeDedupThreadingAndAnchors(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readyCh := make(chan running, 1)
	errCh := make(chan error, 1)
	go func() { errCh <- serve(ctx, cfg, newLogger(logs, "info"), nil, func(r running) { readyCh <- r }) }()
	var r running
	select {
	case r = <-readyCh:
	case err := <-errCh:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	addr := r.smtp.String()
	ref := func(status string) string {
		t.Helper()
		m := queuedRe.FindStringSubmatch(status)
		if m == nil {
			t.Fatalf("DATA answered %q", status)
		}
		return m[1]
	}
	msg := func(from, subject, body string) string {
		return "From: " + from + "\r\nTo: help@support.localhost\r\nSubject: " + subject + "\r\nMessage-ID: <fixed-id@device.example>\r\n\r\n" + body + "\r\n"
	}
	strangers := ref(smtpSend(t, addr, "stranger@elsewhere.example", msg("stranger@elsewhere.example", "hello", "first")))
	member := msg("member@example.org", "my card", "my card is 4111 1111 1111 1111")
	members := ref(smtpSend(t, addr, "member@example.org", member))
	if members == strangers {
		t.Fatalf("the member's message with a reused Message-ID was answered with the stranger's ticket %s", strangers)
	}
	again := ref(smtpSend(t, addr, "member@example.org", member))
	if again != members {
		t.Fatalf("the same message sent again got %s, want %s (a retry)", again, members)
	}
	other := ref(smtpSend(t, addr, "member@example.org", msg("member@example.org", "my card", "another reading")))
	if other == members {
		t.Fatalf("other content under a fixed Message-ID was taken for a retry of %s", members)
	}
	forged := ref(smtpSend(t, addr, "mallory@evil.example",
		"From: member@example.org\r\nTo: help@support.localhost\r\nSubject: Re: ["+members+"] new address\r\nMessage-ID: <m@evil.example>\r\n\r\nplease\r\n"))
	if forged == members {
		t.Fatalf("a forged From with the subject tag was threaded onto %s", members)
	}

	cancel()
	select {
	case err := <-errCh:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if fi, err := os.Stat(filepath.Join(dir, tickets.AuditKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit key: %v", err)
	}
	anchors, err := os.ReadFile(filepath.Join(dir, tickets.AnchorFile))
	if err != nil || strings.Count(string(anchors), "\n") < 2 { // the first retention round, and shutdown
		t.Fatalf("anchor file: %v\n%s", err, anchors)
	}
	if !strings.Contains(logs.String(), `"audit_anchor"`) || !strings.Contains(logs.String(), "generated the audit key") {
		t.Fatalf("no audit anchor in the log")
	}
	conf := filepath.Join(t.TempDir(), "intake.toml")
	os.WriteFile(conf, []byte(fmt.Sprintf("data_dir = %q\n", dir)), 0o600)
	if code, out, errOut := tkRun(t, "audit", "verify", "--anchor", filepath.Join(dir, tickets.AnchorFile), "--config", conf); code != 0 || !strings.Contains(out, "4 tickets") {
		t.Fatalf("audit verify: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := tkRun(t, "tickets", "show", forged, "--config", conf); code != 0 || !strings.Contains(out, "possible follow-up of "+members) {
		t.Fatalf("show %s: exit %d\n%s", forged, code, out)
	}
}
