package web

import (
	"net/http"

	"github.com/intake-mail/intake/desk"
)

// /account: who you are, and your own password.

type accountData struct {
	Done    bool
	Problem string
}

func (s *Server) accountForm(w http.ResponseWriter, r *http.Request, p *Page) {
	d := accountData{Done: r.URL.Query().Get("done") == "password"}
	s.render(w, r, http.StatusOK, "account", pageView(p, "Your account", "account", d))
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, p *Page) {
	next := r.PostForm.Get("new")
	if next != r.PostForm.Get("new2") {
		s.render(w, r, http.StatusUnprocessableEntity, "account", pageView(p, "Your account", "account",
			accountData{Problem: "The two new passwords differ."}))
		return
	}
	res, err := s.accounts.ChangePassword(r.Context(), p.Actor, r.PostForm.Get("current"), next, s.clientIP(r))
	if err != nil {
		de := desk.AsError(err)
		if de.Status != http.StatusUnprocessableEntity && de.Status != http.StatusTooManyRequests {
			s.fail(w, r, p, err)
			return
		}
		retryAfter(w, err)
		s.render(w, r, de.Status, "account", pageView(p, "Your account", "account", accountData{Problem: capital(de.Message) + "."}))
		return
	}
	// Every session of the user ended with the change; this browser
	// carries on in a new one.
	s.setSession(w, res)
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}
