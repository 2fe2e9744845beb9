package main

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/internal/leakcheck"
)

// The corpus the report test files through the gateway: test numbers
// only (generated SSNs, the card networks' published test cards).
var (
	reportSSNs  = []string{"489-36-8350", "512-43-7786", "371-52-6410", "402-71-9386"}
	reportCards = []string{"4111 1111 1111 1111", "5555 5555 5555 4444"}
)

// sevenZip is a mail with a 7-Zip attachment: a format the scanner knows
// and cannot read, so the part is withheld (unsupported).
func sevenZip(from string) string {
	data := base64.StdEncoding.EncodeToString(append([]byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4}, []byte(strings.Repeat("packed bytes ", 20))...))
	raw, _ := memberMail(from, "Ada Lovelace", "Notes attached", "", "MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="b1"`)
	return strings.TrimSuffix(raw, "\n") + "--b1\nContent-Type: text/plain\n\nMy notes are attached.\n--b1\n" +
		"Content-Type: application/x-7z-compressed; name=\"notes.7z\"\nContent-Disposition: attachment; filename=\"notes.7z\"\n" +
		"Content-Transfer-Encoding: base64\n\n" + data + "\n--b1--\n"
}

// statementFile is a mail whose text attachment holds an SSN: the file is
// withheld from staff (a number in a file is never masked in place), and
// the report counts it withheld, reason "sensitive".
func statementFile(from string) string {
	raw, _ := memberMail(from, "Ada Byron", "Statement attached", "", "MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="b1"`)
	return strings.TrimSuffix(raw, "\n") + "--b1\nContent-Type: text/plain\n\nMy statement is attached.\n--b1\n" +
		"Content-Type: text/plain; name=\"statement.txt\"\nContent-Disposition: attachment; filename=\"statement.txt\"\n\n" +
		"Statement for March\nSocial Security number: " + reportSSNs[3] + "\n--b1--\n"
}

// TestServeReportCountsCorpus files a known corpus through serve's SMTP
// listener (clean mail, SSNs, cards, both, a withheld attachment), lets
// a privacy officer fetch two sealed originals and the operator purge
// one, and reads the compliance report as JSON, CSV and text from the
// CLI, as the page, its CSV download and the API: every way, the counts
// are what was filed, and none of them holds a filed number or its last
// four.
func TestServeReportCountsCorpus(t *testing.T) {
	s := startStaffServe(t)
	s.addStaff(t, "pia", "privacy")
	start := time.Now().UTC()

	mails := []struct{ from, subject, body string }{
		{"alan@member.test", "Change of address", "I moved to Bletchley Park."},
		{"grace@member.test", "Statement for March", "Could you send me the statement for March?"},
		{"edsger@member.test", "Thank you", "Thanks for the quick help."},
		{"margaret@member.test", "My login", "My SSN is " + reportSSNs[0] + ", I cannot log in."},
		{"barbara@member.test", "Tax form", "For the form: " + reportSSNs[1] + "."},
		{"katherine@member.test", "Card stolen", "Please block card " + reportCards[0] + " now."},
		{"dorothy@member.test", "Everything", "SSN " + reportSSNs[2] + " and card " + reportCards[1] + "."},
	}
	for _, m := range mails {
		raw, _ := memberMail(m.from, "A Member", m.subject, m.body)
		s.mailRaw(t, m.from, raw)
	}
	s.mailRaw(t, "ada@member.test", sevenZip("ada@member.test"))
	s.mailRaw(t, "byron@member.test", statementFile("byron@member.test"))
	want := map[string]int{"messages_received": 9, "messages_sensitive": 5, "messages_with_ssn": 4, "messages_with_card": 2,
		"messages_withheld": 2, "withheld_by_reason unsupported": 1, "withheld_by_reason sensitive": 1, "purged_on_time": 1, "purged_late": 0,
		"quarantine_access user:pia quarantine.fetch": 2, "quarantine_access cli:" + osUserName() + " quarantine.purge": 1,
		"quarantine_access user:pia quarantine.view": 1} // her listing of the items, below

	// The privacy officer fetches two originals; the operator purges one.
	tok := s.token(t, "pia")
	code, body := apiGet(t, s.web, "/api/v1/quarantine", tok)
	var items struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if code != 200 || json.Unmarshal(body, &items) != nil || len(items.Items) != 6 {
		t.Fatalf("quarantine list: %d %s (want 6 items: 5 sensitive, 1 unreadable)", code, body)
	}
	for _, it := range items.Items[:2] {
		if code, _ := apiGet(t, s.web, "/api/v1/quarantine/"+it.ID+"/sealed", tok); code != 200 {
			t.Fatalf("fetch %s: %d", it.ID, code)
		}
	}
	if code, _, errOut := s.cli(t, "", "quarantine", "purge", items.Items[2].ID); code != 0 {
		t.Fatalf("quarantine purge: %d %s", code, errOut)
	}

	// Mail sent, by kind: what the outbox delivered, once it is done.
	sent := map[string]int{}
	for deadline := time.Now().Add(30 * time.Second); ; {
		code, out, _ := s.cli(t, "", "outbox", "list", "--json")
		if code != 0 {
			t.Fatalf("outbox list: %d", code)
		}
		pending := 0
		clear(sent)
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var j struct{ Kind, State string }
			if line == "" || json.Unmarshal([]byte(line), &j) != nil {
				continue
			}
			switch j.State {
			case "pending":
				pending++
			case "done":
				sent[j.Kind]++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outbox jobs still pending", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if desk.Sum(sent) == 0 || desk.Sum(sent) != len(s.relay.received()) {
		t.Fatalf("the outbox says %v were sent; the smarthost got %d", sent, len(s.relay.received()))
	}
	for k, n := range sent {
		want["sent_by_kind "+k] = n
	}

	since := start.AddDate(0, 0, -8).Format(time.DateOnly)
	until := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	args := []string{"report", "--since", since, "--until", until, "--period", "week"}
	check := leakcheck.New(append(digitsOf(reportSSNs), digitsOf(reportCards)...)...)
	outputs := map[string]string{}
	compare := func(what string, got map[string]int) {
		t.Helper()
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %s = %d, want %d", what, k, got[k], n)
			}
		}
		for k, n := range got {
			if _, ok := want[k]; !ok && n != 0 {
				t.Errorf("%s: %s = %d, and nothing of it was filed", what, k, n)
			}
		}
	}

	// The CLI: JSON, CSV, text.
	code, out, errOut := s.cli(t, "", append(args, "--json")...)
	if code != 0 {
		t.Fatalf("report --json: %d %s", code, errOut)
	}
	outputs["intake report --json"] = out
	var rep desk.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	compare("report --json", totals(rep.Total))
	var sum desk.ReportPeriod
	for _, p := range rep.Periods {
		sum.Received += p.Received
		sum.WithSSN += p.WithSSN
	}
	if len(rep.Periods) < 2 || sum.Received != rep.Total.Received || sum.WithSSN != rep.Total.WithSSN {
		t.Errorf("the %d weeks add up to %d received, %d with SSN; the total says %d, %d", len(rep.Periods), sum.Received, sum.WithSSN, rep.Total.Received, rep.Total.WithSSN)
	}
	code, out, _ = s.cli(t, "", append(args, "--csv")...)
	if code != 0 {
		t.Fatalf("report --csv: %d", code)
	}
	outputs["intake report --csv"] = out
	compare("report --csv", csvTotals(t, out, rep))
	code, out, _ = s.cli(t, "", args...)
	if code != 0 || !strings.Contains(out, "quarantine access, by person") {
		t.Fatalf("report (text): %d\n%s", code, out)
	}
	outputs["intake report"] = out

	// The page, its CSV download, the API: as the privacy officer.
	c := s.login(t, "pia")
	q := "?since=" + since + "&until=" + until + "&period=week"
	code, page, _ := c.get("/report" + q)
	if code != 200 {
		t.Fatalf("GET /report: %d", code)
	}
	outputs["the report page"] = string(page)
	compare("the page", pageTotals(t, string(page)))
	if n := strings.Count(string(page), `<rect class="bar`); n == 0 {
		t.Error("the page draws no bars")
	}
	code, csvBody, hdr := c.get("/report.csv" + q)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("GET /report.csv: %d %v", code, hdr)
	}
	outputs["report.csv"] = string(csvBody)
	compare("report.csv", csvTotals(t, string(csvBody), rep))
	code, apiBody := apiGet(t, s.web, "/api/v1/report"+q, tok)
	if code != 200 {
		t.Fatalf("GET /api/v1/report: %d %s", code, apiBody)
	}
	outputs["GET /api/v1/report"] = string(apiBody)
	var apiRep desk.Report
	if err := json.Unmarshal(apiBody, &apiRep); err != nil {
		t.Fatal(err)
	}
	compare("the API", totals(apiRep.Total))

	// Counts only: no number, no last four, anywhere.
	leaks := check.NewReport()
	tags := regexp.MustCompile(`<[^>]*>`)
	for what, o := range outputs {
		leaks.Bytes(what, []byte(o))
		text := tags.ReplaceAllString(o, " ")
		for i := 0; i < check.Len(); i++ {
			if strings.Contains(text, check.Last4(i)) {
				t.Errorf("%s holds the last four of filed number %d", what, i+1)
			}
		}
	}
	leaks.Fail(t)
}

