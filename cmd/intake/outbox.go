package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// runOutbox is the operator's `intake outbox`: list the jobs, make one
// due now, or drop one.
func runOutbox(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: intake outbox list [--json] [--state pending|done|failed] | retry ID | drop ID  [--config FILE]")
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("outbox "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	asJSON := fs.Bool("json", false, "list: one JSON object per job and line")
	state := fs.String("state", "", "list: only jobs in this state (pending, done, failed, dropped)")
	as := fs.String("as", "", asUsage)
	reason := fs.String("reason", "", "drop: why, kept with the job and in the audit log")
	// Flags may come before or after the ID.
	var pos []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}

	var id uuid.UUID
	switch sub {
	case "list":
		if len(pos) != 0 {
			fmt.Fprintf(stderr, "intake outbox list: unexpected argument %q\n", pos[0])
			return 2
		}
		switch tickets.OutboxState(*state) {
		case "", tickets.OutboxPending, tickets.OutboxDone, tickets.OutboxFailed, tickets.OutboxDropped:
		default:
			fmt.Fprintf(stderr, "intake outbox list: unknown state %q (want pending, done, failed or dropped)\n", *state)
			return 2
		}
	case "retry", "drop":
		if len(pos) != 1 {
			fmt.Fprintf(stderr, "usage: intake outbox %s ID [--config FILE]\n", sub)
			return 2
		}
		var err error
		if id, err = uuid.Parse(pos[0]); err != nil {
			fmt.Fprintf(stderr, "intake outbox %s: %q is not a job id\n", sub, pos[0])
			return 2
		}
	default:
		fmt.Fprintf(stderr, "intake outbox: unknown subcommand %q (want list, retry or drop)\n", sub)
		return 2
	}

	ctx, store, done, err := cliStore(*cfgPath, "intake outbox "+sub, 0, stderr)
	if err != nil {
		return 2 // no store or a bad config, as for every command
	}
	defer done()
	dk, who, err := cliDesk(ctx, store, *as, "intake outbox "+sub, stderr)
	if err != nil {
		return 2
	}

	switch sub {
	case "list":
		listed, err := dk.ListOutbox(ctx, who, outboxQuery(*state))
		if err != nil {
			return deskExit(stderr, "intake outbox list", err)
		}
		jobs := jobViews(listed)
		if *asJSON {
			return printJobsJSON(stdout, stderr, jobs)
		}
		printJobs(stdout, jobs)
	case "retry":
		if _, err := dk.RetryJob(ctx, who, id); err != nil {
			return deskExit(stderr, "intake outbox retry", err)
		}
		fmt.Fprintf(stdout, "job %s is due now\n", id)
	case "drop":
		if _, err := dk.DropJob(ctx, who, id, *reason); err != nil {
			return deskExit(stderr, "intake outbox drop", err)
		}
		fmt.Fprintf(stdout, "job %s dropped\n", id)
	}
	return 0
}

// jobView is what the CLI shows of a job: never its payload.
type jobView struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	TicketID    string    `json:"ticket_id"`
	Recipient   string    `json:"recipient"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	GiveUpAt    time.Time `json:"give_up_at"`
	LastError   string    `json:"last_error"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

func printJobsJSON(stdout, stderr io.Writer, jobs []jobView) int {
	enc := json.NewEncoder(stdout)
	for _, j := range jobs {
		if err := enc.Encode(j); err != nil {
			fmt.Fprintf(stderr, "intake outbox list: %v\n", err)
			return 1
		}
	}
	return 0
}

func printJobs(w io.Writer, jobs []jobView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tATTEMPTS\tNEXT ATTEMPT\tKIND\tRECIPIENT\tLAST ERROR")
	for _, v := range jobs {
		next := "-"
		if v.State == string(tickets.OutboxPending) {
			next = v.NextAttempt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", v.ID, v.State, v.Attempts, next, v.Kind, v.Recipient, v.LastError)
	}
	tw.Flush()
}
