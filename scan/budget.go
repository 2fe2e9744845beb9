package scan

import (
	"context"
	"fmt"
	"time"
)

// budget is the running account of one message's Limits. The walk owns it
// and hands it to every extractor, so a zip inside a forwarded mail inside a
// multipart draws on the same account as the top-level body.
type budget struct {
	ctx      context.Context
	lim      Limits
	deadline time.Time
	decoded  int64
	parts    int

	// The message's share of Limits.Shared while a heavy extraction runs.
	heavyDepth int
	held       int64

	// The images met inside documents, for the walk to locate and count
	// (see noteImage); the verdict on each distinct image, so a logo on
	// every page is read once; how many were given to OCR.
	images     []imageNote
	imageCache map[[32]byte]imageRead
	ocrImages  int
}

func newBudget(ctx context.Context, lim Limits) *budget {
	b := &budget{ctx: ctx, lim: lim}
	if lim.MaxTime > 0 {
		b.deadline = time.Now().Add(lim.MaxTime)
	}
	return b
}

// take reserves n decoded bytes; past the budget the part is unscannable.
func (b *budget) take(n int64) error {
	b.decoded += n
	if b.lim.MaxDecodedBytes > 0 && b.decoded > b.lim.MaxDecodedBytes {
		return unscannable(ReasonTooLarge, fmt.Sprintf("more than %d decoded bytes", b.lim.MaxDecodedBytes))
	}
	return nil
}

// remaining is how many more decoded bytes may be taken; extractors use it
// to cap a reader before they read, so memory never grows past the budget.
func (b *budget) remaining() int64 {
	if b.lim.MaxDecodedBytes <= 0 {
		return 1 << 62
	}
	if r := b.lim.MaxDecodedBytes - b.decoded; r > 0 {
		return r
	}
	return 0
}

// part counts one more MIME part or archive entry.
func (b *budget) part() error {
	b.parts++
	if b.lim.MaxParts > 0 && b.parts > b.lim.MaxParts {
		return unscannable(ReasonTooManyParts, fmt.Sprintf("more than %d parts", b.lim.MaxParts))
	}
	return nil
}

// check is called between units of work; it is cheap enough for a loop.
func (b *budget) check() error {
	if b.ctx != nil {
		if err := b.ctx.Err(); err != nil {
			return unscannable(ReasonTimeout, "cancelled")
		}
	}
	if !b.deadline.IsZero() && time.Now().After(b.deadline) {
		return unscannable(ReasonTimeout, "time budget spent")
	}
	return nil
}

// heavy starts an extraction that may hold much memory for a while (a
// PDF): it takes one of the process-wide slots of Limits.Shared, waiting
// briefly when all are taken. done gives the slot back with every byte
// held since. Nested calls share the outer slot. Without Limits.Shared it
// costs nothing.
func (b *budget) heavy() (done func(), err error) {
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

// hold charges n bytes the extraction is about to keep in memory to the
// shared account, until the heavy extraction ends. Past what the account
// can give (after a brief wait) the part is too_large. Outside a heavy
// extraction, or without Limits.Shared, it is free.
func (b *budget) hold(n int64) error {
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

// unhold gives back n bytes held since the heavy extraction began, when
// the memory they stood for is freed before it ends (a window returned to
// its pool), so a long document does not hold what it no longer uses.
func (b *budget) unhold(n int64) {
	s := b.lim.Shared
	if s == nil || n <= 0 {
		return
	}
	n = min(n, b.held)
	b.held -= n
	s.release(n)
}
