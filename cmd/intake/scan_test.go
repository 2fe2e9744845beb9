package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
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
