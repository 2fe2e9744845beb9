package web

import (
	"net/http"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// routes is every URL the interface answers. Outside scripts rely on
// /login (fields username and password), / (the queue), /t/REF and the
// API under /api/v1/ (DESIGN.md, "Contracts").
func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	admin, privacy := tickets.RoleAdmin, tickets.RolePrivacy

	// Pages without a session.
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /setup", s.setupForm)
	mux.HandleFunc("POST /setup", s.setup)
	mux.HandleFunc("GET /static/{file...}", s.static)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/icon.svg", http.StatusMovedPermanently)
	})

	// Pages behind a session.
	mux.Handle("POST /logout", s.page(s.logout))
	mux.Handle("GET /account", s.page(s.accountForm))
	mux.Handle("POST /account", s.page(s.changePassword))
	mux.Handle("GET /{$}", s.page(s.queue))
	mux.Handle("GET /t/{ref}", s.page(s.ticketPage))
	mux.Handle("POST /t/{ref}/reply", s.page(s.postReply))
	mux.Handle("POST /t/{ref}/note", s.page(s.postNote))
	mux.Handle("POST /t/{ref}/assign", s.page(s.postAssign))
	mux.Handle("POST /t/{ref}/status", s.page(s.postStatus))
	mux.Handle("GET /attachments/{id}", s.page(s.attachmentPage))
	mux.Handle("GET /quarantine", s.page(s.quarantineList, privacy))
	mux.Handle("GET /quarantine/{id}", s.page(s.quarantineItem, privacy))
	mux.Handle("GET /quarantine/{id}/sealed", s.page(s.quarantineSealed, privacy))
	mux.Handle("POST /quarantine/{id}/opened", s.page(s.postOpened, privacy))
	mux.Handle("POST /quarantine/{id}/release", s.pageMax(s.postRelease, maxReleaseForm, privacy))
	mux.Handle("POST /quarantine/{id}/hold", s.page(s.postHold, privacy))
	mux.Handle("POST /quarantine/{id}/unhold", s.page(s.postHold, privacy))
	mux.Handle("POST /quarantine/{id}/purge", s.page(s.postPurge, privacy))
	s.adminRoutes(mux)
	mux.Handle("/", s.page(s.notFound))

	// The JSON API.
	mux.Handle("GET /api/v1/me", s.api(s.apiMe))
	mux.Handle("GET /api/v1/tickets", s.api(s.apiListTickets))
	mux.Handle("GET /api/v1/tickets/{ref}", s.api(s.apiShowTicket))
	mux.Handle("PATCH /api/v1/tickets/{ref}", s.api(s.apiUpdateTicket))
	mux.Handle("POST /api/v1/tickets/{ref}/notes", s.api(s.apiAddNote))
	mux.Handle("POST /api/v1/tickets/{ref}/replies", s.api(s.apiReply))
	mux.Handle("GET /api/v1/attachments/{id}", s.api(s.apiAttachment))
	mux.Handle("GET /api/v1/quarantine", s.api(s.apiListQuarantine, privacy))
	mux.Handle("GET /api/v1/quarantine/{id}", s.api(s.apiGetQuarantine, privacy))
	mux.Handle("GET /api/v1/quarantine/{id}/sealed", s.api(s.apiFetchSealed, privacy))
	mux.Handle("POST /api/v1/quarantine/{id}/release", s.api(s.apiRelease, privacy))
	mux.Handle("POST /api/v1/quarantine/{id}/open", s.api(s.apiRecordOpen, privacy))
	mux.Handle("PUT /api/v1/quarantine/{id}/hold", s.api(s.apiHold, privacy))
	mux.Handle("DELETE /api/v1/quarantine/{id}/hold", s.api(s.apiHold, privacy))
	mux.Handle("DELETE /api/v1/quarantine/{id}", s.api(s.apiPurge, privacy))
	mux.Handle("GET /api/v1/audit", s.api(s.apiListAudit, admin))
	mux.Handle("GET /api/v1/audit/verify", s.api(s.apiVerifyAudit, admin))
	mux.Handle("GET /api/v1/users", s.api(s.apiListUsers, admin))
	mux.Handle("POST /api/v1/users", s.api(s.apiAddUser, admin))
	mux.Handle("GET /api/v1/users/{name}", s.api(s.apiGetUser))
	mux.Handle("PATCH /api/v1/users/{name}", s.api(s.apiUpdateUser, admin))
	mux.Handle("POST /api/v1/users/{name}/setup-link", s.api(s.apiResetLink, admin))
	mux.Handle("GET /api/v1/tokens", s.api(s.apiListTokens, admin))
	mux.Handle("POST /api/v1/tokens", s.api(s.apiCreateToken, admin))
	mux.Handle("DELETE /api/v1/tokens/{id}", s.api(s.apiRevokeToken, admin))
	s.adminAPIRoutes(mux)
	mux.Handle("/api/", s.api(func(r *http.Request, c *Call) (int, any, error) {
		return 0, nil, &desk.Error{Status: http.StatusNotFound, Code: desk.CodeNotFound, Message: "no such API call"}
	}))

	cop, err := s.crossOrigin()
	if err != nil {
		return nil, err
	}
	return s.securityHeaders(cop.Handler(mux)), nil
}

// notFound answers a path nobody serves, once logged in (before, it asks
// to log in, so that paths do not tell anything to strangers).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, p *Page) {
	s.errorPage(w, r, p, &desk.Error{Status: http.StatusNotFound, Code: desk.CodeNotFound, Message: "There is no page at this address."})
}
