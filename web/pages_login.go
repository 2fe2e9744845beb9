package web

import (
	"net/http"

	"github.com/intake-mail/intake/desk"
)

// /login and /logout. The form's fields, username and password, are a
// contract (DESIGN.md): outside tests and scripts post them.

type loginData struct {
	Username string
	Next     string
	Problem  string // why the last try failed, in plain words
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	// Already logged in: no form to fill.
	if secret := s.sessionSecret(r); secret != "" {
		if _, _, err := s.accounts.Session(r.Context(), secret); err == nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	s.render(w, r, http.StatusOK, "login", view{Title: "Log in", Data: loginData{Next: next}})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "login", view{Title: "Log in", Data: loginData{Next: "/", Problem: "The form could not be read; try again."}})
		return
	}
	d := loginData{Username: r.PostForm.Get("username"), Next: safeNext(r.PostForm.Get("next"))}
	if len(d.Username) > 256 {
		d.Username = d.Username[:256]
	}
	// The session the browser held before, if any, ends here: the one
	// after login is always new.
	res, err := s.accounts.Login(r.Context(), d.Username, r.PostForm.Get("password"), s.clientIP(r), s.sessionSecret(r))
	if err != nil {
		de := desk.AsError(err)
		switch {
		case retryAfter(w, err):
			d.Problem = "Too many failed attempts: " + de.Message + "."
			s.log.Warn("login throttled", "ip", s.clientIP(r))
		case de.Status == http.StatusUnauthorized:
			d.Problem = "Wrong user name or password."
			s.log.Info("login failed", "ip", s.clientIP(r))
		default:
			s.fail(w, r, nil, err)
			return
		}
		s.render(w, r, de.Status, "login", view{Title: "Log in", Data: d})
		return
	}
	s.log.Info("login", "user", res.Actor.Name, "ip", s.clientIP(r))
	s.setSession(w, res)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *Page) {
	if err := s.accounts.Logout(r.Context(), p.secret); err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.clearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
