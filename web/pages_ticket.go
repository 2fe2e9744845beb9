package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// /t/REF: one ticket and its whole thread, and the forms that act on it.
// Member text is shown only as the masked text desk gives (never the
// member's HTML), through html/template's escaping, in an element that
// keeps its line breaks.

// formState is what a reply or note form shows again after a refusal:
// the text as typed, and why it was refused.
type formState struct {
	Text    string
	Problem string
}

type ticketData struct {
	T        *desk.TicketView
	Messages []messageData
	// RelatedURL links RelatedRef ("possible follow-up of T-...").
	RelatedURL string
	Statuses   []tickets.Status // what the status may be set to
	Assignees  []string
	Done       string // what the last action did, in words
	Reply      formState
	Note       formState
	Problem    string // a refused assign or status change
	CanReply   bool   // open to replies (not closed or spam)
	CanChange  bool   // not closed
	// Sender is the first message's sender verdict, for the header.
	SenderVerified bool
}

// messageData is one entry of the thread as the page shows it.
type messageData struct {
	desk.MessageView
	Anchor    string // the element id, for links to it
	Label     string // "Member", "Auto-reply", "Staff reply", "Internal note"
	Class     string // the CSS modifier of its kind
	Downloads []download
	// Extracted is the masked text read from attachments, shown folded.
	Extracted []tickets.Part
	// RepairedWhere says where bytes that were not text were replaced.
	RepairedWhere []string
	// NoReply: the gateway kept why no auto-reply went with this message
	// (ReplyWhy says it; a queued one shows as its own entry).
	NoReply bool
}

type download struct {
	Name, URL, Type, Size string
}

// doneWords are the notices after a successful action (?done=...).
var doneWords = map[string]string{
	"reply":    "Your reply is queued; its delivery state shows below.",
	"note":     "Your note is added.",
	"assign":   "The assignment is changed.",
	"unassign": "The ticket is unassigned.",
	"status":   "The status is changed.",
}

func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request, p *Page) {
	d, err := s.ticketData(r, p)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d.Done = doneWords[r.URL.Query().Get("done")]
	s.renderTicket(w, r, p, http.StatusOK, d)
}

func (s *Server) renderTicket(w http.ResponseWriter, r *http.Request, p *Page, status int, d *ticketData) {
	s.render(w, r, status, "ticket", pageView(p, d.T.Ref+" · "+clipRunes(d.T.Subject, 60), "queue", d))
}

// ticketData loads what the ticket page shows.
func (s *Server) ticketData(r *http.Request, p *Page) (*ticketData, error) {
	v, err := s.desk.ShowTicket(r.Context(), p.Actor, r.PathValue("ref"))
	if err != nil {
		return nil, err
	}
	names, err := s.desk.Assignees(r.Context(), p.Actor)
	if err != nil {
		return nil, err
	}
	d := &ticketData{T: v, Assignees: names}
	if v.RelatedRef != "" {
		d.RelatedURL = "/t/" + v.RelatedRef
	}
	d.CanChange = v.Status != tickets.StatusClosed
	d.CanReply = d.CanChange && v.Status != tickets.StatusSpam
	if d.CanChange {
		for _, st := range allStatuses {
			if st == v.Status || tickets.CheckTransition(v.Status, st) == nil {
				d.Statuses = append(d.Statuses, st)
			}
		}
	}
	for i, m := range v.Messages {
		if i == 0 {
			d.SenderVerified = m.SenderVerified
		}
		d.Messages = append(d.Messages, messageOf(m))
	}
	return d, nil
}

func messageOf(m desk.MessageView) messageData {
	md := messageData{MessageView: m, Anchor: "m-" + m.ID.String(), RepairedWhere: repairedWords(m)}
	md.NoReply = m.ReplyDecision != "" && m.ReplyDecision != tickets.ReplyQueued
	switch m.Kind {
	case tickets.KindInbound:
		md.Label, md.Class = "Member", "inbound"
	case tickets.KindAutoReply:
		md.Label, md.Class = "Auto-reply", "auto"
	case tickets.KindReply:
		md.Label, md.Class = "Staff reply", "reply"
	case tickets.KindNote:
		md.Label, md.Class = "Internal note", "note"
	default:
		md.Label, md.Class = "Sent", "reply"
	}
	for _, a := range m.Attachments {
		md.Downloads = append(md.Downloads, download{
			Name: a.Name, URL: "/attachments/" + a.ID.String(), Type: a.ContentType, Size: byteSize(a.Size),
		})
	}
	for _, part := range m.Parts {
		if !part.Withheld && part.Text != "" && strings.HasPrefix(part.Where, "attachment:") {
			md.Extracted = append(md.Extracted, part)
		}
	}
	return md
}

