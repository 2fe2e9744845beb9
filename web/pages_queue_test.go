package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/tickets"
)

var rowRefRe = regexp.MustCompile(`<span class="ref">(T-[0-9A-Z]{6})</span>`)

// refsOn are the refs of the queue rows on a page, in order.
func refsOn(body string) []string {
	var refs []string
	for _, m := range rowRefRe.FindAllStringSubmatch(body, -1) {
		refs = append(refs, m[1])
	}
	return refs
}

// rowOf is the table row of ref on a queue page.
func rowOf(body, ref string) string {
	i := strings.Index(body, `<span class="ref">`+ref+`</span>`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

func TestQueueViewsAndOrder(t *testing.T) {
	e, b := staffEnv(t)
	refs := sampleQueue(t, e)
	open := []string{refs["followup"], refs["sensitive"], refs["long"], refs["withheld"]} // newest activity first

	for _, c := range []struct {
		path string
		want []string
	}{
		{"/", open},
		{"/?view=open", open},
		{"/?view=unassigned", open},
		{"/?view=pending", []string{refs["assigned"]}},
		{"/?view=solved", []string{refs["solved"]}},
		{"/?view=all", append([]string{refs["assigned"]}, append(open, refs["solved"])...)},
		{"/?view=mine", nil},
		{"/?view=all&assignee=bob", []string{refs["assigned"]}},
		{"/?view=all&status=pending", []string{refs["assigned"]}},
		{"/?view=open&status=pending", nil}, // pending is not in "all open"
		{"/?view=all&sensitive=yes", []string{refs["sensitive"]}},
		{"/?view=all&withheld=yes", []string{refs["withheld"]}},
		{"/?view=all&withheld=no&sensitive=no&status=new", []string{refs["followup"], refs["long"]}},
		{"/?view=all&queue=support&q=grocery", []string{refs["long"]}},
		{"/?view=all&queue=billing", nil},
		{"/?view=all&q=loan+papers", []string{refs["withheld"]}},
	} {
		a := b.get(c.path)
		if a.StatusCode != 200 {
			t.Errorf("%s: %d", c.path, a.StatusCode)
			continue
		}
		if got := refsOn(a.body); !slices.Equal(got, c.want) {
			t.Errorf("%s: rows %v, want %v", c.path, got, c.want)
		}
		if len(c.want) == 0 && !strings.Contains(a.body, `class="card empty"`) {
			t.Errorf("%s: no empty state", c.path)
		}
	}

	// Badges, requester, assignee and status of a row.
	a := b.get("/?view=all")
	for ref, want := range map[string][]string{
		refs["sensitive"]: {"sensitive number removed", "Margaret Hamilton", "margaret@<wbr>member<wbr>.example", `status-new`},
		refs["withheld"]:  {"attachment withheld", "Ada Lovelace"},
		refs["assigned"]:  {"<td class=\"c-assignee\">bob</td>", "status-pending"},
		refs["followup"]:  {"follow-up of " + refs["solved"] + "?"},
	} {
		row := rowOf(a.body, ref)
		for _, w := range want {
			if !strings.Contains(row, w) {
				t.Errorf("row of %s lacks %q:\n%s", ref, w, row)
			}
		}
	}
	if row := rowOf(a.body, refs["long"]); strings.Contains(row, "badge-sensitive") || strings.Contains(row, "badge-withheld") {
		t.Errorf("a clean ticket has a badge: %s", row)
	}
	// Ages and activity as a person reads them, the instant in <time>.
	if row := rowOf(a.body, refs["solved"]); !regexp.MustCompile(`<time datetime="[0-9T:-]+Z" title="Filed [^"]+">\d+ min</time>`).MatchString(row) {
		t.Errorf("age of %s: %s", refs["solved"], row)
	}

	// A member's follow-up moves the ticket up: verified, from the
	// requester, naming the ref.
	e.clock.Advance(time.Minute)
	e.file(mail{subject: "Re: Loan papers attached", from: "ada@member.example", body: "The password is on its way.",
		subjectRef: refs["withheld"], verified: true, auth: tickets.AuthVerdicts{SPF: "pass", DMARC: "pass"}})
	if got := refsOn(b.get("/").body); len(got) == 0 || got[0] != refs["withheld"] {
		t.Errorf("after a follow-up the queue starts %v, want %s first", got, refs["withheld"])
	}

	// Mine, once something is mine.
	if a := b.post("/t/"+refs["long"]+"/assign", formOf("assignee", "me", csrfField, csrfToken(b.session()))); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign to me: %d", a.StatusCode)
	}
	if got := refsOn(b.get("/?view=mine").body); !slices.Equal(got, []string{refs["long"]}) {
		t.Errorf("mine: %v", got)
	}
	if got := refsOn(b.get("/?view=all&assignee=me").body); !slices.Equal(got, []string{refs["long"]}) {
		t.Errorf("assignee=me: %v", got)
	}
}

func TestQueuePagesForward(t *testing.T) {
	e, b := staffEnv(t)
	sampleQueue(t, e)
	e.srv.pageSize = 2
	all := refsOn(b.get("/?view=all&sensitive=").body)
	if len(all) != 2 {
		t.Fatalf("first page: %v", all)
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next"`)
	path := "/?view=all"
	var seen []string
	for i := 0; i < 10; i++ {
		a := b.get(path)
		seen = append(seen, refsOn(a.body)...)
		if i > 0 && !strings.Contains(a.body, "First page") {
			t.Errorf("page %d has no way back to the first", i+1)
		}
		m := next.FindStringSubmatch(a.body)
		if m == nil {
			break
		}
		path = strings.ReplaceAll(m[1], "&amp;", "&")
		if !strings.Contains(path, "view=all") || !strings.Contains(path, "cursor=") {
			t.Fatalf("the next page's link %q lost the view or has no cursor", path)
		}
	}
	if len(seen) != 6 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 6 {
		t.Fatalf("paging saw %d rows (%v), want the 6 tickets once each", len(seen), seen)
	}
}

func TestQueueRefusesBadFilters(t *testing.T) {
	_, b := staffEnv(t)
	for _, path := range []string{"/?cursor=bm9wZQ", "/?view=nonsense", "/?sensitive=maybe", "/?status=lost", "/?q=" + strings.Repeat("word+", 40)} {
		a := b.get(path)
		if a.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "notice-problem") {
			t.Errorf("%s: %d, want 400 with the problem on the queue page", path, a.StatusCode)
		}
	}
}

// Member text in the queue is text: a subject of markup is shown
// escaped.
func TestQueueEscapesMemberText(t *testing.T) {
	e, b := staffEnv(t)
	e.file(mail{subject: `<img src=x onerror="window.pwned=1">`, fromName: `<script>alert(1)</script>`, body: "x"})
	a := b.get("/")
	if strings.Contains(a.body, "<img src=x") || strings.Contains(a.body, "<script>alert") {
		t.Fatal("member markup reached the queue page unescaped")
	}
	if !strings.Contains(a.body, "&lt;img src=x onerror=&#34;window.pwned=1&#34;&gt;") {
		t.Fatal("the subject is not shown (escaped)")
	}
}

func TestAddrBreaksEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"ann@member.example":        "ann@<wbr>member<wbr>.example",
		`"<b>"@x.example`:           `&#34;&lt;b&gt;&#34;@<wbr>x<wbr>.example`,
		".lead@dot":                 ".lead@<wbr>dot",
		"****1111@bank.example":     "****1111@<wbr>bank<wbr>.example",
		"<script>alert(1)</script>": "&lt;script&gt;alert(1)&lt;/script&gt;",
	} {
		if got := string(addrBreaks(in)); got != want {
			t.Errorf("addrBreaks(%q) = %q, want %q", in, got, want)
		}
	}
}
