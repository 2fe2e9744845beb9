package web

import (
	"net/http"
	"strings"

	"github.com/intake-mail/intake/desk"
)

// /settings: one's own notifications (staff who work tickets): an
// address in [web] notify_domains, a mail for each new ticket in the
// queues chosen, and one for each member's follow-up on a ticket
// assigned to them.

type settingsData struct {
	desk.NotifyView
	QueuesText string
	Done       bool
	Problem    string
}

func (s *Server) settingsForm(w http.ResponseWriter, r *http.Request, p *Page) {
	v, err := s.desk.NotifySettings(r.Context(), p.Actor)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d := settingsData{NotifyView: v, QueuesText: strings.Join(v.Queues, ", "), Done: r.URL.Query().Get("done") == "1"}
	s.render(w, r, http.StatusOK, "settings", pageView(p, "Notifications", "settings", d))
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request, p *Page) {
	ch := desk.NotifyChange{
		Email:     r.PostForm.Get("email"),
		NewTicket: r.PostForm.Get("new_ticket") == "on",
		Followup:  r.PostForm.Get("followup") == "on",
		Queues:    []string{r.PostForm.Get("queues")},
	}
	if _, err := s.desk.SetNotifySettings(r.Context(), p.Actor, ch); err != nil {
		s.refuse(w, r, p, err, func(status int, problem string) {
			cur, err := s.desk.NotifySettings(r.Context(), p.Actor)
			if err != nil {
				s.fail(w, r, p, err)
				return
			}
			// The form again as typed, with why it was refused.
			cur.Email, cur.NewTicket, cur.Followup = ch.Email, ch.NewTicket, ch.Followup
			d := settingsData{NotifyView: cur, QueuesText: r.PostForm.Get("queues"), Problem: problem}
			s.render(w, r, status, "settings", pageView(p, "Notifications", "settings", d))
		})
		return
	}
	http.Redirect(w, r, "/settings?done=1", http.StatusSeeOther)
}
