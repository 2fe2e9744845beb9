// Package web is the staff interface: server-rendered pages (html/template,
// every asset embedded, no build step, no CDN) and the JSON API under
// /api/v1/, both over desk/. Nothing here decides who may do what: a page
// or an API call establishes the Actor (a session cookie, a bearer token)
// and hands it to desk, which checks the role and audits.
//
// # What is where
//
//   - pages_queue.go: / (views, filters, search, keyset pages);
//     pages_ticket.go: /t/REF and its POST actions (reply, note, assign,
//     status: redirect after post; a refusal shows the page again with
//     the text as typed); attachment.go: clean attachments, as downloads
//     only; words.go: the store's codes in words.
//   - pages_admin.go: the admin's /admin/ pages (users, tokens, the audit
//     log and its verify, the configuration); pages_report.go: /report,
//     its bar charts laid out here as SVG, and /report.csv;
//     pages_settings.go: /settings, one's own notifications;
//     routes_admin.go: their routes and roles.
//   - api_tickets.go, api_privacy.go, api_accounts.go, api_report.go:
//     /api/v1/ (see docs/API.md, whose examples a test runs with curl).
//   - static/app.js: keyboard shortcuts only (j/k, o, r, n, u, /, ?);
//     every page works without it.
//
// # Safety of every response
//
//   - Security headers on everything (see headers.go): a strict
//     Content-Security-Policy with no inline script or style, no framing,
//     no referrer, nosniff; no-store caching except for versioned assets.
//   - CSRF: http.CrossOriginProtection refuses a state-changing request a
//     browser marks as cross-origin (Sec-Fetch-Site, else Origin against
//     Host), and every form of a logged-in page carries a token derived
//     from the session (see csrf.go) for browsers that send neither
//     header. The session cookie is SameSite=Lax, HttpOnly, and Secure
//     (named __Host-intake_session) whenever the interface is reached
//     over HTTPS. The API takes bearer tokens only, never the cookie, so
//     a page elsewhere cannot make a browser call it.
//   - Member text reaches a page only through html/template's escaping.
//
// # Behind a reverse proxy
//
// Listen on loopback (the default, 127.0.0.1:8080) and let the proxy
// terminate TLS. Set [web] base_url to the address staff use
// ("https://desk.example.org"): links intake prints use it, cookies become
// Secure, and its origin is trusted for the CSRF check when the proxy
// rewrites Host. Set [web] trusted_proxies to the proxy's address so that
// login throttling counts the client from X-Forwarded-For (only the
// entries the trusted proxies added are believed). The proxy must pass the
// Origin and Sec-Fetch-* headers through unchanged.
package web
