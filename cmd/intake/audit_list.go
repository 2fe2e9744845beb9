package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// intake audit list: the audit log, newest first, through desk as the web
// page and the API read it (admin). Every event that matches is printed
// unless --limit cuts; --json prints one event object per line, as the
// API's "events" holds them. Exit 0, 1 refused (the role), 2 error.

func runAuditList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	asJSON := fs.Bool("json", false, "one JSON object per event and line")
	actor := fs.String("actor", "", `only events by this actor, as recorded ("user:ann", "cli:root", "gateway", "retention")`)
	action := fs.String("action", "", `only this action ("quarantine.fetch", "user.create", ...)`)
	ref := fs.String("ref", "", "only the events of this ticket")
	since := fs.String("since", "", "only events at or after this time (2026-01-02 or 2026-01-02T15:04:05Z)")
	until := fs.String("until", "", "only events before this time")
	limit := fs.Int("limit", 0, "at most this many events (0: all)")
	as := fs.String("as", "", asUsage)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "intake audit list: unexpected argument %q\n", pos[0])
		return 2
	}
	q := desk.AuditQuery{Actor: *actor, Action: *action, Ref: *ref}
	for _, f := range []struct {
		name, v string
		to      *time.Time
	}{{"since", *since, &q.Since}, {"until", *until, &q.Until}} {
		if f.v == "" {
			continue
		}
		t, ok := parseCLITime(f.v)
		if !ok {
			fmt.Fprintf(stderr, "intake audit list: --%s %q: want a date (2026-01-02) or a time (2026-01-02T15:04:05Z)\n", f.name, f.v)
			return 2
		}
		*f.to = t
	}
	if *limit < 0 {
		fmt.Fprintln(stderr, "intake audit list: --limit must not be negative")
		return 2
	}

	ctx, store, done, err := cliStore(*cfgPath, "intake audit list", 0, stderr)
	if err != nil {
		return 2
	}
	defer done()
	dk, who, err := cliDesk(ctx, store, *as, "intake audit list", stderr)
	if err != nil {
		return 2
	}
	var evs []tickets.AuditEvent
	for {
		q.Limit = 1000
		if *limit > 0 {
			q.Limit = min(1000, *limit-len(evs))
		}
		page, err := dk.ListAudit(ctx, who, q)
		if err != nil {
			return deskExit(stderr, "intake audit list", err)
		}
		evs = append(evs, page.Events...)
		if page.Next == nil || (*limit > 0 && len(evs) >= *limit) {
			break
		}
		q.Cursor = *page.Next
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, e := range evs {
			if err := enc.Encode(e); err != nil {
				fmt.Fprintf(stderr, "intake audit list: %v\n", err)
				return 2
			}
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tAT\tACTOR\tACTION\tDETAIL")
	for _, e := range evs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", e.Seq, e.At.UTC().Format(time.RFC3339), e.Actor, e.Action, detailText(e.Detail))
	}
	tw.Flush()
	return 0
}

// detailText is an event's detail as sorted key=value words.
func detailText(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + d[k])
	}
	return b.String()
}

// parseCLITime reads a date (midnight UTC) or an RFC 3339 time.
func parseCLITime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
