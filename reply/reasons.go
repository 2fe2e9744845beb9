package reply

import "github.com/intake-mail/intake/tickets"

// Reasons a decision was taken. They are machine-readable and stable:
// operators count them in metrics and the audit log records them.
const (
	// Reasons to reply; each names the template that answers.
	ReasonSensitive   = "sensitive"   // a full number was found and removed
	ReasonWithheld    = "withheld"    // an attachment could not be checked
	ReasonAcknowledge = "acknowledge" // clean mail, acknowledgements enabled

	// Reasons not to reply.
	ReasonDisabled         = "disabled"          // auto-replies are off
	ReasonNullSender       = "null_sender"       // MAIL FROM:<>, a bounce or another auto-reply
	ReasonInvalidSender    = "invalid_sender"    // envelope sender is not a usable address
	ReasonMaskedSender     = "masked_sender"     // envelope sender held a number and was masked: not the member's address
	ReasonOwnAddress       = "own_address"       // the sender is us: answering would loop
	ReasonBounceSender     = "bounce_sender"     // MAILER-DAEMON, postmaster
	ReasonListSender       = "list_sender"       // LISTSERV, majordomo, *-request, owner-*, *-bounces
	ReasonNoReplySender    = "noreply_sender"    // no-reply, donotreply and their spellings
	ReasonLoop             = "loop"              // our own loop token came back
	ReasonAutoSubmitted    = "auto_submitted"    // Auto-Submitted other than "no"
	ReasonDeliveryReport   = "delivery_report"   // multipart/report, message/delivery-status
	ReasonPrecedence       = "precedence"        // Precedence: bulk, list, junk, auto_reply
	ReasonListHeader       = "list_header"       // any List-* header
	ReasonSuppressed       = "suppressed"        // X-Auto-Response-Suppress asks us not to
	ReasonAutoreplyHeader  = "autoreply_header"  // X-Autoreply, X-Autorespond and kin
	ReasonNothingToSay     = "nothing_to_say"    // clean mail and acknowledgements are off
	ReasonNotAuthenticated = "not_authenticated" // the reply address itself is unproven (no SPF pass for it, nor DMARC pass with it as From)
	ReasonRateSensitive    = "rate_sensitive"    // already told this address today
	ReasonRateHourly       = "rate_hourly"       // hourly cap for this address reached
	ReasonRateDomain       = "rate_domain"       // hourly cap for this organisational domain reached
	ReasonComposeFailed    = "compose_failed"    // the reply could not be built or failed outbound DLP

	// The store's own word: a reply was decided, but a rate limit was
	// spent when the accept's transaction charged it.
	ReasonRateLimitedAtCommit = tickets.ReplyRateLimitedAtCommit
)

// decisionWords says each decision kept on a member's message in words
// for staff (the ticket page, the CLI, the API's reply_why): the member
// says "I never got an answer", and this is why. One table, so every
// place says it alike.
var decisionWords = map[string]string{
	tickets.ReplyQueued:       "an auto-reply was queued",
	ReasonDisabled:            "auto-replies are turned off on this gateway",
	ReasonNullSender:          "the mail came from the null sender (a bounce or another auto-reply)",
	ReasonInvalidSender:       "the sender's address is not one mail can be sent to",
	ReasonMaskedSender:        "the sender's address looked like it held an SSN or card number, so it was masked and cannot be answered",
	ReasonOwnAddress:          "the mail came from one of our own addresses (answering would loop)",
	ReasonBounceSender:        "the mail came from a mail system (MAILER-DAEMON, postmaster)",
	ReasonListSender:          "the mail came from a mailing list's address",
	ReasonNoReplySender:       "the sender is a no-reply address",
	ReasonLoop:                "the mail carried our own loop marker (it came back to us)",
	ReasonAutoSubmitted:       "the mail was sent automatically (Auto-Submitted)",
	ReasonDeliveryReport:      "the mail is a delivery report",
	ReasonPrecedence:          "the mail is marked bulk, list or junk (Precedence)",
	ReasonListHeader:          "the mail came through a mailing list (List- headers)",
	ReasonSuppressed:          "the sender asked for no automatic replies (X-Auto-Response-Suppress)",
	ReasonAutoreplyHeader:     "the mail is itself an automatic reply",
	ReasonNothingToSay:        "nothing sensitive was found and acknowledgements are off",
	ReasonNotAuthenticated:    "the sender's address was not verified (SPF/DMARC)",
	ReasonRateSensitive:       "this address was already told today not to send such numbers by email",
	ReasonRateHourly:          "this address reached the hourly limit of auto-replies",
	ReasonRateDomain:          "the sender's domain reached the hourly limit of auto-replies",
	ReasonComposeFailed:       "the reply could not be built",
	ReasonRateLimitedAtCommit: "a limit of auto-replies for this address or its domain was reached as the ticket was filed",
}

// DecisionWords says decision (tickets.ReplyQueued or a reason word) in
// words for staff; a word it does not know is returned as it is, and ""
// stays "" (a message filed before decisions were kept).
func DecisionWords(decision string) string {
	if w, ok := decisionWords[decision]; ok {
		return w
	}
	return decision
}

// Templates a reply can be rendered from.
const (
	TemplateSensitive   = "sensitive"
	TemplateWithheld    = "withheld"
	TemplateAcknowledge = "acknowledge"
)
