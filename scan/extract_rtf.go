package scan

import (
	"github.com/intake-mail/intake/scan/internal/rtf"
)

// The walk's side of RTF (internal/rtf reads it): Word writes a line as
// many run groups, so the raw bytes are no text to scan (a number split
// across two groups, or spelled \'34\'31, is in no raw line); the reader's
// text is. What it could not read with confidence makes the document
// unscannable, never clean; its pictures go under the image policy.

// rtfText returns every text of an RTF document (see rtf.Result.AllText)
// and notes its pictures on b for the walk.
func rtfText(b *account, data []byte) (string, error) {
	res, err := rtf.Extract(data, rtfLimits(b))
	text := res.AllText()
	if err != nil {
		return text, err // the time budget, made by Check
	}
	if err := b.Take(int64(len(text))); err != nil {
		return text, err
	}
	// Every picture, Word's fallbacks for older readers included: WordPad
	// shows the fallback, and nothing says it shows the same thing.
	for i, im := range res.Images {
		b.noteImage(im.Name(i+1), b.readImage(im.Data))
	}
	if len(res.Problems) > 0 {
		p := res.Problems[0]
		return text, unscannable(p.Reason, "rtf: "+p.Detail)
	}
	return text, nil
}

// rtfLimits bounds an RTF document by the message's account: its text by
// Limits.MaxDocumentText and what is left of the decoded bytes, its
// pictures by what is left too.
func rtfLimits(b *account) rtf.Limits {
	lim := rtf.DefaultLimits()
	room := b.Remaining()
	if m := b.Limits().MaxDocumentText; m > 0 {
		room = min(room, m)
	}
	lim.MaxText = int(max(min(room, int64(lim.MaxText)), 1))
	lim.MaxImageBytes = max(min(b.Remaining(), lim.MaxImageBytes), 1)
	lim.Check = b.Check
	return lim
}
