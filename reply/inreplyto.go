package reply

import (
	"strings"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
)

// safeInReplyTo keeps the member's Message-ID for threading only when it is
// well formed and holds no number. The gateway hands us header values
// already masked, so a Message-ID that held a number arrives with the
// mask's "*" in it: echoing it would send the masked id out, and the
// unmasked one is the number itself. A crude digit check stands behind the
// scanner, which has missed ids such as "card-" and a number glued to it.
// Leaving the id out costs only the member's client threading our reply
// under their message; our own Message-ID still threads their answer.
func safeInReplyTo(id string) string {
	id = strings.TrimSpace(id)
	if id == "" || !mailproto.ValidMessageID(id) || strings.ContainsRune(id, '*') || scan.MaskString(id) != id || digitsLookSensitive(id) {
		return ""
	}
	return id
}

// digitsLookSensitive reports whether s has digit groups (runs of digits
// split by anything but letters) that together could be a card number
// (13 to 19 digits, Luhn-valid, a card's first digit) or an SSN (9 digits).
// It is deliberately cruder than the scanner: only whole groups are
// joined, and any separators count.
func digitsLookSensitive(s string) bool {
	// Groups of digits; a letter ends a chain of groups.
	var chains [][]string
	var chain []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			chain = append(chain, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			cur.WriteRune(r)
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') || r >= 0x80:
			flush()
			chains = append(chains, chain)
			chain = nil
		default:
			flush()
		}
	}
	flush()
	chains = append(chains, chain)
	for _, c := range chains {
		for i := range c {
			joined := ""
			for j := i; j < len(c); j++ {
				joined += c[j]
				if n := len(joined); n == 9 || n >= 13 && n <= 19 && joined[0] >= '2' && joined[0] <= '6' && luhn(joined) {
					return true
				}
				if len(joined) > 19 {
					break
				}
			}
		}
	}
	return false
}

func luhn(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
