package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/go-pdf/fpdf"
)

// Numbers planted in the CLI tests, in several spellings. They are
// published test numbers, never a person's.
var planted = []string{"4539148803436467", "489368350", "378282246310005"}

// leaks reports whether out holds any planted number in any spelling: all
// separators dropped and every script's digits read as ASCII.
func leaks(out []byte) bool {
	var digits strings.Builder
	for _, r := range string(out) {
		if unicode.IsDigit(r) {
			if r >= '０' && r <= '９' {
				r = r - '０' + '0'
			}
			digits.WriteRune(r)
		}
	}
	for _, n := range planted {
		if strings.Contains(digits.String(), n) {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScanCommand(t *testing.T) {
	dir := t.TempDir()
	sensitive := writeFile(t, dir, "a-sensitive.eml", "From: m@example.org\r\nSubject: SSN 489-36-8350\r\n"+
		"Content-Type: text/plain\r\n\r\ncard 4539 1488 0343 6467 and ４５３９１４８８０３４３６４６７ and 3782 822463 10005\r\n")
	clean := writeFile(t, dir, "b-clean.eml", "From: m@example.org\r\nSubject: hello\r\n\r\nmy order 482915736 is late\r\n")
	image := writeFile(t, dir, "c-image.eml", "From: m@example.org\r\nSubject: photo\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRgABAQ==\r\n")
	missing := filepath.Join(dir, "nope.eml")

	cases := []struct {
		name   string
		args   []string
		status int
	}{
		{"clean", []string{"--json", clean}, scanClean},
		{"sensitive", []string{"--json", sensitive}, scanSensitive},
		{"unscannable", []string{"--json", image}, scanUnscannable},
		{"error", []string{"--json", missing}, scanError},
		{"sensitive beats unscannable", []string{"--json", image, sensitive}, scanSensitive},
		{"error beats all", []string{"--json", sensitive, missing}, scanError},
		{"human", []string{sensitive, clean, image}, scanSensitive},
		{"directory", []string{"--json", dir}, scanSensitive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			got := dispatch(append([]string{"scan"}, c.args...), &out, &errOut)
			if got != c.status {
				t.Errorf("exit %d, want %d; stderr %q", got, c.status, errOut.String())
			}
			if leaks(out.Bytes()) || leaks(errOut.Bytes()) {
				t.Fatalf("output holds a full planted number")
			}
		})
	}
}

func TestScanJSONContract(t *testing.T) {
	dir := t.TempDir()
	for i, body := range []string{"card 4539 1488 0343 6467\r\n", "nothing\r\n", "SSN 489-36-8350\r\n"} {
		writeFile(t, dir, string(rune('a'+i))+".eml", "From: m@example.org\r\nSubject: x\r\n\r\n"+body)
	}
	var out, errOut bytes.Buffer
	dispatch([]string{"scan", "--json", dir}, &out, &errOut)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want one per message", len(lines))
	}
	want := []struct {
		sensitive bool
		typ       string
		last4     string
		masked    string
	}{{true, "pan", "6467", "**** **** **** 6467"}, {false, "", "", ""}, {true, "ssn", "8350", "***-**-8350"}}
	for i, line := range lines {
		var rep struct {
			File        string           `json:"file"`
			Sensitive   *bool            `json:"sensitive"`
			Unscannable []map[string]any `json:"unscannable"`
			Findings    []struct {
				Type, Last4, Masked, Where string
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(line), &rep); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if rep.Sensitive == nil || rep.Unscannable == nil || rep.Findings == nil || rep.File == "" {
			t.Fatalf("line %d misses a contract field: %s", i, line)
		}
		w := want[i]
		if *rep.Sensitive != w.sensitive || *rep.Sensitive != (len(rep.Findings) > 0) {
			t.Errorf("line %d sensitive %v", i, *rep.Sensitive)
		}
		if w.sensitive {
			f := rep.Findings[0]
			if f.Type != w.typ || f.Last4 != w.last4 || f.Masked != w.masked || f.Where != "body" {
				t.Errorf("line %d finding %+v", i, f)
			}
		}
	}
}

// TestScanNonMessageFiles: a file that is not a message is read by what
// its bytes are, through the extractors an attachment goes through, and
// exit 0 only for what was read (issue 15 item 10).
func TestScanNonMessageFiles(t *testing.T) {
	dir := t.TempDir()
	card := "card 4539 1488 0343 6467\n"
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	f, _ := zw.Create("card.txt")
	f.Write([]byte(strings.Repeat("filler line to compress well\n", 20) + card))
	zw.Close()
	var gbuf bytes.Buffer
	gw := gzip.NewWriter(&gbuf)
	gw.Write([]byte(strings.Repeat("filler line to compress well\n", 20) + card))
	gw.Close()
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x03\x00\x00\x00\x01\x00\x08\x02\x00\x00\x00")
	jpeg := []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01}
	gif := []byte("GIF89a\x40\x00\x20\x00\x00\x00\x00;") // 64 x 32: above the image floor
	tnef := append([]byte{0x78, 0x9f, 0x3e, 0x22}, random[:200]...)
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCompression(true)
	doc.AddPage()
	doc.SetFont("Helvetica", "", 12)
	doc.Cell(0, 8, strings.TrimSpace(card))
	var pdf bytes.Buffer
	if err := doc.Output(&pdf); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		file   string
		data   []byte
		status int
		where  string // the one location in the report
	}{
		{"card.png", png, scanUnscannable, "attachment:card.png"},
		{"card.jpg", jpeg, scanUnscannable, "attachment:card.jpg"},
		{"card.gif", gif, scanUnscannable, "attachment:card.gif"},
		{"card.pdf", pdf.Bytes(), scanSensitive, "attachment:card.pdf"},
		{"cards.zip", zbuf.Bytes(), scanSensitive, "attachment:cards.zip/card.txt"},
		{"card.txt.gz", gbuf.Bytes(), scanSensitive, "attachment:card.txt.gz/card.txt"},
		{"random.bin", random, scanUnscannable, "attachment:random.bin"},
		{"winmail.dat", tnef, scanUnscannable, "attachment:winmail.dat"},
		{"notes.txt", []byte("just some notes\n"), scanClean, ""},
		{"card.txt", []byte(card), scanSensitive, "body"},
		{"page.html", []byte("<html><body><p>4539<b>1488</b>0343 6467</p></body></html>"), scanSensitive, "body"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			p := filepath.Join(dir, c.file)
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			got := dispatch([]string{"scan", "--json", p}, &out, &errOut)
			if got != c.status {
				t.Errorf("exit %d, want %d: %s", got, c.status, out.String())
			}
			if leaks(out.Bytes()) || leaks(errOut.Bytes()) {
				t.Fatalf("output holds a full planted number")
			}
			var rep struct {
				Unscannable []struct{ Where, Reason string } `json:"unscannable"`
				Findings    []struct{ Where string }         `json:"findings"`
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			for _, u := range rep.Unscannable {
				if u.Where != c.where {
					t.Errorf("unscannable at %q, want %q", u.Where, c.where)
				}
			}
			for _, f := range rep.Findings {
				if f.Where != c.where {
					t.Errorf("finding at %q, want %q", f.Where, c.where)
				}
			}
		})
	}
	// Standard input has no name.
	var out bytes.Buffer
	if got := runScanStdin(t, png, &out); got != scanUnscannable || !strings.Contains(out.String(), "attachment:unnamed") {
		t.Errorf("stdin PNG: exit %d, %s", got, out.String())
	}
}

