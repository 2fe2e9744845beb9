package reply

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
)

// Templates a reply can be rendered from.
const (
	TemplateSensitive   = "sensitive"
	TemplateWithheld    = "withheld"
	TemplateAcknowledge = "acknowledge"
)
