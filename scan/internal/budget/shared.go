package budget

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// Shared is the one account every message scanned at the same time draws
// on (scan.SharedBudget is its public face, documented there): the memory
// heavy extractions hold while they run, and how many run at once. It is
// safe for concurrent use.
type Shared struct {
	max   int64
	wait  time.Duration
	slots chan struct{} // one token per heavy extraction in progress

	mu    sync.Mutex
	used  int64
	peak  int64
	freed chan struct{} // closed (and replaced) whenever bytes come back
}

// NewShared returns an account of maxBytes in which a message waits up to
// wait for its share, with one heavy extraction per CPU, and at least two,
// so a small document is not queued behind one bomb on a one-core machine.
// (scan.NewSharedBudget gives the defaults.)
func NewShared(maxBytes int64, wait time.Duration) *Shared {
	return &Shared{
		max:   maxBytes,
		wait:  wait,
		slots: make(chan struct{}, max(runtime.NumCPU(), 2)),
		freed: make(chan struct{}),
	}
}

// WithWait sets how long a message waits for its share, before first use.
func (s *Shared) WithWait(d time.Duration) *Shared {
	s.wait = d
	return s
}

// WithSlots sets how many heavy extractions may run at once, whatever the
// CPU count (the tests size it as the small VM the default is made for);
// before first use.
func (s *Shared) WithSlots(n int) *Shared {
	s.slots = make(chan struct{}, n)
	return s
}

// Max is the ceiling in bytes.
func (s *Shared) Max() int64 { return s.max }

// InUse is how many bytes messages hold now.
func (s *Shared) InUse() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// Peak is the most bytes messages ever held at once.
func (s *Shared) Peak() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// waitContext bounds a wait by the account's patience, the message's own
// deadline and its context.
func (s *Shared) waitContext(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	until := time.Now().Add(s.wait)
	if !deadline.IsZero() && deadline.Before(until) {
		until = deadline
	}
	return context.WithDeadline(ctx, until)
}

// enter takes a heavy-extraction slot.
func (s *Shared) enter(ctx context.Context, deadline time.Time) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	wctx, cancel := s.waitContext(ctx, deadline)
	defer cancel()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-wctx.Done():
		return Unscannable(ReasonTooLarge, "scanner busy: no room for another large extraction")
	}
}

func (s *Shared) leave() { <-s.slots }

// acquire takes n bytes, waiting for others to give some back. It is not
// first-come first-served on purpose: a large request that waits must not
// hold up the small ones behind it; it fails when its wait is over.
func (s *Shared) acquire(ctx context.Context, deadline time.Time, n int64) error {
	if n > s.max {
		return Unscannable(ReasonTooLarge, fmt.Sprintf("needs more than the %d bytes shared by all messages", s.max))
	}
	var wctx context.Context
	for {
		s.mu.Lock()
		if s.used+n <= s.max {
			s.used += n
			s.peak = max(s.peak, s.used)
			s.mu.Unlock()
			return nil
		}
		freed := s.freed
		s.mu.Unlock()
		if wctx == nil {
			var cancel context.CancelFunc
			wctx, cancel = s.waitContext(ctx, deadline)
			defer cancel()
		}
		select {
		case <-freed:
		case <-wctx.Done():
			return Unscannable(ReasonTooLarge, "scanner memory shared by all messages is in use")
		}
	}
}

func (s *Shared) release(n int64) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	s.used -= n
	close(s.freed)
	s.freed = make(chan struct{})
	s.mu.Unlock()
}
