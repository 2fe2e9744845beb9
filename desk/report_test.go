package desk

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/tickets"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Buckets start at since and then on each Monday (weeks) or first of the
// month (months) before until.
func TestPeriodStarts(t *testing.T) {
	for _, c := range []struct {
		since, until, period string
		want                 []string
	}{
		{"2026-01-01", "2026-04-01", "month", []string{"2026-01-01", "2026-02-01", "2026-03-01"}},
		{"2026-01-15", "2026-03-02", "month", []string{"2026-01-15", "2026-02-01", "2026-03-01"}},
		{"2026-12-01", "2027-01-01", "month", []string{"2026-12-01"}},
		// 2026-03-02 is a Monday.
		{"2026-03-02", "2026-03-16", "week", []string{"2026-03-02", "2026-03-09"}},
		{"2026-03-04", "2026-03-17", "week", []string{"2026-03-04", "2026-03-09", "2026-03-16"}},
		{"2026-03-08", "2026-03-09", "week", []string{"2026-03-08"}}, // a Sunday alone
	} {
		var got []string
		for _, s := range periodStarts(day(c.since), day(c.until), c.period) {
			got = append(got, s.Format(time.DateOnly))
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s to %s per %s: %v, want %v", c.since, c.until, c.period, got, c.want)
		}
	}
}

// The report is the privacy officer's and the admin's; it refuses a range
// it cannot count; its buckets add up to its total; its CSV rows are the
// counts, with the total rows spanning the whole range.
func TestReportRolesAndShape(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.file("one", "hello", "a@example.org", true)
		e.file("two", "hello", "b@example.org", false)
		q := ReportQuery{Since: time.Now().UTC().AddDate(0, 0, -20), Until: time.Now().UTC().AddDate(0, 0, 1), Period: "week"}
		for _, a := range []Actor{actor("ann", tickets.RoleAgent), {}} {
			if _, err := e.d.Report(ctx, a, q); code(err) != "403 forbidden" && code(err) != "401 unauthenticated" {
				t.Errorf("%q read the report: %v", a.Name, err)
			}
		}
		for _, bad := range []ReportQuery{{Since: q.Until, Until: q.Since}, {Since: q.Since, Until: q.Until, Period: "day"},
			{Since: q.Since, Until: q.Since.AddDate(3, 0, 0), Period: "week"}} {
			if _, err := e.d.Report(ctx, actor("pia", tickets.RolePrivacy), bad); code(err) != "400 bad_request" {
				t.Errorf("%+v: %v, want bad_request", bad, err)
			}
		}
		rep, err := e.d.Report(ctx, actor("pia", tickets.RolePrivacy), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Periods) < 3 || rep.Total.Received != 2 {
			t.Fatalf("%d weeks, %d received in total", len(rep.Periods), rep.Total.Received)
		}
		n := 0
		for _, p := range rep.Periods {
			n += p.Received
		}
		if n != rep.Total.Received {
			t.Errorf("the weeks hold %d, the total %d", n, rep.Total.Received)
		}
		var b bytes.Buffer
		if err := rep.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		total := rep.Since.Format(time.RFC3339) + "," + rep.Until.Format(time.RFC3339) + ",messages_received,,2"
		if !strings.HasPrefix(b.String(), "period_start,period_end,metric,key,count\n") || !strings.Contains(b.String(), total+"\n") {
			t.Errorf("the CSV:\n%s", b.String())
		}
	})
}
