package web

import (
	"net/http"

	"github.com/intake-mail/intake/tickets"
)

// adminRoutes are the admin's pages, the report and one's notification
// settings (see pages_admin.go, pages_report.go, pages_settings.go).
func (s *Server) adminRoutes(mux *http.ServeMux) {
	admin := tickets.RoleAdmin
	ticketRoles := []tickets.Role{tickets.RoleAgent, tickets.RoleAdmin}
	reportRoles := []tickets.Role{tickets.RolePrivacy, tickets.RoleAdmin}
	mux.Handle("GET /admin", s.page(func(w http.ResponseWriter, r *http.Request, p *Page) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}, admin))
	mux.Handle("GET /admin/users", s.page(s.adminUsers, admin))
	mux.Handle("POST /admin/users", s.page(s.adminAddUser, admin))
	mux.Handle("POST /admin/users/{name}/roles", s.page(s.adminUserRoles, admin))
	mux.Handle("POST /admin/users/{name}/disable", s.page(s.adminUserDisable, admin))
	mux.Handle("POST /admin/users/{name}/enable", s.page(s.adminUserEnable, admin))
	mux.Handle("POST /admin/users/{name}/reset", s.page(s.adminUserReset, admin))
	mux.Handle("GET /admin/tokens", s.page(s.adminTokens, admin))
	mux.Handle("POST /admin/tokens", s.page(s.adminCreateToken, admin))
	mux.Handle("POST /admin/tokens/{id}/revoke", s.page(s.adminRevokeToken, admin))
	mux.Handle("GET /admin/audit", s.page(s.adminAudit, admin))
	mux.Handle("GET /admin/audit/verify", s.page(s.adminVerify, admin))
	mux.Handle("GET /admin/config", s.page(s.adminConfig, admin))
	mux.Handle("GET /report", s.page(s.reportPage, reportRoles...))
	mux.Handle("GET /report.csv", s.page(s.reportCSV, reportRoles...))
	mux.Handle("GET /settings", s.page(s.settingsForm, ticketRoles...))
	mux.Handle("POST /settings", s.page(s.saveSettings, ticketRoles...))
}

// adminAPIRoutes are the API's report and notification settings (see
// api_report.go).
func (s *Server) adminAPIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/report", s.api(s.apiReport, tickets.RolePrivacy, tickets.RoleAdmin))
	mux.Handle("GET /api/v1/me/notifications", s.api(s.apiNotifySettings, tickets.RoleAgent, tickets.RoleAdmin))
	mux.Handle("PUT /api/v1/me/notifications", s.api(s.apiSetNotifySettings, tickets.RoleAgent, tickets.RoleAdmin))
}
