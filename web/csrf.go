package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/intake-mail/intake/desk"
)

// CSRF defence, two layers.
//
// http.CrossOriginProtection refuses any non-GET/HEAD/OPTIONS request a
// browser marks as cross-origin: Sec-Fetch-Site (sent by every browser
// since 2023, but only to HTTPS and localhost origins), else Origin
// against Host. It is enough for current browsers on HTTPS. It lets
// through a request carrying neither header, which is what a browser too
// old for Sec-Fetch-Site or a privacy extension stripping Origin sends,
// and a plain-HTTP deployment on a LAN address gets no Sec-Fetch-Site.
// So every form of a logged-in page also carries a token the attacker
// cannot know: an HMAC of the session secret (nothing more to store; it
// changes with the session, so a token from before a login is useless
// after it). The login and setup forms have no session: the first layer
// and the setup link's own secret cover them.

// csrfField is the hidden form field every logged-in form carries.
const csrfField = "csrf"

// csrfToken derives the form token of a session secret.
func csrfToken(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("intake csrf form token v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func validCSRF(session, got string) bool {
	want := csrfToken(session)
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

var errCrossOrigin = &desk.Error{Status: http.StatusForbidden, Code: desk.CodeForbidden,
	Message: "cross-origin request refused"}

var errFormToken = &desk.Error{Status: http.StatusForbidden, Code: desk.CodeForbidden,
	Message: "this form is out of date (the session changed); reload the page and try again"}

// crossOrigin builds the first layer. The base URL's origin is trusted as
// well, for a reverse proxy that rewrites Host.
func (s *Server) crossOrigin() (*http.CrossOriginProtection, error) {
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(s.base.Scheme + "://" + s.base.Host); err != nil {
		return nil, fmt.Errorf("trust %s: %w", s.base.Host, err)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		s.fail(w, r, nil, errCrossOrigin)
	}))
	return cop, nil
}
