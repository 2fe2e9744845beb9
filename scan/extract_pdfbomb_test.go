package scan

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
)

// pdfBomb is a one-page PDF of a few hundred KiB whose one FlateDecode
// stream inflates to about inflated bytes of unit repeated (the issue's
// bomb: 200 MiB of "(777...) Tj"). where puts that stream in the page's
// contents ("page"), in a form the page draws ("form"), in a content
// stream no page draws ("orphan") or in an attached file ("attached").
// Built once per shape.
func pdfBomb(tb testing.TB, inflated int, unit, where string) []byte {
	tb.Helper()
	key := fmt.Sprintf("%d/%s/%s", inflated, unit, where)
	if b, ok := bombs.Load(key); ok {
		return b.([]byte)
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if where != "attached" {
		zw.Write([]byte("BT /F1 12 Tf 72 700 Td\n"))
	}
	chunk := []byte(strings.Repeat(unit, max(1, (1<<20)/len(unit))))
	for n := 0; n < inflated; n += len(chunk) {
		zw.Write(chunk)
	}
	if where != "attached" {
		zw.Write([]byte("ET\n"))
	}
	zw.Close()
	contents, bombDict := "4 0 R", ""
	switch where {
	case "form":
		contents, bombDict = "6 0 R", "/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
	case "orphan":
		contents = "6 0 R"
	case "attached":
		contents, bombDict = "6 0 R", "/Type /EmbeddedFile "
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var off []int
	obj := func(s string) { off = append(off, b.Len()); b.WriteString(s) }
	obj("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	obj("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n")
	obj("3 0 obj << /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Fm 4 0 R >> >> /Contents " + contents + " >> endobj\n")
	obj(fmt.Sprintf("4 0 obj << %s/Length %d /Filter /FlateDecode >> stream\n", bombDict, z.Len()))
	b.Write(z.Bytes())
	b.WriteString("\nendstream endobj\n")
	obj("5 0 obj " + helvetica + " endobj\n")
	page := "BT /F1 12 Tf 72 720 Td (Statement) Tj ET /Fm Do"
	obj(fmt.Sprintf("6 0 obj << /Length %d >> stream\n%s\nendstream endobj\n", len(page), page))
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 7\n0000000000 65535 f \n")
	for _, o := range off {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer << /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
	bombs.Store(key, b.Bytes())
	return b.Bytes()
}

var bombs sync.Map

// heapPeak samples the Go heap until stop is called and returns the
// largest HeapAlloc above what it was at the start.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
				peak.Store(ms.HeapAlloc - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

const mib = 1 << 20

// TestPDFInflateBomb: the bomb, a PDF of a few hundred KiB whose
// content stream inflates to 200 MiB of text-showing operators, is read as
// it inflates: the heap stays small and the part is withheld as too_large
// (its text is past the document's text budget). The old reader inflated
// the whole stream, then held its text several times over: 1.8 GB RSS.
func TestPDFInflateBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200 MiB bomb")
	}
	// The bomb with the default limits, and other shapes of it
	// (smaller, with a smaller text budget, to keep the test short).
	small := DefaultLimits()
	small.MaxDocumentText = 1 << 20
	sevens := "(" + strings.Repeat("7", 4000) + ") Tj\n"
	shapes := []struct {
		name, unit, where string
		inflated          int
		lim               Limits
		reason            string
	}{
		{"200 MiB of long strings", sevens, "page", 200 * mib, DefaultLimits(), ReasonTooLarge},
		{"in a form the page draws", sevens, "form", 200 * mib, DefaultLimits(), ReasonTooLarge},
		{"in a stream no page draws", sevens, "orphan", 200 * mib, DefaultLimits(), ReasonTooLarge},
		{"in an attached text file", strings.Repeat("7", 4000) + "\n", "attached", 200 * mib, DefaultLimits(), ReasonTooLarge},
		{"one glyph per show", "(7) Tj\n", "page", 40 * mib, small, ReasonTooLarge},
		{"one glyph per Td", "(7) Tj 9 0 Td\n", "page", 40 * mib, small, ReasonTooLarge},
		{"TJ arrays kerning every glyph", "[(7) -900 (7) -900 (7) -900 (7)] TJ\n", "page", 40 * mib, small, ReasonTooLarge},
		{"drawing, no text", "0 0 m 1 1 l S\n", "page", 40 * mib, DefaultLimits(), ""},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			bomb := pdfBomb(t, sh.inflated, sh.unit, sh.where)
			stop := heapPeak()
			start := time.Now()
			text, err := pdfText(newAccount(context.Background(), sh.lim), bomb)
			elapsed := time.Since(start)
			peak := stop()
			t.Logf("%d KiB PDF inflating to %d MiB: reason %q, %d bytes of text, heap peak %d MiB, %v", len(bomb)>>10, sh.inflated/mib, reasonOrEmpty(err), len(text), peak/mib, elapsed.Round(time.Millisecond))
			if reasonOrEmpty(err) != sh.reason {
				t.Errorf("reason %q, want %q", reasonOrEmpty(err), sh.reason)
			}
			if peak > 160*mib {
				t.Errorf("heap grew by %d MiB reading one bomb", peak/mib)
			}
		})
	}
}

// TestSharedBudgetBombs: six bomb messages scanned at once by one Scanner
// whose Limits share one account keep the heap bounded, and a small
// message scanned at the same time is answered at once.
func TestSharedBudgetBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200 MiB bomb")
	}
	bomb := pdfBomb(t, 200*mib, "("+strings.Repeat("7", 4000)+") Tj\n", "page")
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

	stop := heapPeak()
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
	t.Logf("six bombs at once: heap peak %d MiB, shared account peak %d MiB; small message answered in %v", peak/mib, lim.Shared.Peak()/mib, latency.Round(time.Microsecond))
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
	if peak > 768*mib {
		t.Errorf("heap grew by %d MiB for six bombs", peak/mib)
	}
}

