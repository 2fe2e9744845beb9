package reply

import (
	"strings"
	"testing"
)

func TestNotifyAllowed(t *testing.T) {
	domains := []string{"staff.example", "Desk.Example.ORG"}
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"ann@staff.example", true},
		{"Ann@STAFF.example", true},
		{"bob@desk.example.org", true},
		{"ann@sub.staff.example", false}, // a subdomain is another domain
		{"ann@staff.example.evil.test", false},
		{"ann@evil.test", false},
		{"Ann <ann@staff.example>", false}, // one plain address only
		{"ann@staff.example, eve@evil.test", false},
		{" ann@staff.example", false},
		{"ann@staff.example\r\nBcc: eve@evil.test", false},
		{"", false},
		{"staff.example", false},
	} {
		if got := NotifyAllowed(c.addr, domains); got != c.ok {
			t.Errorf("NotifyAllowed(%q) = %v, want %v", c.addr, got, c.ok)
		}
	}
	if NotifyAllowed("ann@staff.example", nil) {
		t.Error("an address was allowed with no domains configured")
	}
}

// A notification's subject keeps neither a number nor what masking left
// of one.
func TestNotifySubject(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Account ***-**-6789 locked", "Account [number removed] locked"},
		{"Card **** **** **** 1111 stolen", "Card [number removed] stolen"},
		{"Order 12345 and invoice 2026", "Order 12345 and invoice 2026"},
		{"Plain words", "Plain words"},
	} {
		if got := NotifySubject(c.in); got != c.want {
			t.Errorf("NotifySubject(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Unmasked (it should never be, but a subject is checked again).
	if got := NotifySubject("SSN 489-36-8350"); strings.Contains(got, "8350") || strings.Contains(got, "489") {
		t.Errorf("an unmasked number became %q", got)
	}
}
