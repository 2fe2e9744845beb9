package gateway

import (
	"github.com/emersion/go-smtp"
)

// Reply codes (RFC 5321 4.2.2, 4.2.3). Never a bare number in a handler.
const (
	codeOK                = 250 // requested mail action okay, completed
	codeServiceNotAvail   = 421 // service not available, closing transmission channel
	codeLocalError        = 451 // requested action aborted: local error in processing
	codeSyntaxParams      = 501 // syntax error in parameters or arguments
	codeMailboxUnavail    = 550 // mailbox unavailable / not found / policy
	codeExceededStorage   = 552 // exceeded storage allocation (message size)
	codeTransactionFailed = 554 // transaction failed
)

// Enhanced status codes (RFC 3463, registry of RFC 5248).
var (
	enhOK             = smtp.EnhancedCode{2, 0, 0}
	enhOtherSystem    = smtp.EnhancedCode{4, 3, 0} // mail system: other or undefined status
	enhNotAccepting   = smtp.EnhancedCode{4, 3, 2} // system not accepting network messages
	enhBadConnection  = smtp.EnhancedCode{4, 4, 2} // bad connection
	enhSecurityTemp   = smtp.EnhancedCode{4, 7, 0} // security or policy status, temporary
	enhBadMailbox     = smtp.EnhancedCode{5, 1, 1} // bad destination mailbox address
	enhBadDestSyntax  = smtp.EnhancedCode{5, 1, 3} // bad destination mailbox address syntax
	enhBadSenderSyn   = smtp.EnhancedCode{5, 1, 7} // bad sender's mailbox address syntax
	enhTooBig         = smtp.EnhancedCode{5, 3, 4} // message too big for system
	enhRoutingLoop    = smtp.EnhancedCode{5, 4, 6} // routing loop detected
	enhSyntax         = smtp.EnhancedCode{5, 5, 2} // syntax error
	enhMediaError     = smtp.EnhancedCode{5, 6, 0} // other or undefined media error
	enhNotAuthorized  = smtp.EnhancedCode{5, 7, 1} // delivery not authorized, message refused
	enhDMARCRejection = smtp.EnhancedCode{5, 7, 1}
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
func (r Reply) OK() bool { return r.Code/100 == 2 }

// Temporary reports a 4xx reply: the sender keeps the message and retries.
func (r Reply) Temporary() bool { return r.Code/100 == 4 }

// err is the reply as go-smtp wants it: an unwrapped *smtp.SMTPError, the
// only error whose text go-smtp sends as is. A 250 goes the same way so
// that DATA can answer with the ticket reference.
func (r Reply) err() error {
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: r.Enhanced, Message: r.Text}
}

// The fixed replies. Texts name no internal detail: the log has that.
var (
	replyUnknownUser = Reply{codeMailboxUnavail, enhBadMailbox, "No such user here", "unknown_user"}
	// RFC 5321 3.6.2: a server that is not a relay refuses other domains.
	replyRelayDenied  = Reply{codeTransactionFailed, enhNotAuthorized, "Relay access denied", "relay"}
	replyBadRcptSyn   = Reply{codeSyntaxParams, enhBadDestSyntax, "Bad recipient address syntax", "bad_rcpt"}
	replyBadSenderSyn = Reply{codeSyntaxParams, enhBadSenderSyn, "Bad sender address syntax", "bad_sender"}
	replyBadHelo      = Reply{codeSyntaxParams, enhSyntax, "HELO/EHLO name too long", "bad_helo"}
	replyTooBig       = Reply{codeExceededStorage, enhTooBig, "Message exceeds fixed maximum message size", "too_large"}
	// RFC 5321 2.3.8: CR and LF must only occur together as CRLF in DATA;
	// a bare one is how SMTP smuggling (CVE-2023-51764 class) hides a
	// second message, so the whole message is refused.
	replyBareNewline = Reply{codeTransactionFailed, enhMediaError, "Message refused: bare CR or LF; lines must end with CRLF (RFC 5321 2.3.8)", "bare_newline"}
	replyLineTooLong = Reply{codeTransactionFailed, enhMediaError, "Message refused: line too long", "line_too_long"}
	// RFC 5321 6.3: too many Received fields means a loop.
	replyLoop          = Reply{codeTransactionFailed, enhRoutingLoop, "Routing loop detected: too many Received headers", "loop"}
	replyDMARCReject   = Reply{codeMailboxUnavail, enhDMARCRejection, "Message rejected by the sender domain's DMARC policy", "dmarc_reject"}
	replyStoreRefused  = Reply{codeTransactionFailed, enhMediaError, "Message refused: a field exceeds our storage limits", "store_invalid"}
	replyTempFailure   = Reply{codeLocalError, enhOtherSystem, "Temporary local problem, please try again later", "local_error"}
	replyTimeout       = Reply{codeServiceNotAvail, enhBadConnection, "Timeout waiting for data, closing connection", "timeout"}
	replyShuttingDown  = Reply{codeServiceNotAvail, enhNotAccepting, "Service shutting down, please try again later", "shutdown"}
	replyTooManyErrors = Reply{codeServiceNotAvail, enhSecurityTemp, "Too many errors, closing connection", "too_many_errors"}
	replyNoSession     = Reply{codeLocalError, enhOtherSystem, "Temporary local problem, please try again later", "local_error"}
)

// queued is the reply that names the ticket(s) a message was filed as.
func queued(refs string) Reply {
	return Reply{codeOK, enhOK, "queued as " + refs, ""}
}
