package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// The admin's pages (admin role only; others get 403 and see no link):
// /admin/users, /admin/tokens, /admin/audit (with /admin/audit/verify)
// and /admin/config. Every action goes through desk.Accounts or desk.Desk,
// as the CLI and the API do, so it is audited the same. A secret made
// here (a setup link, a token) is shown once, in the answer to the form
// that made it, never in a URL.

// adminTabs are the admin pages' sub-navigation.
var adminTabs = []struct{ Name, Label, URL string }{
	{"users", "Users", "/admin/users"},
	{"tokens", "API tokens", "/admin/tokens"},
	{"audit", "Audit log", "/admin/audit"},
	{"config", "Configuration", "/admin/config"},
}

// adminPage is what every admin page template gets besides its own.
type adminPage struct {
	Tab     string
	Tabs    any
	Done    string
	Problem string
}

func newAdminPage(tab string) adminPage { return adminPage{Tab: tab, Tabs: adminTabs} }

var allRoles = []tickets.Role{tickets.RoleAgent, tickets.RolePrivacy, tickets.RoleAdmin}

// userRow is one account on the users page.
type userRow struct {
	desk.UserView
	Has   map[tickets.Role]bool
	Email string // where their notifications go; "" when none
}

type usersData struct {
	adminPage
	Users []userRow
	Roles []tickets.Role
	// Link is a setup link just made, for LinkUser; shown once.
	Link, LinkUser string
	LinkExpires    time.Time
	// Form is the add form as typed, after a refusal.
	FormName  string
	FormRoles map[tickets.Role]bool
}

var userDoneWords = map[string]string{
	"roles":   "The roles are changed.",
	"disable": "The account is disabled: its sessions ended and its API tokens stopped working.",
	"enable":  "The account is enabled again.",
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request, p *Page) {
	d := usersData{adminPage: newAdminPage("users")}
	d.Done = userDoneWords[r.URL.Query().Get("done")]
	s.renderUsers(w, r, p, http.StatusOK, &d)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, p *Page, status int, d *usersData) {
	us, err := s.accounts.ListUsers(r.Context(), p.Actor)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	emails, err := s.desk.NotifyAddresses(r.Context(), p.Actor)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d.Roles = allRoles
	for _, u := range us {
		row := userRow{UserView: u, Has: map[tickets.Role]bool{}, Email: emails[u.Name]}
		for _, r := range u.Roles {
			row.Has[r] = true
		}
		d.Users = append(d.Users, row)
	}
	s.render(w, r, status, "admin_users", pageView(p, "Users", "admin", d))
}

// formRoles are the roles ticked in a form (checkboxes named "role").
func formRoles(r *http.Request) []tickets.Role {
	var out []tickets.Role
	for _, v := range r.PostForm["role"] {
		out = append(out, tickets.Role(v))
	}
	return out
}

func (s *Server) adminAddUser(w http.ResponseWriter, r *http.Request, p *Page) {
	roles := formRoles(r)
	u, link, err := s.accounts.AddUser(r.Context(), p.Actor, desk.NewUser{Name: r.PostForm.Get("name"), Roles: roles})
	d := usersData{adminPage: newAdminPage("users")}
	if err != nil {
		s.refuse(w, r, p, err, func(status int, problem string) {
			d.Problem = problem
			d.FormName, d.FormRoles = r.PostForm.Get("name"), map[tickets.Role]bool{}
			for _, r := range roles {
				d.FormRoles[r] = true
			}
			s.renderUsers(w, r, p, status, &d)
		})
		return
	}
	d.Done = "The account " + u.Name + " is made. Send them the link below (over a channel you trust); it works once."
	if link != nil {
		d.Link, d.LinkUser, d.LinkExpires = s.BaseURL()+desk.SetupPath(link.Token), u.Name, link.Expires
	}
	s.renderUsers(w, r, p, http.StatusCreated, &d)
}

// refuse answers err: the caller's mistake (a 4xx but 401 and 403) by
// again, which shows the page with the problem beside its form; anything
// else (no right to it, our fault) as an error page.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, p *Page, err error, again func(status int, problem string)) {
	de := desk.AsError(err)
	if de.Status >= 500 || de.Status == http.StatusUnauthorized || de.Status == http.StatusForbidden {
		s.fail(w, r, p, err)
		return
	}
	again(de.Status, capital(de.Message)+".")
}

// userProblem shows the users page with why an action was refused.
func (s *Server) userProblem(w http.ResponseWriter, r *http.Request, p *Page, err error) {
	s.refuse(w, r, p, err, func(status int, problem string) {
		d := usersData{adminPage: newAdminPage("users")}
		d.Problem = problem
		s.renderUsers(w, r, p, status, &d)
	})
}

