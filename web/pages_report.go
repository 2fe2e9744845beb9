package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/intake-mail/intake/desk"
)

// /report: the compliance report (privacy officer and admin), per week or
// month, as tables and bar charts drawn here as SVG (no script), and as
// CSV (/report.csv, the same query). Counts only.

// reportForm is the report's query as the form holds it.
type reportForm struct {
	Since, Until, Period string
}

func (f reportForm) values() url.Values {
	return url.Values{"since": {f.Since}, "until": {f.Until}, "period": {f.Period}}
}

// parseReportQuery reads the query; with none, the last three months up
// to the end of this one.
func (s *Server) parseReportQuery(v url.Values) (reportForm, desk.ReportQuery, string) {
	now := s.now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	f := reportForm{Since: v.Get("since"), Until: v.Get("until"), Period: v.Get("period")}
	if f.Since == "" {
		f.Since = first.AddDate(0, -2, 0).Format(time.DateOnly)
	}
	if f.Until == "" {
		f.Until = first.AddDate(0, 1, 0).Format(time.DateOnly)
	}
	if f.Period == "" {
		f.Period = "month"
	}
	q := desk.ReportQuery{Period: f.Period}
	var ok bool
	if q.Since, ok = parseFormTime(f.Since); !ok {
		return f, q, "From must be a date like 2026-01-01."
	}
	if q.Until, ok = parseFormTime(f.Until); !ok {
		return f, q, "Until must be a date like 2026-04-01."
	}
	return f, q, ""
}

type reportData struct {
	Form    reportForm
	Problem string
	R       *desk.Report
	CSV     string // the CSV download of the same query
	Charts  []chart
	Rows    []reportRow
	Quick   []quickRange
	Reasons []string // every withheld reason of the period, for the table
	Kinds   []string // every kind of mail sent
	People  []string // everyone who touched the quarantine
}

// quickRange is a link to a common range.
type quickRange struct{ Label, URL string }

// quickRanges are the quarters an auditor asks about, and the last weeks.
func (s *Server) quickRanges() []quickRange {
	now := s.now().UTC()
	q := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	link := func(label string, since, until time.Time, period string) quickRange {
		f := reportForm{Since: since.Format(time.DateOnly), Until: until.Format(time.DateOnly), Period: period}
		return quickRange{label, "/report?" + f.values().Encode()}
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return []quickRange{
		link("This quarter", q, q.AddDate(0, 3, 0), "month"),
		link("Last quarter", q.AddDate(0, -3, 0), q, "month"),
		link("Last 12 weeks", today.AddDate(0, 0, -83), today.AddDate(0, 0, 1), "week"),
	}
}

// reportRow is one period in the tables, the total last.
type reportRow struct {
	desk.ReportPeriod
	Label string
	Total bool
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request, p *Page) {
	f, q, problem := s.parseReportQuery(r.URL.Query())
	d := reportData{Form: f, Problem: problem, Quick: s.quickRanges()}
	show := func(status int, problem string) {
		d.Problem = problem
		s.render(w, r, status, "report", pageView(p, "Compliance report", "report", d))
	}
	if problem != "" {
		show(http.StatusBadRequest, problem)
		return
	}
	rep, err := s.desk.Report(r.Context(), p.Actor, q)
	if err != nil {
		s.refuse(w, r, p, err, show)
		return
	}
	d.R = rep
	d.CSV = "/report.csv?" + f.values().Encode()
	d.fill()
	show(http.StatusOK, "")
}

// periodLabel names a bucket: "Mar 2026", or a week by its first day.
func periodLabel(p desk.ReportPeriod, period string) string {
	if period == "month" && p.Start.Day() == 1 {
		return p.Start.Format("Jan 2006")
	}
	return p.Start.Format("2 Jan 2006")
}

func (d *reportData) fill() {
	r := d.R
	reasons, kinds, people := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, p := range r.Periods {
		d.Rows = append(d.Rows, reportRow{ReportPeriod: p, Label: periodLabel(p, r.Period)})
	}
	d.Rows = append(d.Rows, reportRow{ReportPeriod: r.Total, Label: "Total", Total: true})
	for k := range r.Total.WithheldBy {
		reasons[k] = true
	}
	for k := range r.Total.Sent {
		kinds[k] = true
	}
	for k := range r.Total.Accesses {
		people[k] = true
	}
	d.Reasons, d.Kinds, d.People = desk.SortedKeys(reasons), desk.SortedKeys(kinds), desk.SortedKeys(people)

	labels := make([]string, len(r.Periods))
	for i, p := range r.Periods {
		labels[i] = periodLabel(p, r.Period)
	}
	series := func(name string, v func(p desk.ReportPeriod) int) chartSeries {
		s := chartSeries{Name: name}
		for _, p := range r.Periods {
			s.Values = append(s.Values, v(p))
		}
		return s
	}
	d.Charts = append(d.Charts, newChart("messages", "Messages received, and what they carried", labels,
		series("received", func(p desk.ReportPeriod) int { return p.Received }),
		series("with an SSN", func(p desk.ReportPeriod) int { return p.WithSSN }),
		series("with a card number", func(p desk.ReportPeriod) int { return p.WithCard }),
		series("withheld", func(p desk.ReportPeriod) int { return p.Withheld })))
	var sent []chartSeries
	for _, k := range d.Kinds {
		sent = append(sent, series(k, func(p desk.ReportPeriod) int { return p.Sent[k] }))
	}
	if len(sent) > 0 {
		d.Charts = append(d.Charts, newChart("sent", "Mail sent, by kind", labels, sent...))
	}
	d.Charts = append(d.Charts, newChart("purges", "Quarantine items purged", labels,
		series("on time", func(p desk.ReportPeriod) int { return p.PurgedOnTime }),
		series("late", func(p desk.ReportPeriod) int { return p.PurgedLate })))
	var acc []chartSeries
	for _, who := range d.People {
		acc = append(acc, series(who, func(p desk.ReportPeriod) int { return desk.Sum(p.Accesses[who]) }))
	}
	if len(acc) > 0 {
		d.Charts = append(d.Charts, newChart("access", "Quarantine access, by person", labels, acc...))
	}
}

// reportCSV is the same report as CSV, for a spreadsheet or an auditor.
func (s *Server) reportCSV(w http.ResponseWriter, r *http.Request, p *Page) {
	f, q, problem := s.parseReportQuery(r.URL.Query())
	if problem != "" {
		s.fail(w, r, p, &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest, Message: problem})
		return
	}
	rep, err := s.desk.Report(r.Context(), p.Actor, q)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	writeReportCSV(w, rep, f)
}

