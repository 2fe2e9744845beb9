package scan

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// TestSharedBudgetBombs: six bomb messages scanned at once by one Scanner
// whose Limits share one account keep the heap bounded, and a small
// message scanned at the same time is answered at once.
func TestSharedBudgetBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200 MiB bomb")
	}
	bomb := testdoc.PDFBomb(t, 200*testdoc.MiB, "("+strings.Repeat("7", 4000)+") Tj\n", "page")
	bombMsg := msg("Subject: statement\r\nContent-Type: multipart/mixed; boundary=b\r\n", []byte(
		"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"+
			"--b\r\nContent-Type: application/pdf; name=bomb.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(bomb))+"--b--\r\n"))
	small := msg("Subject: my card\r\nContent-Type: text/plain\r\n", []byte("Please charge "+testCard+" for the renewal.\r\n"))

	lim := DefaultLimits()
	lim.Shared = NewSharedBudget(DefaultSharedMemory)
	// Two heavy extractions at once, as on the small VM the default is
	// sized for, whatever this machine's CPU count.
	lim.Shared.s.WithSlots(2)
	sc := New(lim)

	stop := testdoc.HeapPeak()
	var wg sync.WaitGroup
	results := make([]*Result, 6)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := sc.Scan(context.Background(), bombMsg)
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	time.Sleep(50 * time.Millisecond) // the bombs are being read
	start := time.Now()
	res, err := sc.Scan(context.Background(), small)
	latency := time.Since(start)
	wg.Wait()
	peak := stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("six bombs at once: heap peak %d MiB, shared account peak %d MiB; small message answered in %v", peak/testdoc.MiB, lim.Shared.Peak()/testdoc.MiB, latency.Round(time.Microsecond))
	if got := summary(res); got != "body=pan:1111" {
		t.Errorf("small message: %q", got)
	}
	if latency > 30*time.Second {
		t.Errorf("small message took %v", latency)
	}
	for i, r := range results {
		if got := summary(r); got != "attachment:bomb.pdf!too_large" {
			t.Errorf("bomb %d: %q", i, got)
		}
	}
	if lim.Shared.Peak() > lim.Shared.Max() {
		t.Errorf("shared account went to %d of %d", lim.Shared.Peak(), lim.Shared.Max())
	}
	if lim.Shared.InUse() != 0 {
		t.Errorf("%d bytes still held after every scan ended", lim.Shared.InUse())
	}
	if peak > 768*testdoc.MiB {
		t.Errorf("heap grew by %d MiB for six bombs", peak/testdoc.MiB)
	}
}
