package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// intake tickets list|show: read the store named by the config.
//
// Output contract (DESIGN.md): `list --json` prints JSON lines, one ticket
// object per line (not one array), so a script can stream a large queue
// with `while read`; every matching ticket is printed (no default page
// size; --limit N cuts). Each object has at least "ref", "status",
// "subject" (masked), "requester" and "created" (RFC 3339), and also
// "id", "queue", "requester_name", "assignee", "sensitive", "withheld",
// "auth", "messages" and "updated". `show --json` prints one object: the
// ticket's fields plus "messages" (each with masked "parts", attachment
// metadata, findings as type/last4/where, "sender_verified", and when set
// "not_participant", "repaired", and "reply_decision" with "reply_why")
// and "quarantine" (metadata only); a ticket opened by a message that
// named another ticket it could not be trusted to join has "related_ref"
// and "related" ("possible follow-up of T-...").

// parseInterspersed parses flags that may come before or after the
// positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runTickets(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: intake tickets list [--json] [--view V] [--status S] [--queue Q] [--assignee U] [--search Q] [--limit N] [--as USER] [--config FILE]")
		fmt.Fprintln(stderr, "       intake tickets show REF [--json] [--as USER] [--config FILE]")
		fmt.Fprintln(stderr, staffUsage[len("usage: "):])
		return 2
	}
	sub := args[0]
	if isStaffSub(sub) {
		return runTicketStaff(args, stdout, stderr)
	}
	fs := flag.NewFlagSet("tickets "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	asJSON := fs.Bool("json", false, "JSON output (list: one object per line)")
	status := fs.String("status", "", "list: only tickets with this status (new, open, pending, solved, closed, spam)")
	queue := fs.String("queue", "", "list: only tickets in this queue")
	limit := fs.Int("limit", 0, "list: at most N tickets, the most recently active first (0: all)")
	view := fs.String("view", "", "list: unassigned, mine, open, pending, solved or all (default all)")
	assignee := fs.String("assignee", "", "list: only tickets assigned to this staff account")
	search := fs.String("search", "", "list: only tickets whose masked subject or text has these words")
	as := fs.String("as", "", asUsage)
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return 2
	}

	switch sub {
	case "list":
		if len(pos) != 0 {
			fmt.Fprintf(stderr, "intake tickets list: unexpected argument %q\n", pos[0])
			return 2
		}
		if *status != "" && !tickets.Status(*status).Valid() {
			fmt.Fprintf(stderr, "intake tickets list: unknown status %q (want new, open, pending, solved, closed or spam)\n", *status)
			return 2
		}
		if *limit < 0 {
			fmt.Fprintln(stderr, "intake tickets list: --limit must not be negative")
			return 2
		}
	case "show":
		if len(pos) != 1 {
			fmt.Fprintln(stderr, "usage: intake tickets show REF [--json] [--config FILE]")
			return 2
		}
	default:
		fmt.Fprintf(stderr, "intake tickets: unknown subcommand %q (want list, show, note, reply, assign or status)\n", sub)
		return 2
	}

	ctx, store, done, err := cliStore(*cfgPath, "intake tickets "+sub, 5*time.Minute, stderr)
	if err != nil {
		return 2
	}
	defer done()
	dk, actor, err := cliDesk(ctx, store, *as, "intake tickets "+sub, stderr)
	if err != nil {
		return 2
	}

	if sub == "list" {
		list, err := listAllTickets(ctx, dk, actor, desk.TicketQuery{View: *view, Status: tickets.Status(*status), Queue: *queue,
			Assignee: *assignee, Q: *search}, *limit)
		if err != nil {
			return deskExit(stderr, "intake tickets list", err)
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			for _, t := range list {
				if err := enc.Encode(t); err != nil {
					fmt.Fprintf(stderr, "intake tickets list: %v\n", err)
					return 2
				}
			}
			return 0
		}
		printTicketList(stdout, list)
		return 0
	}

	// Auto-replies queued as intents show the text they are sent with,
	// rendered as the outbox worker renders them, as the web shows them:
	// desk needs the reply composer for that.
	if rep, err := cliReplier(*cfgPath, store); err == nil {
		if withRep, err := desk.New(desk.Options{Store: store, Replier: rep}); err == nil {
			dk = withRep
		}
	}
	d, err := dk.ShowTicket(ctx, actor, pos[0])
	if err != nil {
		return deskExit(stderr, "intake tickets show", err)
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(d); err != nil {
			fmt.Fprintf(stderr, "intake tickets show: %v\n", err)
			return 2
		}
		return 0
	}
	printTicket(stdout, d)
	return 0
}

func printTicketList(w io.Writer, list []tickets.Ticket) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REF\tSTATUS\tQUEUE\tCREATED\tREQUESTER\tFLAGS\tSUBJECT")
	for _, t := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Ref, t.Status, t.Queue, t.Created.Format(time.RFC3339),
			t.Requester, flags(t), oneLine(t.Subject, 60))
	}
	tw.Flush()
}

func flags(t tickets.Ticket) string {
	var f []string
	if t.Sensitive {
		f = append(f, "sensitive")
	}
	if t.Withheld {
		f = append(f, "withheld")
	}
	if len(f) == 0 {
		return "-"
	}
	return strings.Join(f, ",")
}