func writeReportCSV(w http.ResponseWriter, rep *desk.Report, f reportForm) {
	var b bytes.Buffer
	rep.WriteCSV(&b)
	name := fmt.Sprintf("intake-report-%s-%s-%s.csv", safeName(f.Since), safeName(f.Until), safeName(f.Period))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(b.Bytes())
}

// safeName keeps what goes into a file name to letters, digits and -.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' {
			return r
		}
		return -1
	}, s)
}

// The charts: grouped bars, one group per period and one bar per series,
// laid out here so the template only places rectangles and words.

const (
	chartW, chartH      = 520, 220
	chartLeft, chartTop = 44, 22
	chartBottom         = 40 // room for the period labels
)

type chartSeries struct {
	Name   string
	Values []int
}

type chartBar struct {
	X, Y, W, H float64
	Series     int // which colour: the legend's index
	Value      int
	Title      string // "Mar 2026, with an SSN: 3"
	// Label: the count is written above the bar (when it is not zero and
	// the bar is wide enough to carry it).
	Label bool
}

type chartTick struct {
	Y     float64
	Value int
}

type chartLabel struct {
	X    float64
	Text string
}

type chart struct {
	ID, Title string
	W, H      int
	Left      float64
	Base      float64 // the y of the zero line
	Right     float64
	Bars      []chartBar
	Ticks     []chartTick
	Labels    []chartLabel
	Legend    []string
	Empty     bool // every value is zero
}

func newChart(id, title string, labels []string, series ...chartSeries) chart {
	c := chart{ID: id, Title: title, W: chartW, H: chartH, Left: chartLeft, Right: chartW - 8,
		Base: chartH - chartBottom}
	max := 0
	for _, s := range series {
		c.Legend = append(c.Legend, s.Name)
		for _, v := range s.Values {
			max = maxInt(max, v)
		}
	}
	c.Empty = max == 0
	top := niceCeil(max)
	plotH := c.Base - chartTop
	for _, v := range []int{0, top / 2, top} {
		if v == 0 && top == 0 {
			c.Ticks = append(c.Ticks, chartTick{Y: c.Base, Value: 0})
			break
		}
		c.Ticks = append(c.Ticks, chartTick{Y: c.Base - plotH*float64(v)/float64(top), Value: v})
	}
	if len(labels) == 0 {
		return c
	}
	groupW := (c.Right - c.Left) / float64(len(labels))
	barW := groupW * 0.8 / float64(max1(len(series)))
	for g, label := range labels {
		x0 := c.Left + groupW*float64(g) + groupW*0.1
		c.Labels = append(c.Labels, chartLabel{X: c.Left + groupW*(float64(g)+0.5), Text: label})
		for si, s := range series {
			v := s.Values[g]
			h := 0.0
			if top > 0 {
				h = plotH * float64(v) / float64(top)
			}
			c.Bars = append(c.Bars, chartBar{X: x0 + barW*float64(si), Y: c.Base - h, W: barW * 0.92, H: h, Series: si % 6,
				Value: v, Title: fmt.Sprintf("%s, %s: %d", label, s.Name, v), Label: v > 0 && barW >= 16})
		}
	}
	return c
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (and to an even
// number, so the middle tick is whole).
func niceCeil(v int) int {
	if v <= 0 {
		return 0
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{2, 4, 10} {
			if m*p >= v {
				return m * p
			}
		}
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func max1(n int) int { return maxInt(n, 1) }
