package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// The staff commands through desk: note, reply, assign, status, with
// --as naming a staff account or, by default, the OS user with every role.

// tkUser makes a staff account straight in the store's table (the user
// command is another's; these tests only need accounts to exist).
func tkUser(t *testing.T, f *tkFixture, name string, disabled bool, roles ...string) {
	t.Helper()
	d := 0
	if disabled {
		d = 1
	}
	stmt := fmt.Sprintf("INSERT INTO users (id, name, roles, password_hash, disabled, created_at) VALUES ('%s', '%s', '[\"%s\"]', '', %d, %d)",
		uuid.NewString(), name, strings.Join(roles, `","`), d, time.Now().UnixMicro())
	if err := tkTamper(filepath.Join(f.dir, "data", tickets.DBFile), stmt); err != nil {
		t.Fatal(err)
	}
}

// tkAudit is the audit log, newest first.
func tkAudit(t *testing.T, f *tkFixture) []tickets.AuditEvent {
	t.Helper()
	data := filepath.Join(f.dir, "data")
	secret, _ := tickets.LoadOrCreateSecret(data)
	s, err := tickets.Open(context.Background(), tickets.Options{DataDir: data, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs, err := s.QueryAudit(context.Background(), tickets.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestTicketsStaffCommands(t *testing.T) {
	f := tkSetup(t, 3)
	ref := f.refs[1] // clean
	me := "cli:" + osUserName()
	tkUser(t, f, "alice", false, "agent")
	tkUser(t, f, "pat", false, "privacy")
	tkUser(t, f, "gone", true, "agent")

	run := func(want int, args ...string) (string, string) {
		t.Helper()
		code, out, errOut := tkRun(t, append(args, "--config", f.cfg)...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, out, errOut)
		}
		return out, errOut
	}

	out, _ := run(0, "tickets", "note", ref, "Called the member back.")
	if !strings.Contains(out, "note added to "+ref) {
		t.Fatalf("note: %q", out)
	}
	ticketsStdin = strings.NewReader("Second note,\nfrom stdin.\n")
	defer func() { ticketsStdin = os.Stdin }()
	run(0, "tickets", "note", strings.ToLower(ref), "-", "--as", "alice")
	out, _ = run(0, "tickets", "reply", ref, "We fixed your account.", "--as", "alice", "--json")
	var rep desk.MessageView
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Kind != tickets.KindReply || rep.Delivery == nil || rep.Delivery.State != "pending" {
		t.Fatalf("reply --json: %v %s", err, out)
	}
	out, _ = run(0, "tickets", "assign", ref, "me", "--as", "alice")
	if !strings.Contains(out, "assigned to alice") {
		t.Fatalf("assign me: %q", out)
	}
	run(1, "tickets", "assign", ref, "nobody")
	run(1, "tickets", "assign", ref, "gone")
	run(0, "tickets", "assign", ref, "--unassign")
	out, _ = run(0, "tickets", "status", ref, "pending")
	if strings.TrimSpace(out) != ref+" is pending" {
		t.Fatalf("status: %q", out)
	}
	run(0, "tickets", "status", ref, "closed")
	_, errOut := run(1, "tickets", "status", ref, "open")
	if !strings.Contains(errOut, "closed is final") {
		t.Fatalf("reopen closed: %s", errOut)
	}
	run(2, "tickets", "status", "T-0000", "open")
	run(1, "tickets", "status", "T-ZZZZZZ", "open")
	run(1, "tickets", "status", f.refs[0], "bogus")
	run(2, "tickets", "note", ref)
	run(2, "tickets", "note", ref, "x", "--as", "nobody")
	run(2, "tickets", "note", ref, "x", "--as", "gone")
	// An account's roles, not the operator's: a privacy officer works no
	// tickets, an agent sees no quarantine.
	run(1, "tickets", "note", f.refs[0], "x", "--as", "pat")
	run(1, "tickets", "list", "--as", "pat")
	run(1, "quarantine", "list", "--as", "alice")
	run(0, "quarantine", "list", "--as", "pat")

	// The thread shows it all, in order; the text view too.
	out, _ = run(0, "tickets", "show", ref, "--json")
	var v desk.TicketView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range v.Messages {
		kinds = append(kinds, string(m.Kind)+":"+m.From)
	}
	if got := strings.Join(kinds, ","); got != "inbound:member1@example.org,note:"+osUserName()+",note:alice,reply:alice" {
		t.Fatalf("thread %s", got)
	}
	if v.Status != tickets.StatusClosed || v.Messages[2].Text != "Second note,\nfrom stdin.\n" {
		t.Fatalf("show: status %s, note %q", v.Status, v.Messages[2].Text)
	}
	out, _ = run(0, "tickets", "show", ref)
	for _, want := range []string{"(note)", "Called the member back.", "(reply)", "delivery pending", "We fixed your account."} {
		if !strings.Contains(out, want) {
			t.Errorf("show text lacks %q:\n%s", want, out)
		}
	}

	// Each act in the audit log under the name that did it.
	var got []string
	for _, e := range tkAudit(t, f) {
		if e.TicketID == v.ID.String() && e.Actor != "gateway" {
			got = append(got, e.Actor+" "+e.Action)
		}
	}
	want := []string{me + " ticket.status", me + " ticket.status", me + " ticket.assign", "cli:alice ticket.assign",
		"cli:alice ticket.status", "cli:alice ticket.reply", "cli:alice ticket.note", me + " ticket.note"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit:\n got %q\nwant %q", got, want)
	}

	// list through desk: views, search, assignee.
	run(0, "tickets", "assign", f.refs[0], "alice")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--view", "mine", "--as", "alice"}, []string{f.refs[0]}},
		{[]string{"--assignee", "alice"}, []string{f.refs[0]}},
		{[]string{"--search", "fixed account"}, []string{ref}},
		{[]string{"--view", "open"}, []string{f.refs[2], f.refs[0]}},
		{[]string{"--status", "closed"}, []string{ref}},
	} {
		out, _ := run(0, append([]string{"tickets", "list", "--json"}, c.args...)...)
		var refs []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var tk tickets.Ticket
			if l != "" && json.Unmarshal([]byte(l), &tk) == nil {
				refs = append(refs, tk.Ref)
			}
		}
		if strings.Join(refs, ",") != strings.Join(c.want, ",") {
			t.Errorf("list %v: %v, want %v", c.args, refs, c.want)
		}
	}
	run(2, "tickets", "list", "--view", "everything")
}

// A note or reply holding a full number is refused with exit 1, names
// the kind and line, and leaves nothing behind.
func TestTicketsNoteRefusesNumbers(t *testing.T) {
	f := tkSetup(t, 1)
	digits := regexp.MustCompile(`\d{5,}`)
	for _, c := range []struct{ sub, text string }{
		{"note", "card 4111 1111 1111 1111"},
		{"reply", "Hello\nyour SSN 489-36-8350 is fine"},
	} {
		code, out, errOut := tkRun(t, "tickets", c.sub, f.refs[0], c.text, "--config", f.cfg)
		if code != 1 || out != "" || !strings.Contains(errOut, "number") || !strings.Contains(errOut, "line") {
			t.Fatalf("%s with a number: exit %d, %q %q", c.sub, code, out, errOut)
		}
		if digits.MatchString(strings.NewReplacer(" ", "", "-", "").Replace(errOut)) {
			t.Fatalf("%s: the refusal echoes the number's digits", c.sub)
		}
	}
	files, _ := filepath.Glob(filepath.Join(f.dir, "data", "*"))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		for _, n := range []string{"4111111111111111", "4111 1111 1111 1111", "489-36-8350", "489368350"} {
			if strings.Contains(string(b), n) {
				t.Errorf("%s holds a refused number ending %s", filepath.Base(p), n[len(n)-4:])
			}
		}
	}
}

