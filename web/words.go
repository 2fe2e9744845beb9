package web

import (
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// How the pages say the store's codes in words.

// verdict is an authentication result, "none" when there was none.
func verdict(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

// whereWords says a part's place ("body", "subject", "attachment:NAME").
func whereWords(where string) string {
	switch {
	case where == "body":
		return "the text"
	case where == "subject":
		return "the subject"
	case where == "from":
		return "the sender's name"
	case strings.HasPrefix(where, "attachment:"):
		return "the attachment " + strings.TrimPrefix(where, "attachment:")
	case strings.HasPrefix(where, "header:"):
		return "the header " + strings.TrimPrefix(where, "header:")
	}
	return where
}

// findingWords names a finding's type.
func findingWords(typ string) string {
	switch typ {
	case "ssn":
		return "SSN or ITIN"
	case "pan":
		return "card number"
	}
	return typ
}

// deliveryWords says how an outgoing mail stands.
func deliveryWords(state string) string {
	switch state {
	case desk.DeliveryPending:
		return "waiting to be sent"
	case desk.DeliverySent:
		return "sent"
	case desk.DeliveryFailed:
		return "could not be delivered"
	case desk.DeliveryDropped:
		return "dropped (not sent)"
	}
	return state
}

var repairedRe = regexp.MustCompile(`^([a-z_.]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?$`)

// repairedWords says where a message's bytes were repaired, from the
// store's field names ("subject", "parts[0].text", "attachments[1].name").
func repairedWords(m desk.MessageView) []string {
	var out []string
	for _, f := range m.Repaired {
		w := f
		if p := repairedRe.FindStringSubmatch(f); p != nil {
			i, _ := strconv.Atoi(p[2])
			switch {
			case p[1] == "subject":
				w = "the subject"
			case p[1] == "from_name":
				w = "the sender's name"
			case p[1] == "parts" && p[2] != "" && i < len(m.Parts):
				w = whereWords(m.Parts[i].Where)
			case p[1] == "attachments" && p[3] == "name":
				w = "an attachment's name"
			case p[1] == "headers":
				w = "a header"
			}
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// addrBreaks is an address with places a line may break (after the @,
// before each dot), so that a narrow column wraps it where a reader
// expects and not in the middle of a word. Each piece is escaped.
func addrBreaks(a string) template.HTML {
	var b strings.Builder
	for i, r := range a {
		if r == '.' && i > 0 {
			b.WriteString("<wbr>")
		}
		b.WriteString(template.HTMLEscapeString(string(r)))
		if r == '@' {
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String())
}

// causeWords says why an item was quarantined.
func causeWords(c tickets.Cause) string {
	switch {
	case c == tickets.CauseSSN:
		return "SSN or ITIN"
	case c == tickets.CausePAN:
		return "card number"
	case strings.HasPrefix(string(c), "unscannable:"):
		return "could not be checked (" + strings.ReplaceAll(strings.TrimPrefix(string(c), "unscannable:"), "_", " ") + ")"
	}
	return string(c)
}

// staffName is an audit actor as staff say it: "pat" for "user:pat",
// "pat (command line)" for "cli:pat".
func staffName(actor string) string {
	if n, ok := strings.CutPrefix(actor, "user:"); ok {
		return n
	}
	if n, ok := strings.CutPrefix(actor, "cli:"); ok {
		return n + " (command line)"
	}
	return actor
}

// itemStateWords says where a quarantine item stands ("held" is not a
// legal hold: it is waiting for review).
func itemStateWords(st tickets.QuarantineState) string {
	switch st {
	case tickets.QuarantineHeld:
		return "awaiting review"
	case tickets.QuarantineReleased:
		return "reviewed, released"
	case tickets.QuarantinePurged:
		return "purged"
	}
	return string(st)
}
