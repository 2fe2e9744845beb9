package mailproto

// SMTP reply codes (RFC 5321 4.2.2, 4.2.3) that intake sends or acts on.
// A handler names one of these, never a bare number.
const (
	C250Completed          = 250 // requested mail action okay, completed
	C252CannotVerify       = 252 // cannot VRFY user (RCPT says whether mail is taken)
	C421ServiceUnavailable = 421 // service not available, closing transmission channel
	C451LocalError         = 451 // requested action aborted: local error in processing
	C501BadParams          = 501 // syntax error in parameters or arguments
	C550MailboxUnavailable = 550 // mailbox unavailable, not found, or refused by policy
	C552ExceededStorage    = 552 // exceeded storage allocation (message size)
	C554TransactionFailed  = 554 // transaction failed
)

// Reply classes, the first digit of a code (RFC 5321 4.2.1).
const (
	ClassSuccess   = 2 // 2yz: done
	ClassTransient = 4 // 4yz: not done; the same transaction may succeed later
	ClassPermanent = 5 // 5yz: not done; do not repeat the same transaction
)

// Class is the class of a reply code (0 for no code).
func Class(code int) int { return code / 100 }

// EnhancedCode is an enhanced mail system status code (RFC 3463): class,
// subject and detail. It converts to go-smtp's EnhancedCode as it is.
type EnhancedCode [3]int

// Enhanced status codes intake sends (RFC 3463, registry of RFC 5248).
var (
	EnhOK              = EnhancedCode{2, 0, 0} // other undefined status: success
	EnhOtherAddress    = EnhancedCode{2, 1, 0} // addressing status, success (the sender taken)
	EnhDestValid       = EnhancedCode{2, 1, 5} // destination address valid
	EnhProtocolOK      = EnhancedCode{2, 5, 0} // other or undefined protocol status: success
	EnhOtherSystem     = EnhancedCode{4, 3, 0} // mail system: other or undefined status
	EnhNotAccepting    = EnhancedCode{4, 3, 2} // system not accepting network messages
	EnhBadConnection   = EnhancedCode{4, 4, 2} // bad connection
	EnhSecurityTemp    = EnhancedCode{4, 7, 0} // security or policy status, temporary
	EnhBadMailbox      = EnhancedCode{5, 1, 1} // bad destination mailbox address
	EnhBadDestSyntax   = EnhancedCode{5, 1, 3} // bad destination mailbox address syntax
	EnhBadSenderSyntax = EnhancedCode{5, 1, 7} // bad sender's mailbox address syntax
	EnhTooBig          = EnhancedCode{5, 3, 4} // message too big for system
	EnhRoutingLoop     = EnhancedCode{5, 4, 6} // routing loop detected
	EnhSyntax          = EnhancedCode{5, 5, 2} // syntax error
	EnhMediaError      = EnhancedCode{5, 6, 0} // other or undefined media error
	EnhNotAuthorized   = EnhancedCode{5, 7, 1} // delivery not authorized, message refused
)
