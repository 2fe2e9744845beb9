package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/intake-mail/intake/desk"
)

// intake report: the compliance report for a period, per week or month:
// counts only (never a number, never a last four). Text by default, the
// report object with --json, the rows of the web's CSV with --csv. Exit
// 0, 1 refused (the role), 2 error.

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	since := fs.String("since", "", "start of the report (2026-01-01 or 2026-01-01T00:00:00Z), required")
	until := fs.String("until", "", "end of the report, excluded (2026-04-01), required")
	period := fs.String("period", "month", "count per week (Monday to Monday, UTC) or month")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	asCSV := fs.Bool("csv", false, "print the report as CSV: period_start,period_end,metric,key,count")
	as := fs.String("as", "", asUsage)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "intake report: unexpected argument %q\n", pos[0])
		return 2
	}
	if *asJSON && *asCSV {
		fmt.Fprintln(stderr, "intake report: --json or --csv, not both")
		return 2
	}
	var q desk.ReportQuery
	q.Period = *period
	for _, f := range []struct {
		name, v string
		to      *time.Time
	}{{"since", *since, &q.Since}, {"until", *until, &q.Until}} {
		t, ok := parseCLITime(f.v)
		if !ok {
			fmt.Fprintf(stderr, "intake report: --%s: want a date (2026-01-02) or a time (2026-01-02T15:04:05Z)\n", f.name)
			return 2
		}
		*f.to = t
	}

	ctx, store, done, err := cliStore(*cfgPath, "intake report", 0, stderr)
	if err != nil {
		return 2
	}
	defer done()
	dk, who, err := cliDesk(ctx, store, *as, "intake report", stderr)
	if err != nil {
		return 2
	}
	rep, err := dk.Report(ctx, who, q)
	if err != nil {
		return deskExit(stderr, "intake report", err)
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "intake report: %v\n", err)
			return 2
		}
	case *asCSV:
		if err := rep.WriteCSV(stdout); err != nil {
			fmt.Fprintf(stderr, "intake report: %v\n", err)
			return 2
		}
	default:
		printReport(stdout, rep)
	}
	return 0
}

func printReport(w io.Writer, r *desk.Report) {
	fmt.Fprintf(w, "compliance report %s to %s, per %s (counts only)\n\n", r.Since.Format(time.DateOnly), r.Until.Format(time.DateOnly), r.Period)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PERIOD\tRECEIVED\tWITH SSN\tWITH CARD\tWITHHELD\tSENT\tPURGED ON TIME\tPURGED LATE\tQUARANTINE ACCESS\t")
	for i, p := range append(slices.Clone(r.Periods), r.Total) {
		label := p.Start.Format(time.DateOnly)
		if i == len(r.Periods) {
			label = "total"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", label, p.Received, p.WithSSN, p.WithCard, p.Withheld,
			desk.Sum(p.Sent), p.PurgedOnTime, p.PurgedLate, p.AccessCount())
	}
	tw.Flush()
	t := r.Total
	if len(t.WithheldBy) > 0 {
		fmt.Fprintln(w, "\nwithheld, by reason:")
		for _, k := range desk.SortedKeys(t.WithheldBy) {
			fmt.Fprintf(w, "  %-20s %d\n", k, t.WithheldBy[k])
		}
	}
	if len(t.Sent) > 0 {
		fmt.Fprintln(w, "\nsent, by kind:")
		for _, k := range desk.SortedKeys(t.Sent) {
			fmt.Fprintf(w, "  %-20s %d\n", k, t.Sent[k])
		}
	}
	if len(t.Accesses) > 0 {
		fmt.Fprintln(w, "\nquarantine access, by person:")
		for _, who := range desk.SortedKeys(t.Accesses) {
			var parts []string
			for _, act := range desk.SortedKeys(t.Accesses[who]) {
				parts = append(parts, fmt.Sprintf("%s %d", strings.TrimPrefix(act, "quarantine."), t.Accesses[who][act]))
			}
			fmt.Fprintf(w, "  %-20s %s\n", who, strings.Join(parts, ", "))
		}
	}
	fmt.Fprintf(w, "\nquarantine items past their deadline (by more than %d h) at the end: %d\n", r.PurgeGraceHours, r.Overdue)
	fmt.Fprintf(w, "quarantine items under a legal hold now: %d\n", r.Held)
}
