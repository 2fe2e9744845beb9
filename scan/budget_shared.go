package scan

import (
	"time"

	"github.com/intake-mail/intake/scan/internal/budget"
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
	s *budget.Shared // the account itself, which the readers draw on
}

// NewSharedBudget returns an account of maxBytes (DefaultSharedMemory when
// not positive) with one heavy extraction per CPU, and at least two, so a
// small document is not queued behind one bomb on a one-core machine.
func NewSharedBudget(maxBytes int64) *SharedBudget {
	if maxBytes <= 0 {
		maxBytes = DefaultSharedMemory
	}
	return &SharedBudget{s: budget.NewShared(maxBytes, DefaultSharedWait)}
}

// WithWait sets how long a message waits for its share; it returns s so a
// caller can write NewSharedBudget(n).WithWait(d) before first use.
func (s *SharedBudget) WithWait(d time.Duration) *SharedBudget {
	s.s.WithWait(d)
	return s
}

// Max is the ceiling in bytes.
func (s *SharedBudget) Max() int64 { return s.s.Max() }

// InUse is how many bytes messages hold now; Peak the most they ever held.
func (s *SharedBudget) InUse() int64 { return s.s.InUse() }

func (s *SharedBudget) Peak() int64 { return s.s.Peak() }

// account is the account the readers draw on; nil for none.
func (s *SharedBudget) account() *budget.Shared {
	if s == nil {
		return nil
	}
	return s.s
}
