package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// intake audit verify: walk the keyed, hash-chained audit log and report
// any edited or deleted event; with --anchor, also check the log still
// holds every head anchored outside the database (serve's
// audit-anchor.log, or its log lines, "-" for stdin); and cross-check
// that every ticket, message and quarantine item has its event. Exit 0
// intact, 1 tampered (or the audit key does not fit), 2 error.

// auditStdin is what --anchor - reads (a variable for tests).
var auditStdin io.Reader = os.Stdin

// fileList is a repeatable flag.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func runAudit(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "list" {
		return runAuditList(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: intake audit verify [--anchor FILE|-]... [--config FILE]")
		fmt.Fprintln(stderr, "       intake audit list [--json] [--actor A] [--action X] [--ref REF] [--since T] [--until T] [--limit N] [--as USER] [--config FILE]")
		return 2
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	var anchorFiles fileList
	fs.Var(&anchorFiles, "anchor", "anchors to check against: serve's "+tickets.AnchorFile+" or its JSON log, - for stdin (repeatable)")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "intake audit verify: unexpected argument %q\n", pos[0])
		return 2
	}
	var anchors []tickets.AuditAnchor
	for _, name := range anchorFiles {
		as, err := readAnchorFile(name, auditStdin)
		if err != nil {
			fmt.Fprintf(stderr, "intake audit verify: --anchor %s: %v\n", name, err)
			return 2
		}
		anchors = append(anchors, as...)
	}

	ctx, store, done, err := cliStore(*cfgPath, "intake audit verify", 30*time.Minute, stderr)
	if errors.Is(err, tickets.ErrAuditKeyMismatch) {
		// Said on stderr already; a key that does not verify the chain's
		// keying event is as much a broken chain as an edited event.
		fmt.Fprintln(stdout, "audit chain BROKEN: the audit key does not verify the chain's audit.key event")
		return 1
	}
	if err != nil {
		return 2
	}
	defer done()
	rep, err := store.VerifyAudit(ctx, anchors...)
	if err != nil {
		fmt.Fprintf(stderr, "intake audit verify: %v\n", err)
		return 2
	}
	if !rep.OK {
		fmt.Fprintf(stdout, "audit chain BROKEN (%d events read, %d anchors checked):\n", rep.Events, rep.Anchors)
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "  %s\n", p)
		}
		return 1
	}
	fmt.Fprintf(stdout, "audit chain intact: %d events, %d anchors checked; every one of %d tickets, %d inbound messages and %d quarantine items has its event\n",
		rep.Events, rep.Anchors, rep.Tickets, rep.Messages, rep.Items)
	if rep.Anchors == 0 {
		fmt.Fprintf(stdout, "(without --anchor, events deleted from the end of the log, that nothing else points at, cannot be seen)\n")
	}
	return 0
}

// readAnchorFile reads the anchors in name ("-": stdin). A file that holds
// none is an error: checking against nothing must not look like a pass.
func readAnchorFile(name string, stdin io.Reader) ([]tickets.AuditAnchor, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	as, _, err := tickets.ReadAnchors(r)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("no anchors in it")
	}
	return as, nil
}
