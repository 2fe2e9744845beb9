package scan_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/textproto"
	"os"
	"strings"
	"testing"

	"github.com/intake-mail/intake/guard"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/scan/internal/mailgen"
)

// The second check (package guard) must cost few false alarms: the issue's
// target is at most one clean message in 500 withheld by it. These tests
// measure it on what the gateway would store for generated mail: the
// masked subject, every part's masked text, location and file name, every
// clean attachment's content and the kept header values, masked.

const guardMaxRate = 500 // at most one flagged in this many

// guardSeeds is how many seeds give one clean and one sensitive message.
const guardSeeds = 1500

func TestGuardFalseAlarmsOnGeneratedMail(t *testing.T) {
	seeds := guardSeeds
	if testing.Short() {
		seeds = 300
	}
	sc := scan.New(scan.DefaultLimits())
	var clean, cleanFlagged, sensitive, sensitiveFlagged, caught int
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		g := mailgen.New(seed)
		for _, m := range []mailgen.Message{g.Negative(), g.Positive()} {
			res, err := sc.Scan(context.Background(), m.Raw)
			if err != nil {
				t.Fatalf("seed %d: scan: %v", seed, err)
			}
			alarms, missed := guardStored(res, m)
			for _, p := range missed {
				// The scanner left this number readable and the guard
				// caught it: the point of the guard, not a false alarm.
				caught++
				t.Logf("seed %d: the guard caught a number the scanner missed: %v", seed, p)
			}
			if len(m.Planted) == 0 {
				clean++
			} else {
				sensitive++
			}
			if len(alarms) == 0 {
				continue
			}
			if len(m.Planted) == 0 {
				cleanFlagged++
			} else {
				sensitiveFlagged++
			}
			// Rule and location only: the text may hold a number.
			t.Logf("seed %d (%d planted): false alarm: %s\n  shape: %s\n  negatives: %v", seed, len(m.Planted), strings.Join(alarms, "; "), m.Shape, m.Negatives)
		}
	}
	t.Logf("clean messages: %d, flagged by the guard %d (%.3f%%); sensitive messages, masked output: %d, false alarms %d (%.3f%%); numbers the scanner left and the guard caught: %d",
		clean, cleanFlagged, pct(cleanFlagged, clean), sensitive, sensitiveFlagged, pct(sensitiveFlagged, sensitive), caught)
	if cleanFlagged*guardMaxRate > clean {
		t.Errorf("guard flagged %d of %d clean messages: over the 1 in %d target", cleanFlagged, clean, guardMaxRate)
	}
	// A hit on correctly masked output would withhold a part of every
	// sensitive message: the target is the same.
	if sensitiveFlagged*guardMaxRate > sensitive {
		t.Errorf("guard flagged the masked output of %d of %d sensitive messages: over the 1 in %d target", sensitiveFlagged, sensitive, guardMaxRate)
	}
}

// guardStored runs the guard over every field the gateway keeps of m,
// scanned as res. A field it fires on is a false alarm unless the field
// still holds a planted number (the scanner missed it): that number is
// returned in missed.
func guardStored(res *scan.Result, m mailgen.Message) (alarms []string, missed []mailgen.Planted) {
	check := func(where, text string, hits []guard.Hit) {
		if len(hits) == 0 {
			return
		}
		found := false
		for _, p := range m.Planted {
			if strings.Contains(digitsOf(text), string(p.Number)) {
				missed = append(missed, p)
				found = true
			}
		}
		if !found {
			alarms = append(alarms, fmt.Sprintf("%s in %q", hits[0], where))
		}
	}
	checkText := func(where, text string) { check(where, text, guard.Text(text)) }
	checkText("subject", res.Subject)
	for _, p := range res.Parts {
		checkText("where of "+p.Where, p.Where)
		checkText("file name of "+p.Where, p.Filename)
		if !p.Withheld {
			checkText("text of "+p.Where, p.Text)
		}
		if p.Attachment && !p.Withheld && len(p.Findings) == 0 && p.Content != nil {
			check("content of "+p.Where, string(p.Content), guard.Bytes(p.Content))
		}
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(m.Raw))).ReadMIMEHeader()
	if err != nil && len(hdr) == 0 {
		return append(alarms, "header unreadable: "+scan.MaskString(err.Error())), missed
	}
	for _, name := range []string{"From", "To", "Cc", "Reply-To", "Date", "Message-Id", "In-Reply-To", "References"} {
		for _, v := range hdr[name] {
			text, _ := scan.DecodeHeader(v)
			checkText("header "+name, scan.MaskString(text))
		}
	}
	return alarms, missed
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// TestGuardFalseAlarmsOnHardNegatives runs fresh hard negatives of every
// kind, in their sentences, through the guard.
func TestGuardFalseAlarmsOnHardNegatives(t *testing.T) {
	const perKind = 2000
	g := mailgen.New(7)
	total, flagged := 0, 0
	for _, kind := range mailgen.NegativeKinds() {
		n := 0
		for i := 0; i < perKind; i++ {
			_, sentence, _ := g.HardNegative(kind)
			if len(guard.Text(string(sentence))) > 0 {
				n++
			}
		}
		total += perKind
		flagged += n
		if n > 0 {
			t.Logf("%-16s %d/%d flagged", kind, n, perKind)
		}
		// The target holds for every kind, not only on the whole: one
		// kind common in some mailbox must not withhold its mail.
		if n*guardMaxRate > perKind {
			t.Errorf("guard flagged %d of %d hard negatives of kind %s: over the 1 in %d target", n, perKind, kind, guardMaxRate)
		}
	}
	t.Logf("hard negatives: %d, flagged by the guard %d (%.3f%%)", total, flagged, pct(flagged, total))
	if flagged*guardMaxRate > total {
		t.Errorf("guard flagged %d of %d hard negatives: over the 1 in %d target", flagged, total, guardMaxRate)
	}
}

