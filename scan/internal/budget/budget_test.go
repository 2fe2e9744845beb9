package budget

import (
	"context"
	"testing"
	"time"
)

const mib = 1 << 20

func reasonOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return ReasonOf(err)
}

// TestSharedBudget: the account gives what it has, makes a message wait
// briefly for more, then refuses (too_large); what a message held comes
// back when its extraction ends, and a waiter is woken by it.
func TestSharedBudget(t *testing.T) {
	s := NewShared(10*mib, 200*time.Millisecond)
	lim := Limits{Shared: s}
	a := New(context.Background(), lim)
	b := New(context.Background(), lim)

	doneA, err := a.Heavy()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Hold(8 * mib); err != nil {
		t.Fatal(err)
	}
	doneB, err := b.Heavy()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = b.Hold(4 * mib)
	if reasonOrEmpty(err) != ReasonTooLarge || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("over the ceiling: %v after %v, want too_large after a brief wait", err, time.Since(start))
	}
	if err := b.Hold(11 * mib); reasonOrEmpty(err) != ReasonTooLarge {
		t.Fatalf("more than the ceiling: %v", err)
	}
	// A waiter gets its bytes as soon as the other message is done.
	go func() {
		time.Sleep(50 * time.Millisecond)
		doneA()
	}()
	if err := b.Hold(4 * mib); err != nil {
		t.Fatalf("after the other message gave back: %v", err)
	}
	if got := s.InUse(); got != 4*mib {
		t.Errorf("in use %d, want 4 MiB", got)
	}
	doneB()
	if got := s.InUse(); got != 0 {
		t.Errorf("in use %d after both ended", got)
	}

	// Slots: with every slot taken, a third heavy extraction waits, then
	// gives up.
	var dones []func()
	for i := 0; i < cap(s.slots); i++ {
		d, err := New(context.Background(), lim).Heavy()
		if err != nil {
			t.Fatal(err)
		}
		dones = append(dones, d)
	}
	if _, err := New(context.Background(), lim).Heavy(); reasonOrEmpty(err) != ReasonTooLarge {
		t.Errorf("no slot left: %v", err)
	}
	for _, d := range dones {
		d()
	}
	if d, err := New(context.Background(), lim).Heavy(); err != nil {
		t.Errorf("slots given back: %v", err)
	} else {
		d()
	}
}
