// Package mailproto is the small grammar of Internet mail that the gateway,
// the reply side and the configuration share, so that each reads an
// address, a domain or a header field by one set of rules (the way mox's
// smtp package serves both its server and its client):
//
//   - addresses (address.go): where local part and domain split, which
//     addresses we route (RCPT, configured addresses) and which we would
//     write to (a reply's recipient);
//   - domains (domain.go): one spelling per domain (case, final dot,
//     IDNA), the organisational domain (RFC 7489 3.2), host name syntax;
//   - header fields (header.go): folding (RFC 5322 2.2.3) and message
//     identifiers (RFC 5322 3.6.4);
//   - SMTP reply codes (RFC 5321 4.2) and enhanced status codes (RFC 3463)
//     as named values (codes.go), never bare numbers in a handler.
//
// It imports nothing of intake's and does no I/O.
package mailproto