func (s *Server) adminUserRoles(w http.ResponseWriter, r *http.Request, p *Page) {
	roles := formRoles(r)
	if _, err := s.accounts.UpdateUser(r.Context(), p.Actor, r.PathValue("name"), desk.UserUpdate{Roles: &roles}); err != nil {
		s.userProblem(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/admin/users?done=roles", http.StatusSeeOther)
}

func (s *Server) adminUserDisable(w http.ResponseWriter, r *http.Request, p *Page) {
	s.setDisabled(w, r, p, true)
}

func (s *Server) adminUserEnable(w http.ResponseWriter, r *http.Request, p *Page) {
	s.setDisabled(w, r, p, false)
}

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, p *Page, disabled bool) {
	if _, err := s.accounts.UpdateUser(r.Context(), p.Actor, r.PathValue("name"), desk.UserUpdate{Disabled: &disabled}); err != nil {
		s.userProblem(w, r, p, err)
		return
	}
	done := "enable"
	if disabled {
		done = "disable"
	}
	http.Redirect(w, r, "/admin/users?done="+done, http.StatusSeeOther)
}

func (s *Server) adminUserReset(w http.ResponseWriter, r *http.Request, p *Page) {
	name := r.PathValue("name")
	link, err := s.accounts.ResetLink(r.Context(), p.Actor, name)
	if err != nil {
		s.userProblem(w, r, p, err)
		return
	}
	d := usersData{adminPage: newAdminPage("users")}
	d.Done = "A new password link for " + name + " is made. Their current password works until they use it."
	d.Link, d.LinkUser, d.LinkExpires = s.BaseURL()+desk.SetupPath(link.Token), name, link.Expires
	s.renderUsers(w, r, p, http.StatusCreated, &d)
}

type tokensData struct {
	adminPage
	Tokens []desk.TokenView
	Users  []desk.UserView
	// New is a token just made, shown once.
	New *desk.NewToken
}

func (s *Server) adminTokens(w http.ResponseWriter, r *http.Request, p *Page) {
	d := tokensData{adminPage: newAdminPage("tokens")}
	if r.URL.Query().Get("done") == "revoke" {
		d.Done = "The token is revoked: it stopped working at once."
	}
	s.renderTokens(w, r, p, http.StatusOK, &d)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, p *Page, status int, d *tokensData) {
	ts, err := s.accounts.ListTokens(r.Context(), p.Actor)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	us, err := s.accounts.ListUsers(r.Context(), p.Actor)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d.Tokens = ts
	for _, u := range us {
		if !u.Disabled {
			d.Users = append(d.Users, u)
		}
	}
	s.render(w, r, status, "admin_tokens", pageView(p, "API tokens", "admin", d))
}

func (s *Server) tokenProblem(w http.ResponseWriter, r *http.Request, p *Page, err error) {
	s.refuse(w, r, p, err, func(status int, problem string) {
		d := tokensData{adminPage: newAdminPage("tokens")}
		d.Problem = problem
		s.renderTokens(w, r, p, status, &d)
	})
}

func (s *Server) adminCreateToken(w http.ResponseWriter, r *http.Request, p *Page) {
	t, err := s.accounts.CreateToken(r.Context(), p.Actor, r.PostForm.Get("user"), r.PostForm.Get("label"))
	if err != nil {
		s.tokenProblem(w, r, p, err)
		return
	}
	d := tokensData{adminPage: newAdminPage("tokens"), New: t}
	d.Done = "The token is made. Copy it now: it is shown this once, and only its hash is kept."
	s.renderTokens(w, r, p, http.StatusCreated, &d)
}

func (s *Server) adminRevokeToken(w http.ResponseWriter, r *http.Request, p *Page) {
	if err := s.accounts.RevokeToken(r.Context(), p.Actor, r.PathValue("id")); err != nil {
		s.tokenProblem(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens?done=revoke", http.StatusSeeOther)
}

// auditFilter is the audit page's query as its form holds it.
type auditFilter struct {
	Actor, Action, Ref, Since, Until, Cursor string
}

func (f auditFilter) url(cursor string) string {
	v := url.Values{}
	for k, val := range map[string]string{"actor": f.Actor, "action": f.Action, "ref": f.Ref, "since": f.Since, "until": f.Until, "cursor": cursor} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if q := v.Encode(); q != "" {
		return "/admin/audit?" + q
	}
	return "/admin/audit"
}

type auditRow struct {
	tickets.AuditEvent
	Ref    string // the ticket the detail names, linked
	Detail string // the rest of the detail, as key=value words
}

type auditData struct {
	adminPage
	Filter  auditFilter
	Events  []auditRow
	Next    string
	First   string
	Actions []string // every action the log may hold, for the select
	// Filtered says in words what the filters keep; "" for none.
	Filtered string
}

// words names the filters applied.
func (f auditFilter) words() string {
	var w []string
	for _, p := range [][2]string{{"actor", f.Actor}, {"action", f.Action}, {"ticket", f.Ref}, {"from", f.Since}, {"until", f.Until}} {
		if p[1] != "" {
			w = append(w, p[0]+" "+p[1])
		}
	}
	return strings.Join(w, ", ")
}

// auditActions are the actions offered in the filter; the log may hold
// others (a newer node's), which a typed filter still finds.
var auditActions = []string{
	tickets.ActionTicketCreate, tickets.ActionMessageAppend, tickets.ActionTicketStatus, tickets.ActionTicketAssign,
	tickets.ActionTicketNote, tickets.ActionTicketReply, tickets.ActionParticipantAdd, tickets.ActionTicketPurge,
	tickets.ActionQuarantineSeal, tickets.ActionQuarantineFetch, tickets.ActionQuarantineOpen, tickets.ActionQuarantineOpenFailed,
	tickets.ActionQuarantineRelease, tickets.ActionQuarantinePurge, tickets.ActionRetentionPurge,
	"outbox.attempt", tickets.ActionOutboxRetry, tickets.ActionOutboxDrop, tickets.ActionOutboxFail,
	tickets.ActionUserCreate, tickets.ActionUserRoles, tickets.ActionUserDisable, tickets.ActionUserEnable,
	tickets.ActionUserPassword, tickets.ActionUserSetup, tickets.ActionUserLogin, tickets.ActionUserNotify,
	tickets.ActionTokenCreate, tickets.ActionTokenRevoke, tickets.ActionAuditKey,
}

// parseFormTime reads a date or a time typed in a filter (a datetime-local
// field sends 2026-01-02T15:04, taken as UTC).
func parseFormTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request, p *Page) {
	v := r.URL.Query()
	f := auditFilter{Actor: strings.TrimSpace(v.Get("actor")), Action: strings.TrimSpace(v.Get("action")), Ref: strings.TrimSpace(v.Get("ref")),
		Since: v.Get("since"), Until: v.Get("until"), Cursor: v.Get("cursor")}
	d := auditData{adminPage: newAdminPage("audit"), Filter: f, Actions: auditActions, Filtered: f.words()}
	q := desk.AuditQuery{Actor: f.Actor, Action: f.Action, Ref: f.Ref, Cursor: f.Cursor, Limit: 100}
	for _, t := range []struct {
		name, v string
		to      *time.Time
	}{{"From", f.Since, &q.Since}, {"Until", f.Until, &q.Until}} {
		if t.v == "" {
			continue
		}
		tm, ok := parseFormTime(t.v)
		if !ok {
			d.Problem = t.name + " must be a date like 2026-01-02 or a time like 2026-01-02T15:04."
			s.render(w, r, http.StatusBadRequest, "admin_audit", pageView(p, "Audit log", "admin", d))
			return
		}
		*t.to = tm
	}
	page, err := s.desk.ListAudit(r.Context(), p.Actor, q)
	if err != nil {
		s.refuse(w, r, p, err, func(status int, problem string) {
			d.Problem = problem
			s.render(w, r, status, "admin_audit", pageView(p, "Audit log", "admin", d))
		})
		return
	}
	for _, e := range page.Events {
		row := auditRow{AuditEvent: e, Ref: e.Detail["ref"]}
		rest := map[string]string{}
		for k, val := range e.Detail {
			if k != "ref" {
				rest[k] = val
			}
		}
		row.Detail = detailWords(rest)
		d.Events = append(d.Events, row)
	}
	if page.Next != nil {
		d.Next = f.url(*page.Next)
	}
	if f.Cursor != "" {
		d.First = f.url("")
	}
	s.render(w, r, http.StatusOK, "admin_audit", pageView(p, "Audit log", "admin", d))
}

// detailWords is an event's detail as sorted key=value words.
func detailWords(d map[string]string) string {
	var b strings.Builder
	for i, k := range desk.SortedKeys(d) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + d[k])
	}
	return b.String()
}

