package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// intake quarantine list|open|release|purge: the privacy officer's tools
// for sealed originals. Reading the ciphertext is audited before it is
// read (quarantine.fetch), and decrypting needs the identity file, which
// lives offline; whether it opened is audited after (quarantine.open, or
// quarantine.open_failed with a reason code).

func runQuarantine(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: intake quarantine list [--json] [--state held|released|purged] [--config FILE]")
		fmt.Fprintln(stderr, "       intake quarantine open ITEM --identity FILE --out FILE|- [--config FILE]")
		fmt.Fprintln(stderr, "       intake quarantine release ITEM | purge ITEM [--config FILE]")
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("quarantine "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	asJSON := fs.Bool("json", false, "list: one JSON object per item and line")
	state := fs.String("state", "", "list: only items in this state (held, released, purged)")
	identity := fs.String("identity", "", "open: age identity file (AGE-SECRET-KEY-...)")
	out := fs.String("out", "", "open: write the original here (created 0600, never overwritten), or - for stdout")
	as := fs.String("as", "", asUsage)
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return 2
	}

	var id uuid.UUID
	switch sub {
	case "list":
		if len(pos) != 0 {
			fmt.Fprintf(stderr, "intake quarantine list: unexpected argument %q\n", pos[0])
			return 2
		}
		switch tickets.QuarantineState(*state) {
		case "", tickets.QuarantineHeld, tickets.QuarantineReleased, tickets.QuarantinePurged:
		default:
			fmt.Fprintf(stderr, "intake quarantine list: unknown state %q (want held, released or purged)\n", *state)
			return 2
		}
	case "open", "release", "purge":
		if len(pos) != 1 {
			fmt.Fprintf(stderr, "intake quarantine %s: want exactly one ITEM id\n", sub)
			return 2
		}
		if id, err = uuid.Parse(pos[0]); err != nil {
			fmt.Fprintf(stderr, "intake quarantine %s: %q is not an item id (see intake quarantine list)\n", sub, pos[0])
			return 2
		}
		if sub == "open" {
			if *identity == "" || *out == "" {
				fmt.Fprintln(stderr, "intake quarantine open: --identity FILE and --out FILE|- are required (the original holds the full numbers)")
				return 2
			}
			// Fail before the audited look if the identity cannot be read.
			if _, err := os.Stat(*identity); err != nil {
				fmt.Fprintf(stderr, "intake quarantine open: identity file: %v\n", err)
				return 2
			}
			if *out != "-" {
				if _, err := os.Lstat(*out); err == nil {
					fmt.Fprintf(stderr, "intake quarantine open: %s exists; it is never overwritten\n", *out)
					return 2
				}
			}
		}
	default:
		fmt.Fprintf(stderr, "intake quarantine: unknown subcommand %q (want list, open, release or purge)\n", sub)
		return 2
	}

	ctx, store, done, err := cliStore(*cfgPath, "intake quarantine "+sub, 5*time.Minute, stderr)
	if err != nil {
		return 2
	}
	defer done()
	dk, who, err := cliDesk(ctx, store, *as, "intake quarantine "+sub, stderr)
	if err != nil {
		return 2
	}

	switch sub {
	case "list":
		items, err := dk.ListQuarantine(ctx, who, quarantineQuery(*state))
		if err != nil {
			return deskExit(stderr, "intake quarantine list", err)
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			for _, it := range items {
				if err := enc.Encode(it); err != nil {
					fmt.Fprintf(stderr, "intake quarantine list: %v\n", err)
					return 2
				}
			}
			return 0
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ITEM\tTICKET\tSTATE\tCREATED\tRETAIN UNTIL\tSIZE\tCAUSES\tFINDINGS")
		for _, it := range items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", it.ID, it.TicketRef, it.State, it.Created.Format(time.RFC3339),
				it.RetainUntil.Format(time.RFC3339), it.SealedSize, joinCauses(it.Causes), findingsLast4(it.Findings))
		}
		tw.Flush()
		return 0

	case "open":
		// The download is audited (quarantine.fetch) before the
		// ciphertext leaves the store; then whether this identity opened
		// it is audited too, and a failure says why in a code, no content.
		it, err := dk.FetchSealed(ctx, who, id)
		if err != nil {
			return deskExit(stderr, "intake quarantine open", err)
		}
		raw, err := tickets.OpenSealed(it.Sealed, *identity)
		if err != nil {
			reason := tickets.OpenFailureReason(err)
			if rerr := dk.RecordOpen(ctx, who, id, false, reason); rerr != nil {
				fmt.Fprintf(stderr, "intake quarantine open: %v; and recording the failure: %v\n", err, rerr)
				return 2
			}
			fmt.Fprintf(stderr, "intake quarantine open: %v (audited as %s, %s)\n", err, tickets.ActionQuarantineOpenFailed, reason)
			return 1
		}
		// No look without its record: if the open cannot be audited, the
		// plaintext is dropped unseen.
		if err := dk.RecordOpen(ctx, who, id, true, ""); err != nil {
			fmt.Fprintf(stderr, "intake quarantine open: opened, but the open could not be audited, so nothing is written: %v\n", err)
			return 2
		}
		if *out == "-" {
			if _, err := stdout.Write(raw); err != nil {
				fmt.Fprintf(stderr, "intake quarantine open: %v\n", err)
				return 2
			}
			return 0
		}
		if err := writeNewPrivateFile(*out, raw); err != nil {
			fmt.Fprintf(stderr, "intake quarantine open: %v\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "wrote the original of %s (ticket %s) to %s; the open is in the audit log\n", it.ID, it.TicketRef, *out)
		return 0

	case "release":
		if _, err := dk.Release(ctx, who, id); err != nil {
			return deskExit(stderr, "intake quarantine release", err)
		}
		fmt.Fprintf(stdout, "released %s\n", id)
		return 0

	default: // purge
		if _, err := dk.Purge(ctx, who, id); err != nil {
			return deskExit(stderr, "intake quarantine purge", err)
		}
		fmt.Fprintf(stdout, "purged %s\n", id)
		return 0
	}
}

// exitForStoreErr: 1 for "no such thing", 2 for everything else.
func exitForStoreErr(err error) int {
	if errors.Is(err, tickets.ErrNotFound) {
		return 1
	}
	return 2
}

// writeNewPrivateFile writes data to a new file readable by its owner only;
// an existing file is never overwritten.
func writeNewPrivateFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
