package mailgen

import (
	"fmt"
	"io"
	"strings"
)

// Secret is a full number the generator planted (or a hard negative's
// value). It formats as its masked form with every verb, %v, %s, %q, %d
// and %#v alike, so a test that prints a label by mistake prints no
// number. Compare with string(s); never print string(s).
type Secret string

// Format writes the masked form: every digit but the last four replaced.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, s.Masked()) }

// Masked returns the number with every digit but the last four as '*'.
func (s Secret) Masked() string { return maskDigits(string(s)) }

// Last4 returns the last four ASCII digits of the number.
func (s Secret) Last4() string {
	d := digitsOnly(string(s))
	if len(d) < 4 {
		return d
	}
	return d[len(d)-4:]
}

// Planted is the label of one number the generator put into a message.
type Planted struct {
	Type     Type
	Number   Secret // ASCII digits only
	Last4    string
	Where    string // the contract location the scanner must report
	Spelling string // how it was written: "card-dashed", "ssn-bare+keyword"...
	Carrier  string // what carried it: "text/plain windows-1252 quoted-printable"...
}

func (p Planted) String() string {
	return fmt.Sprintf("%s ...%s at %q (%s in %s)", p.Type, p.Last4, p.Where, p.Spelling, p.Carrier)
}

// Negative is the label of one hard negative: something that looks like a
// number the scanner hunts for but is not one.
type Negative struct {
	Kind    string // "luhn-invalid", "epoch-ms", "iban"...
	Value   Secret // as written, masked when printed
	Where   string // where it sits, in the contract's vocabulary
	Carrier string
}

func (n Negative) String() string {
	return fmt.Sprintf("%s %v at %q (in %s)", n.Kind, n.Value, n.Where, n.Carrier)
}

// maskDigits replaces every digit but the last four with '*' and writes
// those four in ASCII, as the scanner does.
func maskDigits(s string) string {
	total := 0
	for _, r := range s {
		if _, ok := digitValue(r); ok {
			total++
		}
	}
	var b strings.Builder
	seen := 0
	for _, r := range s {
		if v, ok := digitValue(r); ok {
			seen++
			if total-seen >= 4 {
				b.WriteByte('*')
			} else {
				b.WriteByte(byte('0' + v))
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// digitValue maps ASCII and full-width digits (all the generator writes).
func digitValue(r rune) (int, bool) {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0'), true
	case r >= '０' && r <= '９':
		return int(r - '０'), true
	}
	return 0, false
}

// digitsOnly returns the ASCII digits of s, full-width ones folded.
func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if v, ok := digitValue(r); ok {
			b.WriteByte(byte('0' + v))
		}
	}
	return b.String()
}
