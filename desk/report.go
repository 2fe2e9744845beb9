package desk

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// The compliance report: per week or month, how many messages carried an
// SSN or a card number, how many were withheld and why, what mail went
// out by kind, how quarantine items were purged (on time or late), and
// every quarantine access by person. Counts only: the facts it reads
// hold no number and no last four, and it prints nothing but names of
// kinds, reasons, actions and people, and counts.

// ReportQuery is the period and the bucket size.
type ReportQuery struct {
	Since, Until time.Time // UTC; Until excluded
	Period       string    // "week" (Monday to Monday, UTC) or "month"
}

// Report is what the page, the CSV, the API and `intake report --json`
// show.
type Report struct {
	Since   time.Time      `json:"since"`
	Until   time.Time      `json:"until"`
	Period  string         `json:"period"`
	Periods []ReportPeriod `json:"periods"`
	Total   ReportPeriod   `json:"total"`
	// Overdue is how many quarantine items were still kept more than
	// PurgeGraceHours after their deadline at the end of the report.
	Overdue         int `json:"overdue_items"`
	PurgeGraceHours int `json:"purge_grace_hours"`
	// Held is how many items are under a legal hold now: kept past their
	// deadline on purpose, and so not overdue.
	Held int `json:"held_items"`
}

// ReportPeriod holds one bucket's counts.
type ReportPeriod struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Received int       `json:"messages_received"`
	// Sensitive is messages with an SSN or a card number; WithSSN and
	// WithCard count each kind (a message with both is in both).
	Sensitive int `json:"messages_sensitive"`
	WithSSN   int `json:"messages_with_ssn"`
	WithCard  int `json:"messages_with_card"`
	// Withheld is messages with a part withheld; WithheldBy counts them
	// by reason (a message with two reasons is in both).
	Withheld     int            `json:"messages_withheld"`
	WithheldBy   map[string]int `json:"withheld_by_reason"`
	Sent         map[string]int `json:"sent_by_kind"`
	PurgedOnTime int            `json:"purged_on_time"`
	PurgedLate   int            `json:"purged_late"`
	// Accesses counts quarantine actions by person, then by action.
	Accesses map[string]map[string]int `json:"quarantine_access"`
}

func newPeriod(start, end time.Time) ReportPeriod {
	return ReportPeriod{Start: start, End: end, WithheldBy: map[string]int{}, Sent: map[string]int{}, Accesses: map[string]map[string]int{}}
}

// maxReportPeriods bounds a report: ten years of months, or two of weeks.
const maxReportPeriods = 120

// Report counts q's period (privacy officer or admin).
func (d *Desk) Report(ctx context.Context, a Actor, q ReportQuery) (*Report, error) {
	if err := d.need(a, tickets.RolePrivacy, tickets.RoleAdmin); err != nil {
		return nil, err
	}
	if q.Period == "" {
		q.Period = "month"
	}
	if q.Period != "week" && q.Period != "month" {
		return nil, badRequest("period must be week or month")
	}
	if q.Since.IsZero() || q.Until.IsZero() || !q.Until.After(q.Since) {
		return nil, badRequest("give a since and an until after it")
	}
	starts := periodStarts(q.Since.UTC(), q.Until.UTC(), q.Period)
	if len(starts) > maxReportPeriods {
		return nil, badRequest("that is more than %d %ss; choose a shorter range or months", maxReportPeriods, q.Period)
	}
	f, err := d.st.ReportFacts(ctx, q.Since, q.Until)
	if err != nil {
		return nil, d.fail(a, "report", err)
	}
	rep := &Report{Since: q.Since.UTC(), Until: q.Until.UTC(), Period: q.Period, Overdue: f.Overdue, Held: f.Held,
		PurgeGraceHours: int(tickets.PurgeGrace / time.Hour), Total: newPeriod(q.Since.UTC(), q.Until.UTC())}
	for i, s := range starts {
		end := rep.Until
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		rep.Periods = append(rep.Periods, newPeriod(s, end))
	}
	bucket := func(t time.Time) []*ReportPeriod {
		i, _ := slices.BinarySearchFunc(rep.Periods, t, func(p ReportPeriod, t time.Time) int {
			switch {
			case !t.Before(p.End):
				return -1
			case t.Before(p.Start):
				return 1
			}
			return 0
		})
		if i >= len(rep.Periods) {
			i = len(rep.Periods) - 1
		}
		return []*ReportPeriod{&rep.Periods[i], &rep.Total}
	}
	for _, t := range f.Received {
		for _, p := range bucket(t) {
			p.Received++
		}
	}
	for _, s := range f.Sealed {
		ssn, pan := slices.Contains(s.Causes, string(tickets.CauseSSN)), slices.Contains(s.Causes, string(tickets.CausePAN))
		reasons := s.Withheld
		for _, c := range s.Causes {
			if r, ok := strings.CutPrefix(c, "unscannable:"); ok && !slices.Contains(reasons, r) {
				reasons = append(reasons, r)
			}
		}
		for _, p := range bucket(s.At) {
			p.WithSSN += b2i(ssn)
			p.WithCard += b2i(pan)
			p.Sensitive += b2i(ssn || pan)
			p.Withheld += b2i(len(reasons) > 0)
			for _, r := range reasons {
				p.WithheldBy[r]++
			}
		}
	}
	for _, s := range f.Sent {
		for _, p := range bucket(s.At) {
			p.Sent[s.Kind]++
		}
	}
	for _, pf := range f.Purges {
		late := !pf.Deadline.IsZero() && pf.At.After(pf.Deadline.Add(tickets.PurgeGrace))
		for _, p := range bucket(pf.At) {
			if late {
				p.PurgedLate++
			} else {
				p.PurgedOnTime++
			}
		}
	}
	for _, ac := range f.Accesses {
		for _, p := range bucket(ac.At) {
			if p.Accesses[ac.Actor] == nil {
				p.Accesses[ac.Actor] = map[string]int{}
			}
			p.Accesses[ac.Actor][ac.Action]++
		}
	}
	return rep, nil
}

