package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// rawAPI calls the API and returns the status and the body as sent.
func (e *testEnv) rawAPI(method, path, token, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	b := e.browser()
	a := b.do(req)
	return a.StatusCode, a.body
}

func TestAPITicketsListAndPages(t *testing.T) {
	e, _ := staffEnv(t)
	refs := sampleQueue(t, e)
	tok := e.token("ann")

	// The list is desk's page: each ticket is the object the CLI's
	// tickets list --json prints (tickets.Ticket as encoding/json writes
	// it), and next is null on the last page.
	st, body := e.rawAPI("GET", "/api/v1/tickets?view=all", tok, "")
	if st != 200 {
		t.Fatalf("list: %d %s", st, body)
	}
	page, err := e.desk.ListTickets(context.Background(), cliAgent("ann"), desk.TicketQuery{View: desk.ViewAll})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(page)
	if strings.TrimSpace(body) != strings.TrimSpace(htmlSafe(string(want))) {
		t.Errorf("the API's list is not desk's page as encoded:\n api %s\ndesk %s", body, want)
	}
	var list struct {
		Tickets []map[string]any `json:"tickets"`
		Next    *string          `json:"next"`
	}
	json.Unmarshal([]byte(body), &list)
	if len(list.Tickets) != 6 || list.Next != nil || !strings.Contains(body, `"next":null`) {
		t.Fatalf("list: %d tickets, next %v", len(list.Tickets), list.Next)
	}
	for _, k := range []string{"ref", "status", "subject", "requester", "created", "last_activity", "sensitive", "withheld"} {
		if _, ok := list.Tickets[0][k]; !ok {
			t.Errorf("a ticket lacks %q", k)
		}
	}

	// Pages by cursor, every ticket once.
	var seen []string
	path := "/api/v1/tickets?view=all&limit=4"
	for path != "" {
		st, body := e.rawAPI("GET", path, tok, "")
		if st != 200 {
			t.Fatalf("%s: %d %s", path, st, body)
		}
		list.Next = nil
		list.Tickets = nil
		json.Unmarshal([]byte(body), &list)
		for _, tk := range list.Tickets {
			seen = append(seen, tk["ref"].(string))
		}
		path = ""
		if list.Next != nil {
			path = "/api/v1/tickets?view=all&limit=4&cursor=" + url.QueryEscape(*list.Next)
		}
	}
	if len(seen) != 6 {
		t.Fatalf("paging saw %v", seen)
	}

	// Filters and search.
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"status=pending", []string{refs["assigned"]}},
		{"view=all&assignee=bob", []string{refs["assigned"]}},
		{"view=all&sensitive=true", []string{refs["sensitive"]}},
		{"view=all&withheld=true", []string{refs["withheld"]}},
		{"view=all&q=grocery&queue=support", []string{refs["long"]}},
		{"view=solved", []string{refs["solved"]}},
		{"view=mine", nil},
	} {
		_, out, _ := e.api("GET", "/api/v1/tickets?"+c.query, tok, nil)
		ts, _ := out["tickets"].([]any)
		var got []string
		for _, x := range ts {
			got = append(got, x.(map[string]any)["ref"].(string))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}

	// Mistakes are 400s with the error body.
	for _, q := range []string{"limit=abc", "limit=-1", "cursor=bm9wZQ", "view=nonsense", "status=lost", "sensitive=maybe"} {
		st, out, hdr := e.api("GET", "/api/v1/tickets?"+q, tok, nil)
		checkAPIError(t, q, st, out, hdr, 400, "bad_request")
	}
}

// htmlSafe is what writeJSON's HTML escaping makes of desk's encoding.
func htmlSafe(s string) string {
	return strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(s)
}

