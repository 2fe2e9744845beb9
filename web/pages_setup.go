package web

import (
	"net/http"

	"github.com/intake-mail/intake/desk"
)

// /setup?token=...: a one-time link sets a new user's password, a reset
// one, or creates the first admin of an empty store (the link serve logs
// on a first start). Using it logs the user in.

type setupData struct {
	Token      string
	FirstAdmin bool   // the form asks for a name too
	Name       string // the user's (fixed), or what was typed
	Problem    string
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	info, err := s.accounts.SetupLinkInfo(r.Context(), token)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	d := setupData{Token: token, FirstAdmin: info.User == nil}
	if info.User != nil {
		d.Name = info.User.Name
	}
	s.render(w, r, http.StatusOK, "setup", view{Title: setupTitle(d), Data: d})
}

func setupTitle(d setupData) string {
	if d.FirstAdmin {
		return "Create the first admin"
	}
	return "Choose your password"
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, nil, &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest, Message: "the form could not be read"})
		return
	}
	token := r.PostForm.Get("token")
	info, err := s.accounts.SetupLinkInfo(r.Context(), token)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	d := setupData{Token: token, FirstAdmin: info.User == nil, Name: r.PostForm.Get("username")}
	if info.User != nil {
		d.Name = info.User.Name
	}
	if len(d.Name) > 256 {
		d.Name = d.Name[:256]
	}
	password := r.PostForm.Get("password")
	if password != r.PostForm.Get("password2") {
		d.Problem = "The two passwords differ."
		s.render(w, r, http.StatusUnprocessableEntity, "setup", view{Title: setupTitle(d), Data: d})
		return
	}
	res, err := s.accounts.UseSetupLink(r.Context(), token, d.Name, password)
	if err != nil {
		de := desk.AsError(err)
		if de.Status != http.StatusUnprocessableEntity {
			s.fail(w, r, nil, err)
			return
		}
		d.Problem = capital(de.Message) + "."
		s.render(w, r, de.Status, "setup", view{Title: setupTitle(d), Data: d})
		return
	}
	s.log.Info("setup link used", "user", res.Actor.Name, "first_admin", d.FirstAdmin)
	s.setSession(w, res)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// capital starts a desk message (lower-case, for the API) as a sentence.
func capital(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
