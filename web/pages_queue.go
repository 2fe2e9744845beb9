package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// The queue, /: a tab per view, filters and a search as a GET form (so a
// filtered queue is a link one can share or bookmark), the most recently
// active tickets first, and keyset pages (desk's cursor) forward.

// queueViews are the tabs, in order; "open" is the default.
var queueViews = []struct{ name, label string }{
	{desk.ViewUnassigned, "Unassigned"},
	{desk.ViewMine, "Mine"},
	{desk.ViewOpen, "All open"},
	{desk.ViewPending, "Pending"},
	{desk.ViewSolved, "Solved"},
	{desk.ViewAll, "Everything"},
}

const defaultView = desk.ViewOpen

// queueFilter is the queue's query as the form holds it.
type queueFilter struct {
	View, Status, Queue, Assignee, Sensitive, Withheld, Q string
	Cursor                                                string
}

func (f queueFilter) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	if f.View != defaultView {
		set("view", f.View)
	}
	set("status", f.Status)
	set("queue", f.Queue)
	set("assignee", f.Assignee)
	set("sensitive", f.Sensitive)
	set("withheld", f.Withheld)
	set("q", f.Q)
	set("cursor", f.Cursor)
	return v
}

// url is the queue with f applied.
func (f queueFilter) url() string {
	if q := f.values().Encode(); q != "" {
		return "/?" + q
	}
	return "/"
}

// narrowed tells whether anything beyond the view is applied.
func (f queueFilter) narrowed() bool {
	return f.Status != "" || f.Queue != "" || f.Assignee != "" || f.Sensitive != "" || f.Withheld != "" || f.Q != ""
}

type viewTab struct {
	Label, URL string
	Current    bool
}

type queueRow struct {
	tickets.Ticket
	URL string
	// Age is since the ticket was filed, Activity since its last message,
	// both short ("5 min", "3 h", "2 d"); the *At fields are for <time>.
	Age, Activity string
}

type queueData struct {
	Tabs      []viewTab
	Filter    queueFilter
	Statuses  []tickets.Status
	Assignees []string
	Rows      []queueRow
	Next      string // the next page's URL, "" on the last
	First     string // the first page's URL, when this is a later one
	Reset     string // the view without filters, when filters are applied
	Problem   string
	ViewLabel string
	EmptyHint string // what an empty view would hold
	NoQueue   bool   // the actor does not work tickets
}

var emptyHints = map[string]string{
	desk.ViewUnassigned: "Every open ticket has someone on it.",
	desk.ViewMine:       "Tickets assigned to you appear here; “Assign to me” on a ticket puts it here.",
	desk.ViewOpen:       "New mail to the support address appears here.",
	desk.ViewPending:    "Tickets waiting for the member's answer appear here.",
	desk.ViewSolved:     "Solved tickets appear here until they are closed.",
	desk.ViewAll:        "Nothing has been filed yet.",
}

var allStatuses = []tickets.Status{tickets.StatusNew, tickets.StatusOpen, tickets.StatusPending,
	tickets.StatusSolved, tickets.StatusClosed, tickets.StatusSpam}

func parseQueueFilter(q url.Values) queueFilter {
	f := queueFilter{
		View: q.Get("view"), Status: q.Get("status"), Queue: strings.TrimSpace(q.Get("queue")),
		Assignee: q.Get("assignee"), Sensitive: q.Get("sensitive"), Withheld: q.Get("withheld"),
		Q: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor"),
	}
	if f.View == "" {
		f.View = defaultView
	}
	return f
}

// yesNo reads a yes/no filter: nil for any.
func yesNo(s string) (*bool, bool) {
	switch s {
	case "":
		return nil, true
	case "yes", "true":
		return ptrTo(true), true
	case "no", "false":
		return ptrTo(false), true
	}
	return nil, false
}

func ptrTo[T any](v T) *T { return &v }

func (s *Server) queue(w http.ResponseWriter, r *http.Request, p *Page) {
	f := parseQueueFilter(r.URL.Query())
	d := queueData{Filter: f, Statuses: allStatuses, EmptyHint: emptyHints[f.View]}
	for _, v := range queueViews {
		t := viewTab{Label: v.label, URL: queueFilter{View: v.name, Q: f.Q}.url(), Current: v.name == f.View}
		if t.Current {
			d.ViewLabel = v.label
		}
		d.Tabs = append(d.Tabs, t)
	}
	if f.narrowed() {
		d.Reset = queueFilter{View: f.View}.url()
	}
	if f.Cursor != "" {
		first := f
		first.Cursor = ""
		d.First = first.url()
	}
	if !p.Actor.Has(tickets.RoleAgent) && !p.Actor.Has(tickets.RoleAdmin) {
		// A privacy officer logs in here too; the queue is not theirs.
		d.NoQueue = true
		s.render(w, r, http.StatusOK, "queue", pageView(p, "Queue", "queue", d))
		return
	}
	if names, err := s.desk.Assignees(r.Context(), p.Actor); err == nil {
		d.Assignees = names
	} else if de := desk.AsError(err); de.Status != http.StatusForbidden {
		s.fail(w, r, p, err)
		return
	}

	q := desk.TicketQuery{View: f.View, Status: tickets.Status(f.Status), Queue: f.Queue, Q: f.Q, Cursor: f.Cursor, Limit: s.pageSize}
	q.Assignee = f.Assignee
	if q.Assignee == "me" {
		q.Assignee = p.Actor.Name
	}
	var ok1, ok2 bool
	q.Sensitive, ok1 = yesNo(f.Sensitive)
	q.Withheld, ok2 = yesNo(f.Withheld)
	status := http.StatusOK
	var page desk.TicketPage
	var err error
	if !ok1 || !ok2 {
		err = &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest, Message: "the sensitive and withheld filters take yes or no"}
	} else {
		page, err = s.desk.ListTickets(r.Context(), p.Actor, q)
	}
	if err != nil {
		de := desk.AsError(err)
		if de.Status != http.StatusBadRequest {
			s.fail(w, r, p, err)
			return
		}
		d.Problem, status = capital(de.Message)+".", de.Status
	}
	now := s.now()
	for _, t := range page.Tickets {
		d.Rows = append(d.Rows, queueRow{Ticket: t, URL: "/t/" + t.Ref, Age: since(now, t.Created), Activity: since(now, t.LastActivity)})
	}
	if page.Next != "" {
		next := f
		next.Cursor = page.Next
		d.Next = next.url()
	}
	s.render(w, r, status, "queue", pageView(p, "Queue", "queue", d))
}

// since says how long ago t was, as a person glancing at a queue reads
// it.
func since(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "—"
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return itoa(int(d/time.Hour)) + " h"
	case d < 60*24*time.Hour:
		return itoa(int(d/(24*time.Hour))) + " d"
	case d < 2*365*24*time.Hour:
		return itoa(int(d/(30*24*time.Hour))) + " mo"
	}
	return itoa(int(d/(365*24*time.Hour))) + " y"
}
