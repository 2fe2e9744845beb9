package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// intake tickets note|reply|assign|status: staff work on one ticket from
// the command line, through desk, as the web does it:
//
//	intake tickets note REF TEXT|-       an internal note (- reads stdin)
//	intake tickets reply REF TEXT|-      a reply to the requester, through the outbox
//	intake tickets assign REF USER|me    or --unassign
//	intake tickets status REF STATUS     new, open, pending, solved, closed, spam
//
// each with --as USER (see desk_cli.go), --json (print the message or
// ticket as the API answers) and --config FILE. A text holding a full SSN
// or card number is refused (exit 1), and nothing of it is kept.

// ticketsStdin is what "-" reads (a variable for tests).
var ticketsStdin io.Reader = os.Stdin

const staffUsage = `usage: intake tickets note REF TEXT|-   [--as USER] [--json] [--config FILE]
       intake tickets reply REF TEXT|-  [--as USER] [--json] [--config FILE]
       intake tickets assign REF USER|me | --unassign  [--as USER] [--json] [--config FILE]
       intake tickets status REF STATUS [--as USER] [--json] [--config FILE]`

// isStaffSub tells the tickets subcommands this file runs.
func isStaffSub(sub string) bool {
	switch sub {
	case "note", "reply", "assign", "status":
		return true
	}
	return false
}

func runTicketStaff(args []string, stdout, stderr io.Writer) int {
	sub := args[0]
	what := "intake tickets " + sub
	fs := flag.NewFlagSet("tickets "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	as := fs.String("as", "", asUsage)
	asJSON := fs.Bool("json", false, "print the result as the JSON API answers it")
	unassign := fs.Bool("unassign", false, "assign: give the ticket to nobody")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return 2
	}
	want := 2
	if sub == "assign" && *unassign {
		want = 1
	}
	if len(pos) != want {
		fmt.Fprintln(stderr, staffUsage)
		return 2
	}
	ref := pos[0]
	var arg string
	if len(pos) > 1 {
		arg = pos[1]
	}
	if (sub == "note" || sub == "reply") && arg == "-" {
		b, err := io.ReadAll(io.LimitReader(ticketsStdin, 1<<20))
		if err != nil {
			fmt.Fprintf(stderr, "%s: read stdin: %v\n", what, err)
			return 2
		}
		arg = string(b)
	}

	ctx, store, done, err := cliStore(*cfgPath, what, 5*time.Minute, stderr)
	if err != nil {
		return 2
	}
	defer done()
	dk, actor, err := cliDesk(ctx, store, *as, what, stderr)
	if err != nil {
		return 2
	}

	var out any
	switch sub {
	case "note":
		m, err := dk.AddNote(ctx, actor, ref, arg)
		if err != nil {
			return deskExit(stderr, what, err)
		}
		out = m
		if !*asJSON {
			fmt.Fprintf(stdout, "note added to %s\n", strings.ToUpper(ref))
		}
	case "reply":
		rep, err := cliReplier(*cfgPath, store)
		if err != nil {
			fmt.Fprintf(stderr, "%s: replies: %v\n", what, err)
			return 2
		}
		if dk, err = desk.New(desk.Options{Store: store, Replier: rep}); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", what, err)
			return 2
		}
		m, err := dk.Reply(ctx, actor, ref, arg)
		if err != nil {
			return deskExit(stderr, what, err)
		}
		out = m
		if !*asJSON {
			// serve's outbox worker sends it at its next poll.
			fmt.Fprintf(stdout, "reply to %s queued as job %s\n", strings.ToUpper(ref), m.Delivery.Job)
		}
	case "assign":
		if arg == "me" {
			arg = actor.Name
		}
		t, err := dk.Assign(ctx, actor, ref, arg)
		if err != nil {
			return deskExit(stderr, what, err)
		}
		out = t
		if !*asJSON {
			if t.Assignee == "" {
				fmt.Fprintf(stdout, "%s is unassigned\n", t.Ref)
			} else {
				fmt.Fprintf(stdout, "%s is assigned to %s\n", t.Ref, t.Assignee)
			}
		}
	case "status":
		t, err := dk.SetStatus(ctx, actor, ref, tickets.Status(strings.ToLower(arg)))
		if err != nil {
			return deskExit(stderr, what, err)
		}
		out = t
		if !*asJSON {
			fmt.Fprintf(stdout, "%s is %s\n", t.Ref, t.Status)
		}
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", what, err)
			return 2
		}
	}
	return 0
}
