package tickets

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/intake-mail/intake/internal/leakcheck"
)

// Promise 1 at rest: after a batch of sensitive messages is stored, no file
// of the store holds a full planted number in any spelling leakcheck reads.
// Only published test numbers and the attack corpus's generated ones are
// used, and a failure names the file and the last four only.

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

// plantedChecker finds every planted number in any spelling leakcheck
// reads (separators, NULs, escapes, Unicode digits, UTF-16/32, base64,
// hex as pg_dump writes bytea, compressed streams).
func plantedChecker(extra ...string) *leakcheck.Checker {
	var digits []string
	for _, n := range plantedNumbers {
		digits = append(digits, n.digits)
	}
	return leakcheck.New(append(digits, extra...)...)
}

// TestNoPlaintextCheckCanFail: the check this file relies on sees a planted
// number written the ways a leak would write it, in a file of the data
// directory, and names the file and the last four only.
func TestNoPlaintextCheckCanFail(t *testing.T) {
	c := plantedChecker()
	for _, n := range plantedNumbers {
		d := n.digits
		var grouped []string
		i := 0
		for _, g := range n.groups {
			grouped = append(grouped, d[i:i+g])
			i += g
		}
		for name, sp := range map[string][]byte{
			"grouped":          []byte(strings.Join(grouped, " ")),
			"NUL between":      []byte(strings.Join(strings.Split(d, ""), "\x00")),
			"utf-16be dashed":  utf16be(strings.Join(grouped, "-")),
			"base64":           []byte(base64.StdEncoding.EncodeToString([]byte("n=" + d))),
			"bytea hex":        []byte(`\\x` + hex.EncodeToString([]byte(strings.Join(grouped, "_")))),
			"underscore words": []byte("=?utf-8?Q?" + strings.Join(grouped, "_") + "?="),
		} {
			dir := t.TempDir()
			blob := append(append([]byte("noise\x00\x01"), sp...), "tail"...)
			if err := os.WriteFile(filepath.Join(dir, "intake.db-journal"), blob, 0o600); err != nil {
				t.Fatal(err)
			}
			r := c.NewReport()
			if err := r.Dir(dir); err != nil {
				t.Fatal(err)
			}
			if len(r.Leaks) != 1 || r.Leaks[0].Where != "intake.db-journal" || r.Leaks[0].Last4 != d[len(d)-4:] {
				t.Errorf("%s ending %s written %s: %v", n.kind, d[len(d)-4:], name, r.Leaks)
			}
		}
	}
}

func utf16be(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
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

// shapeInbound files one attack shape of issues 8 and 15 as the gateway
// would once it has masked it: the shape's raw message sealed, and masked
// text that the store must repair (a NUL, bytes that are not UTF-8) beside
// the masked numbers, and a clean attachment in UTF-16.
func shapeInbound(t testing.TB, sealer *Sealer, i int, sh leakcheck.Shape) *Inbound {
	sealed, err := sealer.Seal(sh.Raw)
	if err != nil {
		t.Fatal(err)
	}
	in := sample(1000+i, sealed)
	in.MessageID = fmt.Sprintf("shape-%d@example.org", i)
	last4 := sh.Numbers[0][len(sh.Numbers[0])-4:]
	in.Subject = "attack shape " + sh.Name + ": **** **** **** " + last4
	in.Parts[0].Text = "masked ***-**-" + last4 + "\x00 then \xff\xfe ************" + last4 + "\n"
	in.Attachments = []Attachment{{Name: "masked.txt", ContentType: "text/plain; charset=utf-16le", Content: utf16le("card **** **** **** " + last4)}}
	in.Findings = []Finding{{Type: "pan", Last4: last4, Where: "body"}}
	in.DedupKey = keyFor(in, "mx1")
	return in
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// TestNoPlaintextAtRest files sensitive messages (the published numbers,
// and every attack shape of issues 8 and 15 sealed as it arrived), purges
// some, and reads every file of the SQLite data directory (database, WAL,
// shared memory, journal or temporary file) open and closed, or the
// PostgreSQL schema's pg_dump and what the server logged meanwhile: no
// full number in any spelling leakcheck reads.
func TestNoPlaintextAtRest(t *testing.T) {
	shapes := leakcheck.Shapes("member@example.org")
	var shapeNumbers []string
	for _, sh := range shapes {
		shapeNumbers = append(shapeNumbers, sh.Numbers...)
	}
	c := plantedChecker(shapeNumbers...)
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
		pgLog := newPostgresLogTail()
		for i := 0; i < 50; i++ {
			mustAccept(t, h.s, sensitiveInbound(t, sealer, i))
		}
		for i, sh := range shapes {
			mustAccept(t, h.s, shapeInbound(t, sealer, i, sh))
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
			c.CheckDir(t, h.dir)
			if err := h.s.Close(); err != nil {
				t.Fatal(err)
			}
			c.CheckDir(t, h.dir)
		case "postgres":
			dump, err := exec.LookPath("pg_dump")
			if err != nil {
				t.Skip("pg_dump not installed: the PostgreSQL dump is not checked")
			}
			out, err := exec.CommandContext(ctx, dump, "--schema="+h.schema, "--data-only", h.dsn).Output()
			if err != nil {
				t.Fatalf("pg_dump: %v", err)
			}
			if !bytes.Contains(out, []byte("***-**-1123")) || !bytes.Contains(out, []byte("attack shape")) {
				t.Fatalf("pg_dump holds no masked text: the dump did not cover the store")
			}
			c.Check(t, "pg_dump", out)
			if b, ok := pgLog.read(); ok {
				c.Check(t, "postgresql log", b)
			} else {
				t.Log("PostgreSQL's log is not readable here: only the dump was checked")
			}
		}
	})
}

// postgresLogTail is what PostgreSQL's own log files gain from now on,
// where this process may read them (a packaged server logs under
// /var/log/postgresql).
type postgresLogTail map[string]int64

func newPostgresLogTail() postgresLogTail {
	files, _ := filepath.Glob("/var/log/postgresql/*.log")
	lt := postgresLogTail{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		if fi, err := fh.Stat(); err == nil {
			lt[f] = fi.Size()
		}
		fh.Close()
	}
	return lt
}

func (lt postgresLogTail) read() ([]byte, bool) {
	var out []byte
	for f, from := range lt {
		b, err := os.ReadFile(f)
		if err != nil || int64(len(b)) < from {
			continue // rotated: what it gained is in a file not read
		}
		out = append(out, b[from:]...)
	}
	return out, len(lt) > 0
}
