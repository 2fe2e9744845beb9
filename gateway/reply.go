package gateway

import (
	"github.com/emersion/go-smtp"

	"github.com/intake-mail/intake/mailproto"
)

// The enhanced codes as go-smtp writes them.
var (
	enhOK             = smtp.EnhancedCode(mailproto.EnhOK)
	enhOtherSystem    = smtp.EnhancedCode(mailproto.EnhOtherSystem)
	enhNotAccepting   = smtp.EnhancedCode(mailproto.EnhNotAccepting)
	enhBadConnection  = smtp.EnhancedCode(mailproto.EnhBadConnection)
	enhSecurityTemp   = smtp.EnhancedCode(mailproto.EnhSecurityTemp)
	enhBadMailbox     = smtp.EnhancedCode(mailproto.EnhBadMailbox)
	enhBadDestSyntax  = smtp.EnhancedCode(mailproto.EnhBadDestSyntax)
	enhBadSenderSyn   = smtp.EnhancedCode(mailproto.EnhBadSenderSyntax)
	enhTooBig         = smtp.EnhancedCode(mailproto.EnhTooBig)
	enhRoutingLoop    = smtp.EnhancedCode(mailproto.EnhRoutingLoop)
	enhSyntax         = smtp.EnhancedCode(mailproto.EnhSyntax)
	enhMediaError     = smtp.EnhancedCode(mailproto.EnhMediaError)
	enhNotAuthorized  = smtp.EnhancedCode(mailproto.EnhNotAuthorized)
	enhDMARCRejection = enhNotAuthorized // RFC 7489 names none of its own
)

// Reply is what a handler decides: the code, the enhanced code and a fixed
// text. Reason is a short stable label for logs and metrics ("" on
// success). Keeping the decision a value makes handlers table-testable and
// makes sure that only texts written here ever reach a client.
type Reply struct {
	Code     int
	Enhanced smtp.EnhancedCode
	Text     string
	Reason   string
}

// OK reports a 2xx reply.
func (r Reply) OK() bool { return mailproto.Class(r.Code) == mailproto.ClassSuccess }

// err is the reply as go-smtp wants it: an unwrapped *smtp.SMTPError, the
// only error whose text go-smtp sends as is. A 250 goes the same way so
// that DATA can answer with the ticket reference.
func (r Reply) err() error {
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: r.Enhanced, Message: r.Text}
}

// The fixed replies. Texts name no internal detail: the log has that.
var (
	replyUnknownUser = Reply{mailproto.C550MailboxUnavailable, enhBadMailbox, "No such user here", "unknown_user"}
	// RFC 5321 3.6.2: a server that is not a relay refuses other domains.
	replyRelayDenied  = Reply{mailproto.C554TransactionFailed, enhNotAuthorized, "Relay access denied", "relay"}
	replyBadRcptSyn   = Reply{mailproto.C501BadParams, enhBadDestSyntax, "Bad recipient address syntax", "bad_rcpt"}
	replyBadSenderSyn = Reply{mailproto.C501BadParams, enhBadSenderSyn, "Bad sender address syntax", "bad_sender"}
	replyBadHelo      = Reply{mailproto.C501BadParams, enhSyntax, "HELO/EHLO name too long", "bad_helo"}
	replyTooBig       = Reply{mailproto.C552ExceededStorage, enhTooBig, "Message exceeds fixed maximum message size", "too_large"}
	// RFC 5321 2.3.8: CR and LF must only occur together as CRLF in DATA;
	// a bare one is how SMTP smuggling (CVE-2023-51764 class) hides a
	// second message, so the whole message is refused.
	replyBareNewline = Reply{mailproto.C554TransactionFailed, enhMediaError, "Message refused: bare CR or LF; lines must end with CRLF (RFC 5321 2.3.8)", "bare_newline"}
	replyLineTooLong = Reply{mailproto.C554TransactionFailed, enhMediaError, "Message refused: line too long", "line_too_long"}
	// RFC 5321 6.3: too many Received fields means a loop.
	replyLoop          = Reply{mailproto.C554TransactionFailed, enhRoutingLoop, "Routing loop detected: too many Received headers", "loop"}
	replyDMARCReject   = Reply{mailproto.C550MailboxUnavailable, enhDMARCRejection, "Message rejected by the sender domain's DMARC policy", "dmarc_reject"}
	replyStoreRefused  = Reply{mailproto.C554TransactionFailed, enhMediaError, "Message refused: a field exceeds our storage limits", "store_invalid"}
	replyTempFailure   = Reply{mailproto.C451LocalError, enhOtherSystem, "Temporary local problem, please try again later", "local_error"}
	replyTimeout       = Reply{mailproto.C421ServiceUnavailable, enhBadConnection, "Timeout waiting for data, closing connection", "timeout"}
	replyShuttingDown  = Reply{mailproto.C421ServiceUnavailable, enhNotAccepting, "Service shutting down, please try again later", "shutdown"}
	replyTooManyErrors = Reply{mailproto.C421ServiceUnavailable, enhSecurityTemp, "Too many errors, closing connection", "too_many_errors"}
	replyNoSession     = Reply{mailproto.C451LocalError, enhOtherSystem, "Temporary local problem, please try again later", "local_error"}
)

// queued is the reply that names the ticket(s) a message was filed as.
func queued(refs string) Reply {
	return Reply{mailproto.C250Completed, enhOK, "queued as " + refs, ""}
}
