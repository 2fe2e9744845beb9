package scan

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// DefaultSharedMemory is the process-wide ceiling NewSharedBudget uses when
// given none: sized for a small VM that also runs the store.
const DefaultSharedMemory = 512 << 20

// DefaultSharedWait is how long a message waits for a share of the account
// before the part that needed it is withheld as too_large.
const DefaultSharedWait = 5 * time.Second

// SharedBudget is the one account every message scanned at the same time
// draws on, so that the sum over all of them stays under a ceiling however
// many arrive at once; Limits bound one message, this bounds the process.
// It counts the memory that heavy extractions (PDF today) hold while they
// run and how many of them run at once. A message that cannot get its share
// waits briefly, then the part is withheld as too_large: the heap never
// grows past the ceiling to scan it (fail closed).
//
// Make one per process (NewSharedBudget) and put it in Limits.Shared of
// every Scanner; it is safe for concurrent use.
type SharedBudget struct {
	max   int64
	wait  time.Duration
	slots chan struct{} // one token per heavy extraction in progress

	mu    sync.Mutex
	used  int64
	peak  int64
	freed chan struct{} // closed (and replaced) whenever bytes come back
}

// NewSharedBudget returns an account of maxBytes (DefaultSharedMemory when
// not positive) with one heavy extraction per CPU, and at least two, so a
// small document is not queued behind one bomb on a one-core machine.
func NewSharedBudget(maxBytes int64) *SharedBudget {
	if maxBytes <= 0 {
		maxBytes = DefaultSharedMemory
	}
	return &SharedBudget{
		max:   maxBytes,
		wait:  DefaultSharedWait,
		slots: make(chan struct{}, max(runtime.NumCPU(), 2)),
		freed: make(chan struct{}),
	}
}

// WithWait sets how long a message waits for its share; it returns s so a
// caller can write NewSharedBudget(n).WithWait(d) before first use.
func (s *SharedBudget) WithWait(d time.Duration) *SharedBudget {
	s.wait = d
	return s
}

// Max is the ceiling in bytes.
func (s *SharedBudget) Max() int64 { return s.max }

// InUse is how many bytes messages hold now; Peak the most they ever held.
func (s *SharedBudget) InUse() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

func (s *SharedBudget) Peak() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// waitContext bounds a wait by the account's patience, the message's own
// deadline and its context.
func (s *SharedBudget) waitContext(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
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
func (s *SharedBudget) enter(ctx context.Context, deadline time.Time) error {
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
		return unscannable(ReasonTooLarge, "scanner busy: no room for another large extraction")
	}
}

func (s *SharedBudget) leave() { <-s.slots }

// acquire takes n bytes, waiting for others to give some back. It is not
// first-come first-served on purpose: a large request that waits must not
// hold up the small ones behind it; it fails when its wait is over.
func (s *SharedBudget) acquire(ctx context.Context, deadline time.Time, n int64) error {
	if n > s.max {
		return unscannable(ReasonTooLarge, fmt.Sprintf("needs more than the %d bytes shared by all messages", s.max))
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
			return unscannable(ReasonTooLarge, "scanner memory shared by all messages is in use")
		}
	}
}

func (s *SharedBudget) release(n int64) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	s.used -= n
	close(s.freed)
	s.freed = make(chan struct{})
	s.mu.Unlock()
}