// TestPDFContentWindow: a content stream read through its window loses no
// token at the window's edge, follows a string longer than the window,
// skips an inline image longer than it, and refuses (too_large) a string
// longer than any window it would grow to: cutting it would hide its end.
func TestPDFContentWindow(t *testing.T) {
	filler := strings.Repeat("0 0 m 1 1 l S ", pdfWindow/14+7) // tokens across every edge
	longString := strings.Repeat("x", 3*pdfWindow) + " " + testCard
	image := strings.Repeat("\x00\xffE I\n", 2*pdfWindow/6)
	cases := []struct {
		name, content string
		want          string
		reason        string
	}{
		{"tokens across the window's edges", filler + "BT /F1 12 Tf 72 700 Td (" + testCard + ") Tj ET " + filler, testCard, ""},
		{"a string longer than the window", filler + "BT /F1 12 Tf 72 700 Td (" + longString + ") Tj ET", testCard, ""},
		{"an inline image longer than the window", "BI /W 1 /H 1 ID\n" + image + " EI BT /F1 12 Tf 72 700 Td (" + testCard + ") Tj ET", testCard, ""},
		{"a string longer than any window", "BT /F1 12 Tf 72 700 Td (" + strings.Repeat("7", pdfMaxToken+10) + ") Tj ET", "", ReasonTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text, err := pdfText(testBudget(), onePage(tc.content, helvetica))
			if reasonOrEmpty(err) != tc.reason {
				t.Fatalf("reason %q (%v), want %q", reasonOrEmpty(err), err, tc.reason)
			}
			if tc.want != "" && !strings.Contains(text, tc.want) {
				t.Errorf("text (%d bytes) lacks the number ending %s", len(text), last4(tc.want))
			}
		})
	}
}

// TestSharedBudgetLongDocument: what a document holds of the shared
// account follows what it holds in memory: a window given back at the end
// of each page is given back to the account too, so a long document does
// not run out of a small account.
func TestSharedBudgetLongDocument(t *testing.T) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(true)
	p.SetFont("Helvetica", "", 12)
	for i := 0; i < 400; i++ {
		p.AddPage()
		p.Cell(0, 8, fmt.Sprintf("Page %d of the statement", i+1))
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	lim.Shared = NewSharedBudget(12 * mib)
	text, err := pdfText(newAccount(context.Background(), lim), out.Bytes())
	if err != nil || !strings.Contains(text, "Page 400 of") {
		t.Fatalf("400 pages: %v, %d bytes of text", err, len(text))
	}
	t.Logf("400 pages, %d KiB: shared account peak %d KiB", out.Len()>>10, lim.Shared.Peak()>>10)
	if lim.Shared.InUse() != 0 {
		t.Errorf("%d bytes still held", lim.Shared.InUse())
	}
}
