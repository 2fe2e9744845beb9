package web

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// Who is asking: the session cookie for pages, the bearer token for the
// API. Both resolve to a desk.Actor on every request, from the store, so a
// disabled user or a revoked token is refused at once on every node.

// sessionCookie is the cookie's name: with the __Host- prefix whenever it
// is Secure, so that a sibling subdomain cannot plant or shadow it.
func (s *Server) sessionCookie() string {
	if s.secure {
		return "__Host-intake_session"
	}
	return "intake_session"
}

func (s *Server) setSession(w http.ResponseWriter, res *desk.LoginResult) {
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookie(), Value: res.Token, Path: "/",
		Expires:  res.Session.Absolute,
		MaxAge:   int(time.Until(res.Session.Absolute).Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// sessionSecret is the session cookie's value, "" when there is none.
func (s *Server) sessionSecret(r *http.Request) string {
	c, err := r.Cookie(s.sessionCookie())
	if err != nil {
		return ""
	}
	return c.Value
}

// clientIP is the address login throttling counts: the connection's,
// or, when that is a trusted proxy, the last X-Forwarded-For entry that
// is not one (entries left of it were written by the client and prove
// nothing).
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(addr) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return host // a garbled chain: count the proxy itself
		}
		if !s.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	return slices.ContainsFunc(s.proxies, func(p netip.Prefix) bool { return p.Contains(a) })
}

// Page is what a logged-in page handler knows of its request.
type Page struct {
	Actor   desk.Actor
	Session *tickets.Session
	// CSRF is the form token: every form that POSTs carries it in a
	// hidden input named "csrf" ({{template "csrf" .}} in a template).
	CSRF string
	// secret is the session's cookie value (to log out, to rotate).
	secret string
}

// pageFunc is a page handler behind a session.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *Page)

// maxFormBytes bounds a page form (a staff reply is text, not files).
const maxFormBytes = 1 << 20

// page wraps h: a request without a live session is sent to log in (a
// GET comes back afterwards); one whose actor lacks every role of roles
// (none given: any staff role) gets 403; a state-changing one must carry
// the session's form token.
func (s *Server) page(h pageFunc, roles ...tickets.Role) http.Handler {
	return s.pageMax(h, maxFormBytes, roles...)
}

// pageMax is page for a form of up to max bytes (a released quarantine
// part). Such a form is form-encoded, never multipart: multipart parsing
// spills large files to temporary files, and a released part may hold a
// number until it is masked.
func (s *Server) pageMax(h pageFunc, max int64, roles ...tickets.Role) http.Handler {
	if len(roles) == 0 {
		roles = []tickets.Role{tickets.RoleAgent, tickets.RolePrivacy, tickets.RoleAdmin}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := s.sessionSecret(r)
		actor, sess, err := s.accounts.Session(r.Context(), secret)
		if err != nil {
			if de := desk.AsError(err); de.Status == http.StatusUnauthorized {
				if secret != "" {
					s.clearSession(w)
				}
				s.toLogin(w, r)
				return
			}
			s.fail(w, r, nil, err)
			return
		}
		p := &Page{Actor: actor, Session: sess, CSRF: csrfToken(secret), secret: secret}
		if !slices.ContainsFunc(roles, actor.Has) {
			s.fail(w, r, p, &desk.Error{Status: http.StatusForbidden, Code: desk.CodeForbidden,
				Message: "your account does not have the role this page needs"})
			return
		}
		if !safeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, max)
			if max > maxFormBytes && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				s.fail(w, r, p, &desk.Error{Status: http.StatusUnsupportedMediaType, Code: desk.CodeBadRequest, Message: "this form is sent form-encoded"})
				return
			}
			if err := parseForm(r); err != nil {
				s.fail(w, r, p, &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest, Message: "the form could not be read"})
				return
			}
			if !validCSRF(secret, r.PostFormValue(csrfField)) {
				s.log.Warn("form token refused", "method", r.Method, "path", r.URL.Path, "user", actor.Name)
				s.fail(w, r, p, errFormToken)
				return
			}
		}
		h(w, r, p)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(maxFormBytes)
	}
	return r.ParseForm()
}

// toLogin redirects to the login page, asking it to come back here after
// (only for a GET: a form posted without a session is not replayed).
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext is where a login may send the browser: a path on this site
// only ("/t/T-1"), never "//evil.example" or "/\evil.example", which
// browsers read as another host.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t\\") || len(next) > 2048 {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// Call is what an API handler knows of its request.
type Call struct {
	Actor desk.Actor
}

// apiFunc is an API handler: it returns the status and the body to send
// as JSON (nil with 204), or an error that becomes the JSON error body.
// Handlers of this shape are tested as a table without a server.
type apiFunc func(r *http.Request, c *Call) (status int, body any, err error)

// rawAnswer is an API answer that is not JSON (an attachment's bytes):
// it writes itself.
type rawAnswer interface {
	answer(w http.ResponseWriter, r *http.Request)
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// api wraps h: a request without a working bearer token gets 401, one
// whose actor lacks every role of roles (none: any staff role) 403, both
// as the JSON error body.
func (s *Server) api(h apiFunc, roles ...tickets.Role) http.Handler {
	if len(roles) == 0 {
		roles = []tickets.Role{tickets.RoleAgent, tickets.RolePrivacy, tickets.RoleAdmin}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.accounts.Bearer(r.Context(), bearer(r))
		if err != nil {
			if de := desk.AsError(err); de.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="intake"`)
			}
			s.fail(w, r, nil, err)
			return
		}
		if !slices.ContainsFunc(roles, actor.Has) {
			s.fail(w, r, nil, &desk.Error{Status: http.StatusForbidden, Code: desk.CodeForbidden,
				Message: "your account does not have the role this needs"})
			return
		}
		status, body, err := h(r, &Call{Actor: actor})
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if raw, ok := body.(rawAnswer); ok {
			raw.answer(w, r)
			return
		}
		writeJSON(w, status, body)
	})
}
