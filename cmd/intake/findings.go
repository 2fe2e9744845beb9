package main

import (
	"strings"

	"github.com/intake-mail/intake/tickets"
)

// findingsLast4 is a list's column of findings: type, last four and
// where, as --json gives them ("-" when none).
func findingsLast4(fs []tickets.Finding) string {
	if len(fs) == 0 {
		return "-"
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = string(f.Type) + " " + f.Last4 + " (" + f.Where + ")"
	}
	return strings.Join(parts, ", ")
}
