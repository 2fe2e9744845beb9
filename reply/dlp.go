package reply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/intake-mail/intake/scan"
)

// Scanner reads a whole message the way the gateway reads inbound mail
// (scan.New(scan.DefaultLimits()) satisfies it).
type Scanner interface {
	Scan(ctx context.Context, raw []byte) (*scan.Result, error)
}

// ErrSensitiveOutbound is wrapped by every refusal of outbound DLP. A staff
// reply that hits it is shown to the agent; an auto-reply that hits it is a
// bug in a template or the configuration.
var ErrSensitiveOutbound = errors.New("outbound message holds a sensitive number")

// CheckOutbound is outbound DLP: raw must hold no full number anywhere,
// neither in any header nor in its decoded text. body is the text as it was
// before encoding, read directly as well so that a scanner fault cannot let
// a number through (fail closed: a scan error blocks the send too). Last,
// the independent second check (guard.go) reads it all once more.
func CheckOutbound(ctx context.Context, sc Scanner, raw []byte, body string) error {
	var found []scan.Match
	head := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head = raw[:i]
	}
	found = append(found, scan.Detect(unfold(head))...)
	found = append(found, scan.Detect([]byte(body))...)
	if len(found) > 0 {
		return blocked(found)
	}
	if sc == nil {
		return secondCheck(raw, body)
	}
	res, err := sc.Scan(ctx, raw)
	if err != nil {
		return fmt.Errorf("%w: could not scan it: %v", ErrSensitiveOutbound, err)
	}
	if res.Sensitive() {
		ms := make([]scan.Match, 0, len(res.Findings))
		for _, f := range res.Findings {
			ms = append(ms, scan.Match{Kind: f.Type, Last4: f.Last4})
		}
		return blocked(ms)
	}
	if len(res.Unscannable) > 0 {
		return fmt.Errorf("%w: part %s could not be scanned (%s)", ErrSensitiveOutbound, res.Unscannable[0].Where, res.Unscannable[0].Reason)
	}
	return secondCheck(raw, body)
}

// blocked names what was found by kind and last four, as staff may see it.
func blocked(ms []scan.Match) error {
	seen := map[string]bool{}
	var what []string
	for _, m := range ms {
		s := string(m.Kind) + " ending " + m.Last4
		if !seen[s] {
			seen[s] = true
			what = append(what, s)
		}
	}
	sort.Strings(what)
	return fmt.Errorf("%w: %s; remove it and send again", ErrSensitiveOutbound, strings.Join(what, ", "))
}

// unfold joins folded header lines (RFC 5322 §2.2.3) so a number split by
// folding is seen whole.
func unfold(h []byte) []byte {
	h = bytes.ReplaceAll(h, []byte("\r\n "), []byte(" "))
	return bytes.ReplaceAll(h, []byte("\r\n\t"), []byte(" "))
}
