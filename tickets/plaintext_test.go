package tickets

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// Promise 1 at rest: after a batch of sensitive messages is stored, no file
// of the store holds a full planted number in any spelling, in ASCII or
// UTF-16. Only the published test numbers are used, and a failure names the
// file and the last four only.

var plantedNumbers = []struct {
	kind   string
	digits string
	groups []int
}{
	{"pan", "4111111111111111", []int{4, 4, 4, 4}},
	{"pan", "5555555555554444", []int{4, 4, 4, 4}},
	{"pan", "4012888888881881", []int{4, 4, 4, 4}},
	{"pan", "378282246310005", []int{4, 6, 5}},
	{"ssn", "078051123", []int{3, 2, 4}},
	{"ssn", "489368350", []int{3, 2, 4}},
}

// spellings lists the ways a number may be written: bare, grouped with
// space, dash or dot, each in ASCII, UTF-16LE and UTF-16BE.
func spellings(digits string, groups []int) [][]byte {
	var forms []string
	forms = append(forms, digits)
	for _, sep := range []string{" ", "-", "."} {
		var parts []string
		i := 0
		for _, g := range groups {
			parts = append(parts, digits[i:i+g])
			i += g
		}
		forms = append(forms, strings.Join(parts, sep))
	}
	var out [][]byte
	for _, f := range forms {
		out = append(out, []byte(f))
		u := utf16.Encode([]rune(f))
		le, be := make([]byte, 0, 2*len(u)), make([]byte, 0, 2*len(u))
		for _, c := range u {
			le = append(le, byte(c), byte(c>>8))
			be = append(be, byte(c>>8), byte(c))
		}
		out = append(out, le, be)
	}
	return out
}

// findPlanted returns "KIND ending LAST4" for each planted number found in b.
func findPlanted(b []byte) []string {
	var found []string
	for _, n := range plantedNumbers {
		for _, sp := range spellings(n.digits, n.groups) {
			if bytes.Contains(b, sp) {
				found = append(found, fmt.Sprintf("%s ending %s", n.kind, n.digits[len(n.digits)-4:]))
				break
			}
		}
	}
	return found
}

func TestFindPlantedSeesEverySpelling(t *testing.T) {
	// The check must be able to fail: each spelling planted in noise is seen.
	for _, n := range plantedNumbers {
		for _, sp := range spellings(n.digits, n.groups) {
			blob := append(append([]byte("noise\x00\x01"), sp...), "tail"...)
			if len(findPlanted(blob)) == 0 {
				t.Fatalf("a %s spelling ending %s was not seen", n.kind, n.digits[len(n.digits)-4:])
			}
		}
	}
}

// rawWithNumbers is a member message carrying every planted number, as it
// arrives over SMTP.
func rawWithNumbers(i int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Member <member@example.org>\r\nTo: help@support.localhost\r\n")
	fmt.Fprintf(&b, "Subject: my card 4111 1111 1111 1111 and SSN 078-05-1123 (%d)\r\nMessage-ID: <p%d@example.org>\r\n\r\n", i, i)
	for _, n := range plantedNumbers {
		fmt.Fprintf(&b, "number: %s\r\n", n.digits)
	}
	return []byte(b.String())
}

func sensitiveInbound(t testing.TB, sealer *Sealer, i int) *Inbound {
	sealed, err := sealer.Seal(rawWithNumbers(i))
	if err != nil {
		t.Fatal(err)
	}
	in := sample(i, sealed)
	in.MessageID = fmt.Sprintf("p%d@example.org", i)
	in.Subject = "my card **** **** **** 1111 and SSN ***-**-1123"
	in.Parts[0].Text = "number: ************1111\nnumber: ***-**-8350\n"
	in.DedupKey = keyFor(in, "mx1")
	in.Findings = []Finding{{Type: "pan", Last4: "1111", Where: "subject"}, {Type: "ssn", Last4: "1123", Where: "subject"}, {Type: "ssn", Last4: "8350", Where: "body"}}
	return in
}

func TestNoPlaintextAtRest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		id, err := GenerateIdentity()
		if err != nil {
			t.Fatal(err)
		}
		sealer, err := NewSealer([]string{id.Recipient})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			mustAccept(t, h.s, sensitiveInbound(t, sealer, i))
		}
		// Purge some, so freed pages are part of the check too.
		items, err := h.s.ListQuarantine(ctx, QuarantineFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items[:10] {
			if err := h.s.PurgeQuarantine(ctx, it.ID, "cli:test"); err != nil {
				t.Fatal(err)
			}
		}

		switch h.backend {
		case "sqlite":
			checkDir(t, h.dir, "while open")
			if err := h.s.Close(); err != nil {
				t.Fatal(err)
			}
			checkDir(t, h.dir, "after close")
		case "postgres":
			dump, err := exec.LookPath("pg_dump")
			if err != nil {
				t.Skip("pg_dump not installed: the PostgreSQL dump is not checked")
			}
			out, err := exec.CommandContext(ctx, dump, "--schema="+h.schema, "--data-only", h.dsn).Output()
			if err != nil {
				t.Fatalf("pg_dump: %v", err)
			}
			if !bytes.Contains(out, []byte("***-**-1123")) {
				t.Fatalf("pg_dump holds no masked text: the dump did not cover the store")
			}
			if found := findPlanted(out); len(found) > 0 {
				t.Fatalf("pg_dump of the store holds full numbers: %v", found)
			}
		}
	})
}

func checkDir(t *testing.T, dir, when string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if found := findPlanted(b); len(found) > 0 {
			t.Errorf("%s: %s holds full numbers: %v", when, filepath.Base(path), found)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("%s: no files in the data directory", when)
	}
}