// oneLine keeps a (masked) subject on its line in a table.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

func printTicket(w io.Writer, d *desk.TicketView) {
	fmt.Fprintf(w, "Ticket:    %s (%s)\n", d.Ref, d.ID)
	fmt.Fprintf(w, "Status:    %s\n", d.Status)
	fmt.Fprintf(w, "Queue:     %s\n", d.Queue)
	requester := d.Requester
	if name := strings.TrimSpace(oneLine(d.RequesterName, 80)); name != "" {
		requester = name + " <" + d.Requester + ">"
	}
	fmt.Fprintf(w, "Requester: %s\n", requester)
	fmt.Fprintf(w, "Subject:   %s\n", oneLine(d.Subject, 200))
	fmt.Fprintf(w, "Created:   %s\n", d.Created.Format(time.RFC3339))
	fmt.Fprintf(w, "Flags:     %s\n", flags(d.Ticket))
	fmt.Fprintf(w, "Auth:      spf=%s dkim=%s dmarc=%s\n", orNone(d.Auth.SPF), orNone(d.Auth.DKIM), orNone(d.Auth.DMARC))
	if d.Related != "" {
		fmt.Fprintf(w, "Related:   %s (it named that ticket but was not trusted to join it)\n", d.Related)
	}
	for i, m := range d.Messages {
		fmt.Fprintf(w, "\n--- message %d of %d (%s) %s from %s\n", i+1, len(d.Messages), m.Kind, m.At.Format(time.RFC3339), m.From)
		if m.Delivery != nil {
			notice := ""
			if m.Notice != "" {
				notice = "notice " + m.Notice + ", "
			}
			fmt.Fprintf(w, "To: %s (%sdelivery %s after %d attempts%s)\n", m.To, notice, m.Delivery.State, m.Delivery.Attempts, lastErr(m.Delivery.LastError))
		}
		if m.Kind == tickets.KindNote || m.Kind == tickets.KindReply || m.Kind == tickets.KindAutoReply {
			if m.Subject != "" {
				fmt.Fprintf(w, "Subject: %s\n", oneLine(m.Subject, 200))
			}
			if m.Text != "" {
				fmt.Fprintln(w, strings.TrimRight(m.Text, "\n"))
			}
			continue
		}
		fmt.Fprintf(w, "Subject: %s\n", oneLine(m.Subject, 200))
		if m.Kind == tickets.KindInbound && !m.SenderVerified {
			fmt.Fprintln(w, "Note: the From address was not verified (no aligned DMARC pass, no SPF pass for it)")
		}
		switch m.ReplyDecision {
		case "":
		case tickets.ReplyQueued:
			fmt.Fprintln(w, "Auto-reply: queued")
		default:
			fmt.Fprintf(w, "Auto-reply: none (%s): %s\n", m.ReplyDecision, m.ReplyWhy)
		}
		if m.NotParticipant {
			fmt.Fprintln(w, "Note: the sender is not the requester or a participant (joined by our reply token)")
		}
		if len(m.Repaired) > 0 {
			fmt.Fprintf(w, "Note: bytes that were not text (NUL, invalid UTF-8) were replaced with U+FFFD in: %s\n", strings.Join(m.Repaired, ", "))
		}
		for _, f := range m.Findings {
			fmt.Fprintf(w, "Finding: %s ending %s in %s\n", f.Type, f.Last4, f.Where)
		}
		for _, p := range m.Parts {
			if p.Withheld {
				fmt.Fprintf(w, "[%s withheld: %s]\n", p.Where, p.Reason)
				continue
			}
			released := ""
			if !p.Released.IsZero() {
				released = ", released from the quarantine by " + p.ReleasedBy + " " + p.Released.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "[%s %s%s]\n%s\n", p.Where, p.ContentType, released, strings.TrimRight(p.Text, "\n"))
		}
		for _, a := range m.Attachments {
			fmt.Fprintf(w, "[attachment %s %s, %d bytes, id %s]\n", oneLine(a.Name, 80), a.ContentType, a.Size, a.ID)
		}
	}
	for _, q := range d.Quarantine {
		hold := ""
		if q.LegalHold {
			hold = ", under a legal hold"
		}
		fmt.Fprintf(w, "\nQuarantine item %s: %s, causes %s, kept until %s%s\n", q.ID, q.State, joinCauses(q.Causes), q.RetainUntil.Format(time.RFC3339), hold)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func joinCauses(cs []tickets.Cause) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

// listAllTickets reads every ticket matching q, page by page (the list
// has no page size of its own; limit > 0 cuts it).
func listAllTickets(ctx context.Context, dk *desk.Desk, a desk.Actor, q desk.TicketQuery, limit int) ([]tickets.Ticket, error) {
	out := []tickets.Ticket{}
	for {
		q.Limit = desk.MaxPageSize
		if limit > 0 && limit-len(out) < q.Limit {
			q.Limit = limit - len(out)
		}
		page, err := dk.ListTickets(ctx, a, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Tickets...)
		if page.Next == "" || (limit > 0 && len(out) >= limit) {
			return out, nil
		}
		q.Cursor = page.Next
	}
}

func lastErr(s string) string {
	if s == "" {
		return ""
	}
	return "; last error: " + oneLine(s, 120)
}
