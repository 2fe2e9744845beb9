package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// intake quarantine list|open|release|hold|unhold|purge: the privacy
// officer's tools for sealed originals. Reading the ciphertext is audited
// before it is read (quarantine.fetch), and decrypting needs the identity
// file, which lives offline; whether it opened is audited after
// (quarantine.open, or quarantine.open_failed with a reason code). The
// web's quarantine pages do the same in the officer's browser, where the
// identity never reaches the server.

func runQuarantine(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: intake quarantine list [--json] [--state held|released|purged] [--config FILE]")
		fmt.Fprintln(stderr, "       intake quarantine open ITEM --identity FILE --out FILE|- [--config FILE]")
		fmt.Fprintln(stderr, "       intake quarantine release ITEM --part WHERE --identity FILE [--config FILE]")
		fmt.Fprintln(stderr, "       intake quarantine hold ITEM | unhold ITEM | purge ITEM [--config FILE]")
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("quarantine "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	asJSON := fs.Bool("json", false, "list: one JSON object per item and line")
	state := fs.String("state", "", "list: only items in this state (held, released, purged)")
	identity := fs.String("identity", "", "open, release: age identity file (AGE-SECRET-KEY-...)")
	part := fs.String("part", "", "release: the withheld part, as tickets show names it (body, attachment:NAME)")
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
	case "open", "release", "hold", "unhold", "purge":
		if len(pos) != 1 {
			fmt.Fprintf(stderr, "intake quarantine %s: want exactly one ITEM id\n", sub)
			return 2
		}
		if id, err = uuid.Parse(pos[0]); err != nil {
			fmt.Fprintf(stderr, "intake quarantine %s: %q is not an item id (see intake quarantine list)\n", sub, pos[0])
			return 2
		}
		if sub == "release" && (*identity == "" || *part == "") {
			fmt.Fprintln(stderr, "intake quarantine release: --part WHERE and --identity FILE are required (the part is read from the opened original)")
			return 2
		}
		if sub == "release" {
			if _, err := os.Stat(*identity); err != nil {
				fmt.Fprintf(stderr, "intake quarantine release: identity file: %v\n", err)
				return 2
			}
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
		fmt.Fprintf(stderr, "intake quarantine: unknown subcommand %q (want list, open, release, hold, unhold or purge)\n", sub)
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
		raw, it, code := openOriginal(ctx, dk, who, id, *identity, stderr)
		if raw == nil {
			return code
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
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintf(stderr, "intake quarantine release: %v\n", err)
			return 2
		}
		// The part is read again as the gateway reads inbound mail, with
		// the configured limits and image policy.
		if dk, err = desk.New(desk.Options{Store: store, Scanner: scan.New(scanLimits(cfg))}); err != nil {
			fmt.Fprintf(stderr, "intake quarantine release: %v\n", err)
			return 2
		}
		raw, _, code := openOriginal(ctx, dk, who, id, *identity, stderr)
		if raw == nil {
			return code
		}
		rel, err := dk.ReleaseFromOriginal(ctx, who, id, raw, *part)
		if err != nil {
			return deskExit(stderr, "intake quarantine release", err)
		}
		fmt.Fprintf(stdout, "released %s of %s to ticket %s: %d part(s) of masked text, %d file(s), %d number(s) masked\n",
			rel.Where, id, rel.Ref, len(rel.Parts), rel.Files, len(rel.Findings))
		return 0

	case "hold", "unhold":
		it, err := dk.SetLegalHold(ctx, who, id, sub == "hold")
		if err != nil {
			return deskExit(stderr, "intake quarantine "+sub, err)
		}
		if it.LegalHold {
			fmt.Fprintf(stdout, "%s is under a legal hold: retention keeps it (and ticket %s) past %s until it is lifted\n", id, it.TicketRef, it.RetainUntil.Format(time.RFC3339))
		} else {
			fmt.Fprintf(stdout, "%s is not under a legal hold: retention removes it after %s\n", id, it.RetainUntil.Format(time.RFC3339))
		}
		return 0

	default: // purge
		if _, err := dk.Purge(ctx, who, id); err != nil {
			return deskExit(stderr, "intake quarantine purge", err)
		}
		fmt.Fprintf(stdout, "purged %s\n", id)
		return 0
	}
}

// openOriginal fetches item id's ciphertext (audited before it leaves the
// store: quarantine.fetch) and opens it with the identity file, auditing
// whether it opened (quarantine.open, or quarantine.open_failed with a
// reason code, never the error's words). On failure raw is nil and code
// the exit status, stderr told why.
func openOriginal(ctx context.Context, dk *desk.Desk, who desk.Actor, id uuid.UUID, identity string, stderr io.Writer) (raw []byte, it *tickets.QuarantineItem, code int) {
	it, err := dk.FetchSealed(ctx, who, id)
	if err != nil {
		return nil, nil, deskExit(stderr, "intake quarantine open", err)
	}
	raw, err = tickets.OpenSealed(it.Sealed, identity)
	if err != nil {
		reason := tickets.OpenFailureReason(err)
		if rerr := dk.RecordOpen(ctx, who, id, false, reason); rerr != nil {
			fmt.Fprintf(stderr, "intake quarantine open: %v; and recording the failure: %v\n", err, rerr)
			return nil, nil, 2
		}
		fmt.Fprintf(stderr, "intake quarantine open: %v (audited as %s, %s)\n", err, tickets.ActionQuarantineOpenFailed, reason)
		return nil, nil, 1
	}
	// No look without its record: if the open cannot be audited, the
	// plaintext is dropped unseen.
	if err := dk.RecordOpen(ctx, who, id, true, ""); err != nil {
		fmt.Fprintf(stderr, "intake quarantine open: opened, but the open could not be audited, so nothing is used: %v\n", err)
		return nil, nil, 2
	}
	return raw, it, 0
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
