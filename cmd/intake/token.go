package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/intake-mail/intake/desk"
)

// intake token create|list|revoke: API tokens, through desk, on the store
// the config names (a token made while serve runs works at once; a
// revoked one stops at once).
//
// Output contract (DESIGN.md): `token create NAME [--label L]` prints the
// new token alone on one stdout line, once (the store keeps only its
// hash); `token list --json` prints one JSON object per line: "id",
// "user", "label", "created", "expires", "last_used", "revoked" (null
// when not). Exit status as for `intake user`.

const tokenUsage = `usage: intake token create USER [--label L] [--config FILE]
       intake token list [--json] [--config FILE]
       intake token revoke ID [--config FILE]`

func runToken(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, tokenUsage)
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	asJSON := fs.Bool("json", false, "list: one JSON object per line")
	label := fs.String("label", "", "create: what the token is for (shown by list)")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return 2
	}
	want := map[string]int{"create": 1, "list": 0, "revoke": 1}
	n, ok := want[sub]
	if !ok {
		fmt.Fprintf(stderr, "intake token: unknown subcommand %q\n%s\n", sub, tokenUsage)
		return 2
	}
	if len(pos) != n {
		fmt.Fprintln(stderr, tokenUsage)
		return 2
	}
	ctx, st, done, err := cliStore(*cfgPath, "intake token "+sub, time.Minute, stderr)
	if err != nil {
		return 2
	}
	defer done()
	a, by := desk.NewAccounts(st, desk.AuthPolicy{}, nil), cliAdmin()
	switch sub {
	case "create":
		var t *desk.NewToken
		if t, err = a.CreateToken(ctx, by, pos[0], *label); err == nil {
			fmt.Fprintf(stderr, "token %s for %s; it is shown this once:\n", t.ID, t.User)
			fmt.Fprintln(stdout, t.Token)
		}
	case "list":
		var ts []desk.TokenView
		if ts, err = a.ListTokens(ctx, by); err == nil {
			err = printTokens(stdout, ts, *asJSON)
		}
	case "revoke":
		if err = a.RevokeToken(ctx, by, pos[0]); err == nil {
			fmt.Fprintf(stderr, "token %s revoked\n", pos[0])
		}
	}
	return cliResult(stderr, "intake token "+sub, err)
}

func printTokens(w io.Writer, ts []desk.TokenView, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, t := range ts {
			if err := enc.Encode(t); err != nil {
				return err
			}
		}
		return nil
	}
	when := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tLABEL\tCREATED\tLAST USED\tREVOKED")
	for _, t := range ts {
		label := t.Label
		if label == "" {
			label = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, label, when(&t.Created, "-"), when(t.LastUsed, "never"), when(t.Revoked, "-"))
	}
	return tw.Flush()
}
