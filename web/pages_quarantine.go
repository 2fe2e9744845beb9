package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// The privacy officer's pages: the quarantine list (/quarantine) and one
// item (/quarantine/ID), where the sealed original is opened in the
// officer's browser (static/quarantine.js): the page fetches the
// ciphertext (audited: quarantine.fetch), decrypts it there with the
// identity the officer picks or pastes, and reports whether it opened
// (quarantine.open or quarantine.open_failed). The identity is never
// sent: no form holds it and the script sends only the outcome. A
// withheld part goes back to the server only when the officer releases
// it, as the decoded part (see desk.ReleasePart). Only the privacy role
// reaches any of these, an admin without it included.

// quarantineStates are the list's tabs; "" is every item not purged.
var quarantineStates = []struct{ State, Label string }{
	{"", "Not purged"}, {"held", "Awaiting review"}, {"released", "Released"}, {"purged", "Purged"},
}

type quarantineTab struct {
	Label, URL string
	Current    bool
}

type quarantineListData struct {
	Items []tickets.QuarantineItem
	Tabs  []quarantineTab
	// Tickets: the actor may open tickets (agent or admin), so refs link.
	Tickets bool
	State   string
}

func (s *Server) quarantineList(w http.ResponseWriter, r *http.Request, p *Page) {
	state := r.URL.Query().Get("state")
	items, err := s.desk.ListQuarantine(r.Context(), p.Actor, desk.QuarantineQuery{State: tickets.QuarantineState(state)})
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d := quarantineListData{Tickets: canWorkTickets(p.Actor), State: state}
	for _, it := range items {
		if state != "" || it.State != tickets.QuarantinePurged {
			d.Items = append(d.Items, it)
		}
	}
	for _, t := range quarantineStates {
		u := "/quarantine"
		if t.State != "" {
			u += "?state=" + t.State
		}
		d.Tabs = append(d.Tabs, quarantineTab{Label: t.Label, URL: u, Current: t.State == state})
	}
	s.render(w, r, http.StatusOK, "quarantine", pageView(p, "Quarantine", "quarantine", d))
}

func canWorkTickets(a desk.Actor) bool { return a.Has(tickets.RoleAgent) || a.Has(tickets.RoleAdmin) }

type quarantineItemData struct {
	V       *desk.ItemView
	Tickets bool
	Done    string
	Problem string
	// Withheld are the parts staff cannot see now, Released those
	// released after review.
	Withheld, Released []tickets.Part
}

// quarantineDone are the notices after an action (?done=...).
var quarantineDone = map[string]string{
	"hold":   "The item is under a legal hold: retention keeps it, and its ticket, until the hold is lifted.",
	"unhold": "The legal hold is lifted: retention removes the item after its deadline.",
	"purge":  "The sealed original is deleted. The ticket keeps its masked text.",
}

func (s *Server) quarantineItem(w http.ResponseWriter, r *http.Request, p *Page) {
	s.renderItem(w, r, p, http.StatusOK, quarantineDone[r.URL.Query().Get("done")], "")
}

func (s *Server) renderItem(w http.ResponseWriter, r *http.Request, p *Page, status int, done, problem string) {
	id, err := itemID(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v, err := s.desk.ShowQuarantine(r.Context(), p.Actor, id)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d := quarantineItemData{V: v, Tickets: canWorkTickets(p.Actor), Done: done, Problem: problem}
	for _, part := range v.Parts {
		switch {
		case part.Withheld:
			d.Withheld = append(d.Withheld, part)
		case !part.Released.IsZero():
			d.Released = append(d.Released, part)
		}
	}
	s.render(w, r, status, "quarantine_item", pageView(p, "Quarantine item of "+v.TicketRef, "quarantine", d))
}

// quarantineSealed is the ciphertext for the page's script, audited
// before it leaves the store (quarantine.fetch).
func (s *Server) quarantineSealed(w http.ResponseWriter, r *http.Request, p *Page) {
	id, err := itemID(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	it, err := s.desk.FetchSealed(r.Context(), p.Actor, id)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	sealedAnswer{it}.answer(w, r)
}

// postOpened records what the page's script reports: opened, or failed
// with a reason code (a short token: desk refuses anything else).
func (s *Server) postOpened(w http.ResponseWriter, r *http.Request, p *Page) {
	id, err := itemID(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	opened := r.PostForm.Get("outcome") == "opened"
	if err := s.desk.RecordOpen(r.Context(), p.Actor, id, opened, r.PostForm.Get("reason")); err != nil {
		scriptFail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxReleaseForm bounds a released part posted by the page: the part in
// base64, form-encoded (a few characters of base64 take three bytes).
const maxReleaseForm = 48 << 20

// postRelease releases a withheld part the page's script decrypted and
// sends back (fields where, filename, content_type, content in base64).
// The script reads the answer as JSON: what joined, masked, or why not.
func (s *Server) postRelease(w http.ResponseWriter, r *http.Request, p *Page) {
	id, err := itemID(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	f := r.PostForm
	content, err := base64.StdEncoding.DecodeString(f.Get("content"))
	if err != nil {
		scriptFail(w, &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest, Message: "the part's content is not base64"})
		return
	}
	rel, err := s.desk.ReleasePart(r.Context(), p.Actor, id, desk.PartRelease{
		Where: f.Get("where"), Filename: f.Get("filename"), ContentType: f.Get("content_type"), Content: content})
	if err != nil {
		scriptFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rel)
}

// scriptFail answers a request of the page's script as the API does.
func scriptFail(w http.ResponseWriter, err error) {
	de := desk.AsError(err)
	writeJSON(w, de.Status, map[string]any{"error": map[string]string{"code": de.Code, "message": de.Message}})
}

func (s *Server) postHold(w http.ResponseWriter, r *http.Request, p *Page) {
	s.itemAction(w, r, p, func(id uuid.UUID) (string, error) {
		hold := strings.HasSuffix(r.URL.Path, "/hold")
		_, err := s.desk.SetLegalHold(r.Context(), p.Actor, id, hold)
		if hold {
			return "hold", err
		}
		return "unhold", err
	})
}

func (s *Server) postPurge(w http.ResponseWriter, r *http.Request, p *Page) {
	s.itemAction(w, r, p, func(id uuid.UUID) (string, error) {
		if r.PostForm.Get("confirm") != "yes" {
			return "", &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest, Message: "tick the box to confirm the purge: it cannot be undone"}
		}
		_, err := s.desk.Purge(r.Context(), p.Actor, id)
		return "purge", err
	})
}

// itemAction runs a form's action on the item and goes back to its page
// (redirect-after-post), or shows the page again with why not.
func (s *Server) itemAction(w http.ResponseWriter, r *http.Request, p *Page, act func(uuid.UUID) (string, error)) {
	id, err := itemID(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	done, err := act(id)
	if err != nil {
		de := desk.AsError(err)
		if de.Status == http.StatusBadRequest || de.Status == http.StatusConflict {
			s.renderItem(w, r, p, de.Status, "", capital(de.Message)+".")
			return
		}
		s.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/quarantine/"+url.PathEscape(id.String())+"?done="+done, http.StatusSeeOther)
}