// quarantine hold and purge twice: the same answer, audited once.
func TestQuarantineTwice(t *testing.T) {
	f := tkSetup(t, 4)
	for i := 0; i < 2; i++ {
		if code, out, errOut := tkRun(t, "quarantine", "hold", f.items[0], "--config", f.cfg); code != 0 || !strings.Contains(out, "under a legal hold") {
			t.Fatalf("hold %d: exit %d %s", i, code, errOut)
		}
		if code, out, errOut := tkRun(t, "quarantine", "purge", f.items[1], "--config", f.cfg); code != 0 || !strings.Contains(out, "purged") {
			t.Fatalf("purge %d: exit %d %s", i, code, errOut)
		}
	}
	n := map[string]int{}
	for _, e := range tkAudit(t, f) {
		n[e.Action]++
	}
	if n[tickets.ActionQuarantineHold] != 1 || n[tickets.ActionQuarantinePurge] != 1 {
		t.Fatalf("audit counts %v", n)
	}
	if code, _, _ := tkRun(t, "quarantine", "hold", f.items[1], "--config", f.cfg); code != 1 {
		t.Fatalf("hold of a purged item: exit %d, want 1", code)
	}
	if code, _, errOut := tkRun(t, "quarantine", "purge", f.items[0], "--config", f.cfg); code != 1 || !strings.Contains(errOut, "legal hold") {
		t.Fatalf("purge of a held item: exit %d %s", code, errOut)
	}
	if code, out, _ := tkRun(t, "quarantine", "unhold", f.items[0], "--config", f.cfg); code != 0 || !strings.Contains(out, "not under a legal hold") {
		t.Fatalf("unhold: exit %d %s", code, out)
	}
}
