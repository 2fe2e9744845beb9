package config

import (
	"strings"
	"testing"
)

func TestWebURL(t *testing.T) {
	for _, c := range []struct {
		w    Web
		want string
	}{
		{Web{Listen: "127.0.0.1:8080"}, "http://127.0.0.1:8080"},
		{Web{Listen: "0.0.0.0:8080"}, "http://127.0.0.1:8080"},
		{Web{Listen: ":8443", TLSCert: "c", TLSKey: "k"}, "https://127.0.0.1:8443"},
		{Web{Listen: "[::]:8080"}, "http://127.0.0.1:8080"},
		{Web{Listen: "[::1]:8080"}, "http://[::1]:8080"},
		{Web{Listen: "127.0.0.1:8080", BaseURL: "https://desk.example.org/"}, "https://desk.example.org"},
	} {
		if got := c.w.URL(); got != c.want {
			t.Errorf("%+v: URL() = %q, want %q", c.w, got, c.want)
		}
	}
}

func TestWebValidate(t *testing.T) {
	for _, c := range []struct {
		w   Web
		key string // "" means valid
	}{
		{Web{Listen: "127.0.0.1:8080"}, ""},
		{Web{Listen: "127.0.0.1:8080", BaseURL: "https://desk.example.org"}, ""},
		{Web{Listen: "127.0.0.1:8080", TrustedProxies: []string{"10.0.0.0/8", "::1/128"}}, ""},
		{Web{Listen: "127.0.0.1:8080", TLSCert: "/nonexistent/cert.pem"}, "web.tls_cert"},
		{Web{Listen: "127.0.0.1:8080", TLSCert: "/nonexistent/cert.pem", TLSKey: "/nonexistent/key.pem"}, "web.tls_cert"},
		{Web{Listen: "127.0.0.1:8080", BaseURL: "desk.example.org"}, "web.base_url"},
		{Web{Listen: "127.0.0.1:8080", BaseURL: "https://desk.example.org/intake"}, "web.base_url"},
		{Web{Listen: "127.0.0.1:8080", TrustedProxies: []string{"10.0.0.1"}}, "web.trusted_proxies"},
		{Web{Listen: "127.0.0.1:8080", SessionIdle: Duration(48 * 3600e9), SessionMax: Duration(3600e9)}, "web.session_idle"},
		{Web{Listen: "127.0.0.1:8080", NotifyDomains: []string{"staff.example.org", "example.net"}}, ""},
		{Web{Listen: "127.0.0.1:8080", NotifyDomains: []string{"ann@staff.example.org"}}, "web.notify_domains"},
		{Web{Listen: "127.0.0.1:8080", NotifyDomains: []string{"not a domain"}}, "web.notify_domains"},
	} {
		var got []string
		c.w.validate(func(key, format string, a ...any) { got = append(got, key) })
		if (c.key == "") != (len(got) == 0) || (c.key != "" && !strings.Contains(strings.Join(got, " "), c.key)) {
			t.Errorf("%+v: problems %v, want %q", c.w, got, c.key)
		}
	}
}
