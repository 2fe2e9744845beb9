package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext: whatever a link puts in ?next=, the login sends the
// browser to a path of this site and nowhere else.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/t/T-ABC123", "//evil.example", "/\\evil.example", "https://evil.example/",
		"/%2F%2Fevil.example", "/\t/evil.example", "/ /evil.example", "/..//evil.example", "javascript:alert(1)", "/?next=//x", "/#//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither the input nor /", next, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("safeNext(%q) = %q: not a local path", next, got)
		}
		// As a browser resolves it against our origin: still our host.
		base, _ := url.Parse("https://desk.example.org/login")
		ref, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeNext(%q) = %q does not parse: %v", next, got, err)
		}
		if u := base.ResolveReference(ref); u.Host != "desk.example.org" || u.Scheme != "https" {
			t.Fatalf("safeNext(%q) = %q leads to %s", next, got, u)
		}
		// Browsers drop tabs and newlines from URLs, and treat \ as /.
		loose := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(got)
		if strings.HasPrefix(loose, "//") {
			t.Fatalf("safeNext(%q) = %q reads as %q in a browser: another host", next, got, loose)
		}
	})
}

// FuzzClientIP: X-Forwarded-For from a trusted proxy never makes the
// client a trusted proxy itself, nor anything that is not an address.
func FuzzClientIP(f *testing.F) {
	for _, s := range []string{"", "198.51.100.7", "203.0.113.9, 198.51.100.7", "10.0.0.1", "garbage", "::1, 2001:db8::5", ",,,", "1.2.3.4,10.0.0.2,10.0.0.3"} {
		f.Add(s)
	}
	s := &Server{}
	if err := s.setProxies([]string{"10.0.0.0/8", "::1/128"}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:5000"
		r.Header.Set("X-Forwarded-For", xff)
		got := s.clientIP(r)
		if got == "" {
			t.Fatalf("X-Forwarded-For %q: no client", xff)
		}
		if got != "10.1.2.3" && strings.ContainsAny(got, " ,") {
			t.Fatalf("X-Forwarded-For %q: client %q is not one address", xff, got)
		}
	})
}