// TestGuardPublicCases runs the public cases through the guard when the
// file is beside the checkout: every negative flagged is logged (masked),
// and the guard must flag no more than the scanner's own allowance.
func TestGuardPublicCases(t *testing.T) {
	f, err := openPublicCases()
	if err != nil {
		t.Skip("public case file not present:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var neg, negFlagged, pos, posFound int
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 2 {
			continue
		}
		text := strings.ReplaceAll(cols[0], `\n`, "\n")
		hits := guard.Text(text)
		switch cols[1] {
		case "SSN", "PAN":
			pos++
			if len(hits) > 0 {
				posFound++
			}
		default:
			neg++
			if len(hits) > 0 {
				negFlagged++
				// Every digit hidden: the scanner's mask leaves some cases whole.
				t.Logf("negative flagged (%s): %q", hits[0].Rule, hideDigits(text))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read public cases: %v", err)
	}
	t.Logf("public cases: %d negatives, %d flagged by the guard; %d positives, %d found by the guard alone", neg, negFlagged, pos, posFound)
	if negFlagged > 2 {
		t.Errorf("guard flagged %d public negatives, want at most 2", negFlagged)
	}
}

func hideDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, s)
}

func openPublicCases() (*os.File, error) {
	paths := []string{"../../shared/pii-cases.tsv", "../../../shared/pii-cases.tsv"}
	if p := os.Getenv("INTAKE_PII_CASES"); p != "" {
		paths = []string{p}
	}
	var err error
	for _, p := range paths {
		var f *os.File
		if f, err = os.Open(p); err == nil {
			return f, nil
		}
	}
	return nil, err
}

// BenchmarkGuard4KiB measures the guard on a 4 KiB message-sized text of
// ordinary mail with numbers in it.
func BenchmarkGuard4KiB(b *testing.B) {
	g := mailgen.New(3)
	var text strings.Builder
	for text.Len() < 4096 {
		m := g.Negative()
		text.Write(m.Raw)
	}
	msg := []byte(text.String()[:4096])
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		guard.Bytes(msg)
	}
}

// TestGuardAgreesOnMixedSSNs: the second check takes an SSN whose groups
// are joined by a space and a dash exactly where the scanner does: fresh
// numbers in that spelling (with an SSN word) are found by both, and the
// look-alikes (the same shape without a word, phone numbers and dates
// mixing the two separators) by neither.
func TestGuardAgreesOnMixedSSNs(t *testing.T) {
	const n = 1000
	g := mailgen.New(13)
	for i := 0; i < n; i++ {
		p, sentence, _ := g.Spelled("ssn-mixed-separators")
		s := string(sentence)
		scanned := false
		for _, m := range scan.Detect([]byte(s)) {
			scanned = scanned || (m.Kind == scan.KindSSN && m.Last4 == p.Last4)
		}
		guarded := false
		for _, h := range guard.Text(s) {
			guarded = guarded || h.Kind == "ssn"
		}
		if !scanned || !guarded {
			t.Fatalf("SSN ...%s in %v: scanner found it %v, guard %v", p.Last4, sentence, scanned, guarded) // a Secret prints masked
		}
	}
	for _, kind := range []string{"ssn-mixed-no-keyword", "phone-date-mixed"} {
		for i := 0; i < n; i++ {
			_, sentence, _ := g.HardNegative(kind)
			for _, v := range []string{string(sentence), "SSN: " + string(sentence)} {
				if kind == "ssn-mixed-no-keyword" && v != string(sentence) {
					continue // with a word it is an SSN
				}
				if len(scan.Detect([]byte(v))) > 0 || len(guard.Text(v)) > 0 {
					t.Fatalf("%s flagged (scanner %d, guard %d): %v", kind, len(scan.Detect([]byte(v))), len(guard.Text(v)), sentence)
				}
			}
		}
	}
}