type verifyData struct {
	adminPage
	Report tickets.VerifyReport
	// FirstBroken is the first problem the walk found; "" when intact.
	FirstBroken string
	Took        time.Duration
}

// adminVerify walks the whole chain: its own page, since on a large log
// it takes a moment.
func (s *Server) adminVerify(w http.ResponseWriter, r *http.Request, p *Page) {
	start := time.Now()
	rep, err := s.desk.VerifyAudit(r.Context(), p.Actor)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d := verifyData{adminPage: newAdminPage("audit"), Report: rep, Took: time.Since(start).Round(time.Millisecond)}
	if len(rep.Problems) > 0 {
		d.FirstBroken = rep.Problems[0]
	}
	s.render(w, r, http.StatusOK, "admin_verify", pageView(p, "Audit chain", "admin", d))
}

type configData struct {
	adminPage
	TOML  string
	Known bool
}

func (s *Server) adminConfig(w http.ResponseWriter, r *http.Request, p *Page) {
	d := configData{adminPage: newAdminPage("config")}
	if s.o.Config.DataDir != "" {
		// Redacted again: whoever built the server may have passed the
		// configuration as read.
		b, err := s.o.Config.Redacted().TOML()
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		d.TOML, d.Known = string(b), true
	}
	s.render(w, r, http.StatusOK, "admin_config", pageView(p, "Configuration", "admin", d))
}
