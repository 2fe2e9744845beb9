// Command intake is the one binary of the intake gateway: it serves SMTP and
// the staff web interface, and carries the operator's tools. This package
// holds flags, printing and one composition root (app.go); the parts live
// in their packages.
package main

import (
	"fmt"
	"io"
	"os"
)

// command is one subcommand: it takes its own arguments and returns the
// process exit status, so each can be tested without exiting.
type command struct {
	name  string
	usage string
	run   func(args []string, stdout, stderr io.Writer) int
}

// commands is every subcommand, in the order usage lists them. A new one
// is one line here and a run function in its own file.
func commands() []command {
	return []command{
		{"serve", "serve [--config FILE]          run the SMTP gateway (and the outbox worker and web UI when built)", runServe},
		{"check-config", "check-config [--config FILE]   validate the configuration and print it, secrets hidden", runCheckConfig},
		{"scan", "scan [--json] [--ocr] [--max-time D] FILE|DIR|- ...   scan messages for SSNs and card numbers", runScan},
		{"tickets", "tickets list [--json] [--view V] [--status S] [--queue Q] [--assignee U] [--search Q] [--limit N] | show REF [--json] | note REF TEXT|- | reply REF TEXT|- | assign REF USER|me|--unassign | status REF STATUS  [--as USER] [--config FILE]", runTickets},
		{"quarantine", "quarantine list [--json] [--state S] | open ITEM --identity FILE --out FILE|- | release ITEM --part WHERE --identity FILE | hold ITEM | unhold ITEM | purge ITEM  [--as USER] [--config FILE]", runQuarantine},
		{"outbox", "outbox list [--json] [--state S] | retry ID | drop ID [--reason R]  [--as USER] [--config FILE]", runOutbox},
		{"user", "user add NAME --role agent|privacy|admin [--password-stdin] | list [--json] | disable|enable NAME | roles NAME --role R | passwd NAME [--password-stdin]  [--config FILE]", runUser},
		{"token", "token create USER [--label L] | list [--json] | revoke ID  [--config FILE]", runToken},
		{"audit", "audit verify [--anchor FILE|-]... | list [--json] [--actor A] [--action X] [--ref REF] [--since T] [--until T]  [--config FILE]", runAudit},
		{"report", "report --since T --until T [--period week|month] [--json|--csv]  the compliance report: counts only", runReport},
		{"store", "store copy --from CONFIG --to CONFIG   copy every table to a new, empty store (SQLite to PostgreSQL); resumable", runStore},
		{"backup", "backup --out FILE [--config FILE]   copy a live SQLite store consistently (PostgreSQL: pg_dump)", runBackup},
		{"keygen", "keygen dkim --domain D --selector S [--algo ed25519|rsa] [--out FILE]", runKeygen},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: intake COMMAND [ARGS]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s\n", c.usage)
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "intake: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}