// Sum adds a map's counts (a period's mail by kind, say).
func Sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// AccessCount adds a period's quarantine accesses over people and actions.
func (p ReportPeriod) AccessCount() int {
	n := 0
	for _, v := range p.Accesses {
		n += Sum(v)
	}
	return n
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// periodStarts are the bucket starts from since: since itself, then every
// week's Monday or month's first day after it, before until.
func periodStarts(since, until time.Time, period string) []time.Time {
	out := []time.Time{since}
	var next time.Time
	if period == "week" {
		day := time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC)
		next = day.AddDate(0, 0, (8-int(day.Weekday()))%7)
		if !next.After(since) {
			next = next.AddDate(0, 0, 7)
		}
	} else {
		next = time.Date(since.Year(), since.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	}
	for next.Before(until) && len(out) <= maxReportPeriods {
		out = append(out, next)
		if period == "week" {
			next = next.AddDate(0, 0, 7)
		} else {
			next = next.AddDate(0, 1, 0)
		}
	}
	return out
}

// ReportRow is one line of the CSV: a count of one metric in one period,
// with its key (a kind, a reason, "person action") where it has one.
type ReportRow struct {
	Start, End time.Time
	Metric     string
	Key        string
	Count      int
}

// Rows lists every count of every period, then of the total (period
// "total"), in a fixed order: what the CSV holds.
func (r *Report) Rows() []ReportRow {
	var out []ReportRow
	for _, p := range append(slices.Clone(r.Periods), r.Total) {
		add := func(metric, key string, n int) {
			out = append(out, ReportRow{Start: p.Start, End: p.End, Metric: metric, Key: key, Count: n})
		}
		add("messages_received", "", p.Received)
		add("messages_sensitive", "", p.Sensitive)
		add("messages_with_ssn", "", p.WithSSN)
		add("messages_with_card", "", p.WithCard)
		add("messages_withheld", "", p.Withheld)
		for _, k := range SortedKeys(p.WithheldBy) {
			add("withheld_by_reason", k, p.WithheldBy[k])
		}
		for _, k := range SortedKeys(p.Sent) {
			add("sent_by_kind", k, p.Sent[k])
		}
		add("purged_on_time", "", p.PurgedOnTime)
		add("purged_late", "", p.PurgedLate)
		for _, who := range SortedKeys(p.Accesses) {
			for _, act := range SortedKeys(p.Accesses[who]) {
				add("quarantine_access", who+" "+act, p.Accesses[who][act])
			}
		}
	}
	out = append(out, ReportRow{Start: r.Since, End: r.Until, Metric: "overdue_items", Count: r.Overdue},
		ReportRow{Start: r.Since, End: r.Until, Metric: "held_items", Count: r.Held})
	return out
}

// SortedKeys are m's keys in order: how the report lists kinds, reasons
// and people.
func SortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// WriteCSV writes the report as CSV: period_start, period_end, metric,
// key, count; one row per count (see Rows). Dates are RFC 3339 UTC.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"period_start", "period_end", "metric", "key", "count"})
	for _, row := range r.Rows() {
		cw.Write([]string{row.Start.Format(time.RFC3339), row.End.Format(time.RFC3339), row.Metric, csvSafe(row.Key), strconv.Itoa(row.Count)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a key from being read as a formula by a spreadsheet (a
// person's name is chosen by an admin, but may start with anything).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