// runScanStdin runs `intake scan --json -` with data on standard input.
func runScanStdin(t *testing.T, data []byte, out *bytes.Buffer) int {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write(data)
		w.Close()
	}()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	var errOut bytes.Buffer
	return dispatch([]string{"scan", "--json", "-"}, out, &errOut)
}

// TestScanCommandStreamsLargeMessage: a 3 MiB plain message, which intake
// scan reads through its window, gives the card written near the first
// piece's end, and the winmail.dat fixture the card in the file inside it;
// neither output holds a number.
func TestScanCommandStreamsLargeMessage(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	b.WriteString("From: m@example.org\r\nSubject: export\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	line := "The account statement for the member, order shipped yesterday.\r\n"
	for b.Len() < 3<<20 {
		if b.Len() >= 1<<20-10 && b.Len() < 1<<20+len(line) {
			b.WriteString("card 4539 1488 0343 6467\r\n") // near the first piece's end
		}
		b.WriteString(line)
	}
	big := writeFile(t, dir, "big.eml", b.String())
	for _, tc := range []struct{ file, where string }{{big, "body"}, {"../../testdata/tnef/winmail-files.eml", "attachment:winmail.dat/card.txt"}} {
		var out, errOut bytes.Buffer
		if code := runScan([]string{"--json", tc.file}, &out, &errOut); code != scanSensitive {
			t.Fatalf("%s: exit %d (%s), want %d", filepath.Base(tc.file), code, errOut.String(), scanSensitive)
		}
		var rep scanReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 1 || rep.Findings[0].Where != tc.where || rep.Findings[0].Type != "pan" {
			t.Errorf("%s: findings %+v, want one card at %s", filepath.Base(tc.file), rep.Findings, tc.where)
		}
		if leaks(out.Bytes()) {
			t.Errorf("%s: the output holds a full number", filepath.Base(tc.file))
		}
	}
}
