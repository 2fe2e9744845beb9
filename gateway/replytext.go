package gateway

import (
	"bytes"

	"github.com/intake-mail/intake/mailproto"
)

// go-smtp writes some replies with texts of its own and no way for a
// backend to choose them: "250-Hello CLIENT" as the first EHLO line
// (RFC 5321 4.1.1.1 wants the server's own name there), "Roger,
// accepting mail from <...>" and "I'll make sure <...> gets this" with a
// generic 2.0.0 where RFC 3463 has 2.1.0 and 2.1.5. A session may return
// only errors from Mail and Rcpt (an error leaves the command undone), so
// the connection rewrites these lines on their way out instead.
//
// textproto flushes every reply line in a Write of its own, so a Write is
// one whole line; a line matching none of the prefixes below passes as it
// is. After STARTTLS go-smtp writes into the TLS connection above ours:
// what reaches us is ciphertext, which matches nothing, and go-smtp's own
// texts are sent (the codes are the same; only the words differ).
var (
	goSMTPEHLOFirst = []byte("250-Hello ")
	goSMTPHELO      = []byte("250 2.0.0 Hello ")
	goSMTPMailOK    = []byte("250 2.0.0 Roger, accepting mail from <")
	goSMTPRcptOK    = []byte("250 2.0.0 I'll make sure <")
	goSMTPNoop      = []byte("250 2.0.0 I have successfully done nothing\r\n")
	goSMTPVrfy      = []byte("252 2.5.0 Cannot VRFY user, but will accept message\r\n")
)

var (
	senderOKLine    = []byte(formatLine(mailproto.C250Completed, mailproto.EnhOtherAddress, "Sender OK"))
	recipientOKLine = []byte(formatLine(mailproto.C250Completed, mailproto.EnhDestValid, "Recipient OK"))
	noopLine        = []byte(formatLine(mailproto.C250Completed, mailproto.EnhOK, "OK"))
	// RFC 5321 3.5.3: 252 when the server cannot verify. go-smtp adds
	// "but will accept message", which an MX refusing unknown users at
	// RCPT must not promise.
	vrfyLine = []byte(formatLine(mailproto.C252CannotVerify, mailproto.EnhProtocolOK, "Cannot VRFY user"))
)

// ourReplyText is our text for a reply line go-smtp wrote in its words,
// or nil to send b as it is.
func ourReplyText(b []byte, hostname string) []byte {
	if len(b) < 4 || b[0] != '2' || !bytes.HasSuffix(b, []byte("\r\n")) {
		return nil
	}
	switch {
	case bytes.HasPrefix(b, goSMTPMailOK):
		return senderOKLine
	case bytes.HasPrefix(b, goSMTPRcptOK):
		return recipientOKLine
	case bytes.HasPrefix(b, goSMTPEHLOFirst):
		// RFC 5321 4.1.1.1: ehlo-ok-rsp is "250-" Domain, ours. (No
		// enhanced code on EHLO and HELO replies, RFC 2034 3.)
		return []byte("250-" + hostname + "\r\n")
	case bytes.HasPrefix(b, goSMTPHELO):
		return []byte("250 " + hostname + "\r\n")
	case bytes.Equal(b, goSMTPNoop):
		return noopLine
	case bytes.Equal(b, goSMTPVrfy):
		return vrfyLine
	}
	return nil
}
