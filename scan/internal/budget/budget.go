// Package budget is the account one message's scan draws on, and the
// reasons a part is unscannable. The walk makes one Budget per message and
// lends it to every reader (PDF, Office, archives, OCR), so a zip inside a
// forwarded mail inside a multipart draws on the same account as the
// top-level body: decoded bytes, parts, wall time, and the message's share
// of the process-wide memory account (Shared) while a heavy extraction
// runs. A reader that runs out returns an error made by Unscannable; the
// walk reads its reason with ReasonOf and withholds the part (fail closed).
//
// It imports nothing of intake's: package scan keeps the public names
// (scan.Limits, scan.SharedBudget, scan.Reason*) and hands their values
// down.
package budget

import (
	"context"
	"fmt"
	"time"
)

// Limits are the bounds of one message's scan that the readers apply:
// scan.Limits without the walk's own (depth) and the image policy.
type Limits struct {
	MaxDecodedBytes int64         // all decoded content of one message, archives included
	MaxParts        int           // MIME parts and archive entries together
	MaxArchiveRatio int64         // decoded size / stored size of one archive entry
	MaxArchiveFiles int           // entries in one archive (or Office package)
	MaxTime         time.Duration // wall time for one message
	MaxDocumentText int64         // text one document (a PDF) may yield; 0: only MaxDecodedBytes
	MaxOCRPixels    int64         // largest image given to OCR; 0: no limit
	OCRMemory       int64         // address space of one tesseract process; 0: no limit

	// Shared, when set, is the account every message in flight draws on.
	Shared *Shared
}

// ArchiveSlack is expansion every entry is allowed on top of the ratio, so
// a tiny, highly compressible file (a page of spaces) is not called a bomb.
const ArchiveSlack = 1 << 20

// Budget is the running account of one message's Limits. It is not safe
// for concurrent use: one message is scanned by one goroutine.
type Budget struct {
	ctx      context.Context
	lim      Limits
	deadline time.Time
	decoded  int64
	parts    int

	// The message's share of Limits.Shared while a heavy extraction runs.
	heavyDepth int
	held       int64
}

// New starts the account of one message; its time runs from now.
func New(ctx context.Context, lim Limits) *Budget {
	b := &Budget{ctx: ctx, lim: lim}
	if lim.MaxTime > 0 {
		b.deadline = time.Now().Add(lim.MaxTime)
	}
	return b
}

// Limits are the bounds the account was made with.
func (b *Budget) Limits() Limits { return b.lim }

// Context is the message's context (nil when none was given).
func (b *Budget) Context() context.Context { return b.ctx }

// Deadline is when the message's time runs out; zero without MaxTime.
func (b *Budget) Deadline() time.Time { return b.deadline }

// Decoded is how many decoded bytes were taken so far.
func (b *Budget) Decoded() int64 { return b.decoded }

// Take reserves n decoded bytes; past the budget the part is unscannable.
func (b *Budget) Take(n int64) error {
	b.decoded += n
	if b.lim.MaxDecodedBytes > 0 && b.decoded > b.lim.MaxDecodedBytes {
		return Unscannable(ReasonTooLarge, fmt.Sprintf("more than %d decoded bytes", b.lim.MaxDecodedBytes))
	}
	return nil
}

// Remaining is how many more decoded bytes may be taken; readers use it
// to cap a reader before they read, so memory never grows past the budget.
func (b *Budget) Remaining() int64 {
	if b.lim.MaxDecodedBytes <= 0 {
		return 1 << 62
	}
	if r := b.lim.MaxDecodedBytes - b.decoded; r > 0 {
		return r
	}
	return 0
}

// Part counts one more MIME part or archive entry.
func (b *Budget) Part() error {
	b.parts++
	if b.lim.MaxParts > 0 && b.parts > b.lim.MaxParts {
		return Unscannable(ReasonTooManyParts, fmt.Sprintf("more than %d parts", b.lim.MaxParts))
	}
	return nil
}

// ReturnPart gives back the part counted last: the walk reads one part
// in several ways (an ambiguous header), each counted once already.
func (b *Budget) ReturnPart() { b.parts-- }

// Check is called between units of work; it is cheap enough for a loop.
func (b *Budget) Check() error {
	if b.ctx != nil {
		if err := b.ctx.Err(); err != nil {
			return Unscannable(ReasonTimeout, "cancelled")
		}
	}
	if !b.deadline.IsZero() && time.Now().After(b.deadline) {
		return Unscannable(ReasonTimeout, "time budget spent")
	}
	return nil
}

// RatioLimit is how many bytes stored compressed bytes may expand to.
func (b *Budget) RatioLimit(stored int64) int64 {
	const unlimited = int64(1) << 62
	if b.lim.MaxArchiveRatio <= 0 || stored >= unlimited/(b.lim.MaxArchiveRatio+1) {
		return unlimited
	}
	return b.lim.MaxArchiveRatio*stored + ArchiveSlack
}

// Heavy starts an extraction that may hold much memory for a while (a
// PDF): it takes one of the process-wide slots of Limits.Shared, waiting
// briefly when all are taken. done gives the slot back with every byte
// held since. Nested calls share the outer slot. Without Limits.Shared it
// costs nothing.
func (b *Budget) Heavy() (done func(), err error) {
	s := b.lim.Shared
	if s == nil {
		return func() {}, nil
	}
	if b.heavyDepth == 0 {
		if err := s.enter(b.ctx, b.deadline); err != nil {
			return nil, err
		}
	}
	b.heavyDepth++
	return func() {
		b.heavyDepth--
		if b.heavyDepth == 0 {
			s.release(b.held)
			b.held = 0
			s.leave()
		}
	}, nil
}

// Hold charges n bytes the extraction is about to keep in memory to the
// shared account, until the heavy extraction ends. Past what the account
// can give (after a brief wait) the part is too_large. Outside a heavy
// extraction, or without Limits.Shared, it is free.
func (b *Budget) Hold(n int64) error {
	s := b.lim.Shared
	if s == nil || b.heavyDepth == 0 || n <= 0 {
		return nil
	}
	if err := s.acquire(b.ctx, b.deadline, n); err != nil {
		return err
	}
	b.held += n
	return nil
}

// Unhold gives back n bytes held since the heavy extraction began, when
// the memory they stood for is freed before it ends (a window returned to
// its pool), so a long document does not hold what it no longer uses.
func (b *Budget) Unhold(n int64) {
	s := b.lim.Shared
	if s == nil || n <= 0 {
		return
	}
	n = min(n, b.held)
	b.held -= n
	s.release(n)
}