// byteSize is a size as people read it.
func byteSize(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1024*1024:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
	}
	return strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64) + " MiB"
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// The actions. Each is a POST form carrying the CSRF token (page checks
// it); success redirects back to the ticket (redirect-after-post), a
// refusal the staff member can fix shows the page again with what was
// typed and why, and anything else is the error page.

func (s *Server) postReply(w http.ResponseWriter, r *http.Request, p *Page) {
	text := formText(r)
	m, err := s.desk.Reply(r.Context(), p.Actor, r.PathValue("ref"), text)
	if err != nil {
		s.refused(w, r, p, err, func(d *ticketData, msg string) { d.Reply = formState{Text: text, Problem: msg} })
		return
	}
	s.backToTicket(w, r, "reply", "m-"+m.ID.String())
}

func (s *Server) postNote(w http.ResponseWriter, r *http.Request, p *Page) {
	text := formText(r)
	m, err := s.desk.AddNote(r.Context(), p.Actor, r.PathValue("ref"), text)
	if err != nil {
		s.refused(w, r, p, err, func(d *ticketData, msg string) { d.Note = formState{Text: text, Problem: msg} })
		return
	}
	s.backToTicket(w, r, "note", "m-"+m.ID.String())
}

func (s *Server) postAssign(w http.ResponseWriter, r *http.Request, p *Page) {
	to := r.PostForm.Get("assignee")
	if to == "me" {
		to = p.Actor.Name
	}
	if _, err := s.desk.Assign(r.Context(), p.Actor, r.PathValue("ref"), to); err != nil {
		s.refused(w, r, p, err, func(d *ticketData, msg string) { d.Problem = msg })
		return
	}
	done := "assign"
	if to == "" {
		done = "unassign"
	}
	s.backToTicket(w, r, done, "")
}

func (s *Server) postStatus(w http.ResponseWriter, r *http.Request, p *Page) {
	st := tickets.Status(r.PostForm.Get("status"))
	if _, err := s.desk.SetStatus(r.Context(), p.Actor, r.PathValue("ref"), st); err != nil {
		s.refused(w, r, p, err, func(d *ticketData, msg string) { d.Problem = msg })
		return
	}
	s.backToTicket(w, r, "status", "")
}

// formText is the posted text, with the CRLFs a browser sends for line
// breaks made LFs (what the CLI and the API take).
func formText(r *http.Request) string {
	return strings.ReplaceAll(r.PostForm.Get("text"), "\r\n", "\n")
}

func (s *Server) backToTicket(w http.ResponseWriter, r *http.Request, done, anchor string) {
	ref, err := tickets.ParseRef(r.PathValue("ref"))
	if err != nil {
		ref = "" // cannot be: the action worked on it
	}
	u := "/t/" + ref + "?done=" + done
	if anchor != "" {
		u += "#" + anchor
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// refused shows the ticket again after a refusal the staff member can
// act on (400, 409, 422: a number in the text, an empty text, a closed
// ticket), with set putting what was typed and why back where it was.
// Anything else (no such ticket, the role, our fault) is the error page.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, p *Page, err error, set func(*ticketData, string)) {
	de := desk.AsError(err)
	switch de.Status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusServiceUnavailable:
	default:
		s.fail(w, r, p, err)
		return
	}
	if de.Status >= 500 {
		s.log.Warn("staff action refused", "path", r.URL.Path, "code", de.Code)
	}
	d, lerr := s.ticketData(r, p)
	if lerr != nil {
		s.fail(w, r, p, lerr)
		return
	}
	set(d, capital(de.Message)+".")
	s.renderTicket(w, r, p, de.Status, d)
}
