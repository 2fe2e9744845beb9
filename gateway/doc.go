// Package gateway is intake's SMTP listener: an MX that files every message
// it accepts as a ticket, and says "250" only once the ticket and the sealed
// original are durably committed.
//
// It is a go-smtp backend and session (session.go) with the recipient
// policy (policy.go), the DATA reader that refuses bare LF and CR and
// bounds the size (data.go), the trace and authentication headers
// (header.go, received.go), SPF, DKIM and DMARC through a configurable
// resolver (auth.go, dmarc.go), the hand-off to scan, the reply policy
// and tickets (deliver.go, inbound.go, autoreply.go: the reply's intent is
// committed with the ticket), and the limits go-smtp does not have:
// connections in total (sized from the descriptor limit, connlimit.go)
// and per client (an IPv4 address or an IPv6 /64), a shorter wait before
// MAIL when busy and the eviction of the longest-idle client at the limit
// (limits.go), a whole-session deadline, errors before disconnect, and a
// graceful drain (listener.go, conn.go). The connection also gives
// go-smtp's fixed replies our own texts (replytext.go) and gathers the
// replies of one turn into one write.
//
// Handlers decide a Reply (code, enhanced code, text) and only then is it
// turned into an *smtp.SMTPError, the one error type go-smtp passes to a
// client as given: an internal error never reaches the wire.
package gateway
