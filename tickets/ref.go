package tickets

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// refAlphabet has 32 symbols a member can read over the telephone: the
// digits 0 and 1 and the letters I and O are left out, so O/0 and I/1 are
// never confused.
const refAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// refLen gives 32^6 ≈ 10^9 refs; a clash is retried with a fresh one.
const refLen = 6

// NewRef returns a random ticket reference like "T-7K3F9Q".
func NewRef() string {
	var b [refLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // crypto/rand never fails on supported systems
	}
	out := make([]byte, 2, 2+refLen)
	out[0], out[1] = 'T', '-'
	for _, c := range b {
		out = append(out, refAlphabet[c&31])
	}
	return string(out)
}

// ParseRef normalises what a person typed ("t-7k3f9q", "7K3F9Q", " T-7K3F9Q ")
// into "T-7K3F9Q". Since 0, 1, O and I are never issued, the letters a
// reader might hear for them are mapped back: O→0 is impossible, so an "O"
// or "0" is an error rather than a guess.
func ParseRef(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	// "T-7K3F9Q", "T7K3F9Q" or "7K3F9Q"; the body itself may start with T.
	if strings.HasPrefix(s, "T-") {
		s = s[2:]
	} else if len(s) == refLen+1 && s[0] == 'T' {
		s = s[1:]
	}
	if len(s) != refLen {
		return "", fmt.Errorf("%w: ticket ref must be T- and %d characters", ErrInvalid, refLen)
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(refAlphabet, s[i]) < 0 {
			return "", fmt.Errorf("%w: ticket ref has a character that is never issued (%q)", ErrInvalid, s[i])
		}
	}
	return "T-" + s, nil
}

// findSubjectRefs returns the refs tagged "[T-XXXXXX]" in a subject.
func findSubjectRefs(subject string) []string {
	var refs []string
	for {
		i := strings.Index(subject, "[T-")
		if i < 0 {
			return refs
		}
		subject = subject[i+1:]
		end := strings.IndexByte(subject, ']')
		if end < 0 {
			return refs
		}
		if ref, err := ParseRef(subject[:end]); err == nil && end == 2+refLen {
			refs = append(refs, ref)
		}
		subject = subject[end:]
	}
}
