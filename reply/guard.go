package reply

import (
	"bytes"
	"fmt"
	"io"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset a header or part may name

	"github.com/intake-mail/intake/guard"
)

// maxGuardedBody bounds what the second check reads of one outgoing part;
// our replies are a few KiB, so more is refused rather than half read.
const maxGuardedBody = 4 << 20

// secondCheck is the independent check on what is about to leave (package
// guard, which shares no code with the scanner): the raw bytes as they
// are, every header field decoded, every part decoded from its transfer
// encoding and charset, and the text as written. A hit, or a message it
// cannot read, refuses the send. The error names the kind of number and
// where, never its digits.
func secondCheck(raw []byte, body string) error {
	if err := guarded("the text", guard.Text(body)); err != nil {
		return err
	}
	if err := guarded("the message as sent", guard.Bytes(raw)); err != nil {
		return err
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%w: the second check could not read it: %v", ErrSensitiveOutbound, err)
	}
	return e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil {
			return fmt.Errorf("%w: the second check could not read part %v: %v", ErrSensitiveOutbound, path, err)
		}
		fields := part.Header.Fields()
		for fields.Next() {
			v, err := fields.Text()
			if err != nil {
				return fmt.Errorf("%w: the second check could not decode header %s", ErrSensitiveOutbound, fields.Key())
			}
			if err := guarded("header "+fields.Key(), guard.Text(v)); err != nil {
				return err
			}
		}
		if part.MultipartReader() != nil {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(part.Body, maxGuardedBody+1))
		if err != nil {
			return fmt.Errorf("%w: the second check could not read part %v: %v", ErrSensitiveOutbound, path, err)
		}
		if len(b) > maxGuardedBody {
			return fmt.Errorf("%w: part %v is too large for the second check", ErrSensitiveOutbound, path)
		}
		where := "the body"
		if len(path) > 0 {
			where = fmt.Sprintf("part %v", path)
		}
		return guarded(where, guard.Bytes(b))
	})
}

func guarded(where string, hits []guard.Hit) error {
	if len(hits) == 0 {
		return nil
	}
	what := "a card number"
	if hits[0].Kind == "ssn" {
		what = "a Social Security number or ITIN"
	}
	return fmt.Errorf("%w: %s in %s (second check, rule %s); remove it and send again", ErrSensitiveOutbound, what, where, hits[0].Rule)
}