func TestAPITicketShowAndActions(t *testing.T) {
	e, _ := staffEnv(t)
	refs := sampleQueue(t, e)
	tok := e.token("ann")
	ref := refs["sensitive"]

	st, out, _ := e.api("GET", "/api/v1/tickets/"+ref, tok, nil)
	if st != 200 || out["ref"] != ref {
		t.Fatalf("show: %d %v", st, out["ref"])
	}
	msgs := out["messages"].([]any)
	m0 := msgs[0].(map[string]any)
	for _, k := range []string{"id", "kind", "from", "at", "text", "findings", "withheld"} {
		if _, ok := m0[k]; !ok {
			t.Errorf("a message lacks %q", k)
		}
	}
	if m0["kind"] != "inbound" || !strings.Contains(m0["text"].(string), "**** **** **** 1111") || len(m0["findings"].([]any)) != 2 {
		t.Errorf("the member's message: %v", m0)
	}

	// A note: 201, and the message as desk made it.
	st, out, _ = e.api("POST", "/api/v1/tickets/"+ref+"/notes", tok, map[string]string{"text": "Called back."})
	if st != 201 || out["kind"] != "note" || out["text"] != "Called back." || out["from"] != "ann" {
		t.Fatalf("note: %d %v", st, out)
	}
	// A reply: 202, queued.
	st, out, _ = e.api("POST", "/api/v1/tickets/"+ref+"/replies", tok, map[string]string{"text": "Refunded."})
	if st != 202 || out["kind"] != "reply" || out["delivery"].(map[string]any)["state"] != "pending" {
		t.Fatalf("reply: %d %v", st, out)
	}
	// A reply holding a card number: 422 sensitive_content, nothing kept.
	before := len(e.detail(ref).Messages)
	st, out, hdr := e.api("POST", "/api/v1/tickets/"+ref+"/replies", tok, map[string]string{"text": "Card 4111 1111 1111 1111 refunded."})
	checkAPIError(t, "a reply with a card number", st, out, hdr, 422, "sensitive_content")
	if msg, _ := out["error"].(map[string]any)["message"].(string); strings.Contains(msg, "1111") || !strings.Contains(msg, "payment card number") {
		t.Errorf("the refusal says %q", msg)
	}
	st, out, hdr = e.api("POST", "/api/v1/tickets/"+ref+"/notes", tok, map[string]string{"text": "SSN 489-36-8350"})
	checkAPIError(t, "a note with an SSN", st, out, hdr, 422, "sensitive_content")
	if n := len(e.detail(ref).Messages); n != before {
		t.Fatalf("refused texts were kept: %d messages, was %d", n, before)
	}

	// PATCH: status and assignee, "me" being the caller.
	st, out, _ = e.api("PATCH", "/api/v1/tickets/"+ref, tok, map[string]string{"status": "pending", "assignee": "me"})
	if st != 200 || out["status"] != "pending" || out["assignee"] != "ann" {
		t.Fatalf("patch: %d %v", st, out)
	}
	st, out, _ = e.api("PATCH", "/api/v1/tickets/"+ref, tok, map[string]any{"assignee": ""})
	if st != 200 || out["assignee"] != nil {
		t.Fatalf("unassign: %d %v", st, out)
	}
	// The thread now holds the note and the reply, in order, with kinds.
	_, out, _ = e.api("GET", "/api/v1/tickets/"+ref, tok, nil)
	var kinds []string
	for _, m := range out["messages"].([]any) {
		kinds = append(kinds, m.(map[string]any)["kind"].(string))
	}
	if strings.Join(kinds, ",") != "inbound,note,reply" {
		t.Errorf("thread kinds %v", kinds)
	}

	for _, c := range []struct {
		what, method, path, body string
		status                   int
		code                     string
	}{
		{"not JSON", "POST", "/notes", `text=hello`, 400, "bad_request"},
		{"an unknown field", "POST", "/notes", `{"text":"x","cc":"y"}`, 400, "bad_request"},
		{"no text", "POST", "/replies", `{}`, 400, "bad_request"},
		{"two values", "POST", "/notes", `{"text":"x"}{"text":"y"}`, 400, "bad_request"},
		{"an empty text", "POST", "/notes", `{"text":"   "}`, 422, "invalid"},
		{"nothing to change", "PATCH", "", `{}`, 400, "bad_request"},
		{"an unknown status", "PATCH", "", `{"status":"lost"}`, 422, "invalid"},
		{"back to new", "PATCH", "", `{"status":"new"}`, 422, "invalid"},
		{"a privacy officer as assignee", "PATCH", "", `{"assignee":"pat"}`, 422, "invalid"},
	} {
		st, body := e.rawAPI(c.method, "/api/v1/tickets/"+ref+c.path, tok, c.body)
		var out map[string]any
		json.Unmarshal([]byte(body), &out)
		checkAPIError(t, c.what, st, out, http.Header{"Content-Type": {"application/json"}}, c.status, c.code)
	}
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/tickets/T-ZZZZZZ", 404, "not_found"},
		{"/api/v1/tickets/nonsense", 400, "bad_request"},
		{"/api/v1/attachments/not-an-id", 404, "not_found"},
	} {
		st, out, hdr := e.api("GET", c.path, tok, nil)
		checkAPIError(t, c.path, st, out, hdr, c.status, c.code)
	}
	// Closed is final: a reply is a 409.
	if st, _, _ := e.api("PATCH", "/api/v1/tickets/"+ref, tok, map[string]string{"status": "closed"}); st != 200 {
		t.Fatalf("close: %d", st)
	}
	st, out, hdr = e.api("POST", "/api/v1/tickets/"+ref+"/replies", tok, map[string]string{"text": "More."})
	checkAPIError(t, "a reply to a closed ticket", st, out, hdr, 409, "conflict")

	// Every change by the API is audited under the token's user.
	evs, _ := e.store.ListAudit(context.Background(), 0, 0)
	n := 0
	for _, ev := range evs {
		if ev.Actor == "user:ann" && strings.HasPrefix(ev.Action, "ticket.") {
			n++
		}
	}
	if n < 5 {
		t.Errorf("%d ticket events by user:ann", n)
	}
}

// A download over the API is the same download as the page's.
func TestAPIAttachment(t *testing.T) {
	e, _ := staffEnv(t)
	acc := e.file(mail{subject: "Files", body: "x", attachments: []tickets.Attachment{{Name: "page.html", ContentType: "text/html", Content: []byte("<b>x</b>")}}})
	id := e.detail(acc.Ref).Messages[0].Attachments[0].ID
	st, out, hdr := e.api("GET", "/api/v1/attachments/"+id.String(), e.token("ann"), nil)
	if st != 200 || out["raw"] != "<b>x</b>" || hdr.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment;") || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("API download: %d %v", st, hdr)
	}
}