func digitsOf(ns []string) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = leakcheck.Digits(n)
	}
	return out
}

// totals flattens a period's counts as the CSV names them.
func totals(p desk.ReportPeriod) map[string]int {
	m := map[string]int{"messages_received": p.Received, "messages_sensitive": p.Sensitive, "messages_with_ssn": p.WithSSN,
		"messages_with_card": p.WithCard, "messages_withheld": p.Withheld, "purged_on_time": p.PurgedOnTime, "purged_late": p.PurgedLate}
	for k, n := range p.WithheldBy {
		m["withheld_by_reason "+k] = n
	}
	for k, n := range p.Sent {
		m["sent_by_kind "+k] = n
	}
	for who, acts := range p.Accesses {
		for act, n := range acts {
			m["quarantine_access "+who+" "+act] = n
		}
	}
	return m
}

// csvTotals reads the total rows (the whole period) of the report's CSV.
func csvTotals(t *testing.T, body string, rep desk.Report) map[string]int {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "period_start,period_end,metric,key,count" {
		t.Fatalf("the CSV: %v\n%s", err, body)
	}
	m := map[string]int{}
	for _, r := range rows[1:] {
		if r[0] != rep.Since.Format(time.RFC3339) || r[1] != rep.Until.Format(time.RFC3339) || r[2] == "overdue_items" {
			continue
		}
		n, err := strconv.Atoi(r[4])
		if err != nil {
			t.Fatalf("CSV row %v", r)
		}
		k := r[2]
		if r[3] != "" {
			k += " " + r[3]
		}
		m[k] = n
	}
	return m
}

