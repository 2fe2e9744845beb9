package web

import (
	"net/http"
	"strings"
)

// contentSecurityPolicy allows our own files and nothing else: no inline
// script or style (so html/template's escaping is not the only wall
// between member text and script), no plugins, no framing, no <base>,
// forms only to us. img-src has no data: (nothing of ours needs it, and
// member text never becomes an image). The quarantine page's script (and
// the age module it imports, static/age/) is ours too and needs no
// WebAssembly or eval, so script-src stays 'self' alone.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// securityHeaders sets the headers every response carries. Pages and API
// answers hold staff data: no cache keeps them (assets override it).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers that predate it
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil || s.httpsBase {
			// Only once we know HTTPS is how staff come: HSTS on a plain
			// HTTP loopback setup would lock browsers out of it.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// isAPI tells an API path, whose errors are JSON.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
