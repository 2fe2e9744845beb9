package desk

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/intake-mail/intake/guard"
	"github.com/intake-mail/intake/scan"
)

// maxStaffText bounds a note or a reply (the store's own limit).
const maxStaffText = 64 << 10

// checkStaffText refuses what staff wrote when the store must not keep
// it or a member must not get it: empty, not text, too long, or holding a
// full SSN or card number by the scanner's reading or by the independent
// second check. The refusal says which kind of number and on which line,
// never the number (nor its last four: the line is enough to find it).
func checkStaffText(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return invalid("the text is empty")
	case !utf8.ValidString(text) || strings.IndexByte(text, 0) >= 0:
		return badRequest("the text is not UTF-8 text")
	case len(text) > maxStaffText:
		return invalid("the text is longer than %d KiB", maxStaffText>>10)
	}
	var found []string
	for _, m := range scan.Detect([]byte(text)) {
		found = append(found, kindWords(string(m.Kind))+" on line "+fmt.Sprint(lineOf(text, m.Start)))
	}
	if len(found) == 0 {
		for _, h := range guard.Text(text) {
			where := "somewhere in the text"
			if h.Read == "utf-8" {
				where = "on line " + fmt.Sprint(lineOf(text, h.Offset))
			}
			found = append(found, kindWords(h.Kind)+" "+where)
		}
	}
	if len(found) == 0 {
		return nil
	}
	found = dedup(found)
	if len(found) > 3 {
		found = append(found[:3], "more")
	}
	return &Error{Status: 422, Code: CodeSensitiveContent,
		Message: "the text holds " + strings.Join(found, ", ") + ": remove it and try again (nothing was kept)"}
}

func kindWords(kind string) string {
	if kind == string(scan.KindSSN) {
		return "a Social Security number or ITIN"
	}
	return "a payment card number"
}

// lineOf is the 1-based line of byte offset off in s.
func lineOf(s string, off int) int {
	if off > len(s) {
		off = len(s)
	}
	if off < 0 {
		off = 0
	}
	return strings.Count(s[:off], "\n") + 1
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