var (
	totalRowRe = regexp.MustCompile(`(?s)<tr class="total" data-period="total">(.*?)</tr>`)
	cellRe     = regexp.MustCompile(`data-metric="([a-z_]+)"(?: data-key="([^"]*)")?>(\d+)<`)
	reasonRe   = regexp.MustCompile(`<td class="num" data-key="([a-z_]+)">(\d+)</td>`)
	accessRe   = regexp.MustCompile(`<tr><td>([^<]+)</td><td><code>([a-z_.]+)</code></td><td class="num">(\d+)</td></tr>`)
)

// pageTotals reads the report page's total row and its two tables.
func pageTotals(t *testing.T, page string) map[string]int {
	t.Helper()
	row := totalRowRe.FindStringSubmatch(page)
	if row == nil {
		t.Fatalf("the page has no total row")
	}
	m := map[string]int{}
	for _, c := range cellRe.FindAllStringSubmatch(row[1], -1) {
		n, _ := strconv.Atoi(c[3])
		switch {
		case c[1] == "quarantine_access":
			// the row holds the sum; the table below each person
		case c[2] != "":
			m[c[1]+" "+c[2]] = n
		default:
			m[c[1]] = n
		}
	}
	for _, c := range reasonRe.FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(c[2])
		m["withheld_by_reason "+c[1]] = n
	}
	for _, c := range accessRe.FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(c[3])
		m["quarantine_access "+c[1]+" "+c[2]] = n
	}
	return m
}
