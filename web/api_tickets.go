package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// Tickets over the API (DESIGN.md, "Contracts"; docs/API.md has a curl
// example of each). The objects are desk's, encoded as they are, so the
// CLI's --json and the API answer the same:
//
//	GET   /api/v1/tickets?view=&status=&queue=&assignee=&q=&sensitive=&withheld=&limit=&cursor=
//	                                   → {"tickets":[Ticket...],"next":CURSOR|null}
//	GET   /api/v1/tickets/REF          → TicketView, "messages" in order
//	POST  /api/v1/tickets/REF/notes {"text"}   → 201 MessageView
//	POST  /api/v1/tickets/REF/replies {"text"} → 202 MessageView, or 422 sensitive_content
//	PATCH /api/v1/tickets/REF {"status","assignee"} → 200 Ticket
//	GET   /api/v1/attachments/ID       → the clean attachment's bytes, as a download

func badParam(format string, args ...any) error {
	e := &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest}
	e.Message = fmt.Sprintf(format, args...)
	return e
}

// ticketQuery reads a list call's query string. "me" as the assignee is
// the caller.
func ticketQuery(v url.Values, a desk.Actor) (desk.TicketQuery, error) {
	q := desk.TicketQuery{View: v.Get("view"), Status: tickets.Status(v.Get("status")), Queue: v.Get("queue"),
		Assignee: v.Get("assignee"), Q: v.Get("q"), Cursor: v.Get("cursor")}
	if q.Assignee == "me" {
		q.Assignee = a.Name
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return q, badParam("limit must be a whole number from 1 to %d", desk.MaxPageSize)
		}
		q.Limit = n
	}
	var ok bool
	if q.Sensitive, ok = yesNo(v.Get("sensitive")); !ok {
		return q, badParam("sensitive takes true or false")
	}
	if q.Withheld, ok = yesNo(v.Get("withheld")); !ok {
		return q, badParam("withheld takes true or false")
	}
	return q, nil
}

func (s *Server) apiListTickets(r *http.Request, c *Call) (int, any, error) {
	q, err := ticketQuery(r.URL.Query(), c.Actor)
	if err != nil {
		return 0, nil, err
	}
	page, err := s.desk.ListTickets(r.Context(), c.Actor, q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, page, nil
}

func (s *Server) apiShowTicket(r *http.Request, c *Call) (int, any, error) {
	v, err := s.desk.ShowTicket(r.Context(), c.Actor, r.PathValue("ref"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

// textBody is what notes and replies take.
type textBody struct {
	Text *string `json:"text"`
}

func readText(r *http.Request) (string, error) {
	var b textBody
	if err := decodeJSON(r, &b); err != nil {
		return "", err
	}
	if b.Text == nil {
		return "", badParam(`the body needs "text"`)
	}
	return *b.Text, nil
}

func (s *Server) apiAddNote(r *http.Request, c *Call) (int, any, error) {
	text, err := readText(r)
	if err != nil {
		return 0, nil, err
	}
	m, err := s.desk.AddNote(r.Context(), c.Actor, r.PathValue("ref"), text)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, m, nil
}

// apiReply answers 202: the reply is queued; the outbox sends it, and
// its delivery state shows in the ticket's thread.
func (s *Server) apiReply(r *http.Request, c *Call) (int, any, error) {
	text, err := readText(r)
	if err != nil {
		return 0, nil, err
	}
	m, err := s.desk.Reply(r.Context(), c.Actor, r.PathValue("ref"), text)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, m, nil
}

func (s *Server) apiUpdateTicket(r *http.Request, c *Call) (int, any, error) {
	var p desk.Patch
	if err := decodeJSON(r, &p); err != nil {
		return 0, nil, err
	}
	if p.Assignee != nil && *p.Assignee == "me" {
		p.Assignee = &c.Actor.Name
	}
	t, err := s.desk.Update(r.Context(), c.Actor, r.PathValue("ref"), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, t, nil
}

// attachmentAnswer sends an attachment as serveAttachment does.
type attachmentAnswer struct{ att *tickets.Attachment }

func (a attachmentAnswer) answer(w http.ResponseWriter, r *http.Request) {
	serveAttachment(w, r, a.att)
}

func (s *Server) apiAttachment(r *http.Request, c *Call) (int, any, error) {
	id, err := attachmentID(r)
	if err != nil {
		return 0, nil, err
	}
	att, err := s.desk.Attachment(r.Context(), c.Actor, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, attachmentAnswer{att}, nil
}
