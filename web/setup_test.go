package web

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

func TestFirstRunSetupCreatesAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	link, ok, err := FirstRunLink(ctx, e.store, e.ts.URL+"/")
	if err != nil || !ok || !strings.HasPrefix(link, e.ts.URL+"/setup?token=") {
		t.Fatalf("first-run link = %q %v %v", link, ok, err)
	}
	path := strings.TrimPrefix(link, e.ts.URL)
	token, _ := url.QueryUnescape(strings.TrimPrefix(path, "/setup?token="))
	b := e.browser()
	a := b.get(path)
	if a.StatusCode != 200 || !strings.Contains(a.body, "Create the first admin") || !strings.Contains(a.body, `name="username"`) || !strings.Contains(a.body, `name="password2"`) {
		t.Fatalf("setup page: %d", a.StatusCode)
	}
	// Passwords that differ, or too short: the form again, name kept.
	a = b.post("/setup", url.Values{"token": {token}, "username": {"Admin"}, "password": {testPassword}, "password2": {testPassword + "x"}})
	if a.StatusCode != 422 || !strings.Contains(a.body, "The two passwords differ.") || !strings.Contains(a.body, `value="Admin"`) {
		t.Fatalf("differing passwords: %d", a.StatusCode)
	}
	a = b.post("/setup", url.Values{"token": {token}, "username": {"admin"}, "password": {"short"}, "password2": {"short"}})
	if a.StatusCode != 422 || !strings.Contains(a.body, "at least 12 characters") {
		t.Fatalf("short password: %d", a.StatusCode)
	}
	a = b.post("/setup", url.Values{"token": {token}, "username": {"Admin"}, "password": {testPassword}, "password2": {testPassword}})
	if a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/" || b.session() == "" {
		t.Fatalf("setup: %d %q", a.StatusCode, a.Header.Get("Location"))
	}
	if a := b.get("/"); !strings.Contains(a.body, `data-user="admin"`) || !strings.Contains(a.body, "admin, agent") {
		t.Fatalf("after setup: %d", a.StatusCode)
	}
	// Once: the link is spent, and no new first-run link is made.
	if a := e.browser().get(path); a.StatusCode != 404 || !strings.Contains(a.body, "unknown, used or expired") {
		t.Fatalf("the link a second time: %d", a.StatusCode)
	}
	if _, ok, _ := FirstRunLink(ctx, e.store, e.ts.URL); ok {
		t.Fatal("a first-run link once an admin exists")
	}
	evs, _ := e.store.ListAudit(ctx, 0, 0)
	var trail []string
	for _, ev := range evs {
		trail = append(trail, ev.Action+" "+ev.Actor)
	}
	if got := strings.Join(trail, "; "); !strings.Contains(got, "user.setup_link serve; user.create user:admin; user.login user:admin") {
		t.Fatalf("audit trail: %s", got)
	}
}

func TestUserSetupLinkAndExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, link, err := e.accounts.AddUser(ctx, cliAdmin, desk.NewUser{Name: "cat", Roles: []tickets.Role{tickets.RoleAgent}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	a := b.get(desk.SetupPath(link.Token))
	if a.StatusCode != 200 || !strings.Contains(a.body, "Choose a password for <strong>cat</strong>") || !strings.Contains(a.body, "readonly") {
		t.Fatalf("user setup page: %d", a.StatusCode)
	}
	// The name field cannot change whose password is set.
	a = b.post("/setup", url.Values{"token": {link.Token}, "username": {"root"}, "password": {testPassword}, "password2": {testPassword}})
	if a.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", a.StatusCode)
	}
	if a := b.get("/"); !strings.Contains(a.body, `data-user="cat"`) {
		t.Fatal("not logged in as cat")
	}
	// A link past its day is refused.
	reset, err := e.accounts.ResetLink(ctx, cliAdmin, "cat")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(desk.DefaultAuthPolicy().SetupTTL + time.Second)
	if a := e.browser().get(desk.SetupPath(reset.Token)); a.StatusCode != 404 {
		t.Fatalf("expired link: %d", a.StatusCode)
	}
}

func TestAccountChangePassword(t *testing.T) {
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	b, other := e.browser(), e.browser()
	b.login("ann", testPassword)
	other.login("ann", testPassword)
	old := b.session()
	tok := b.csrf("/account")
	a := b.post("/account", url.Values{"csrf": {tok}, "current": {"wrong wrong wrong"}, "new": {"a brand new passphrase"}, "new2": {"a brand new passphrase"}})
	if a.StatusCode != 422 || !strings.Contains(a.body, "The current password is not right.") {
		t.Fatalf("wrong current password: %d", a.StatusCode)
	}
	a = b.post("/account", url.Values{"csrf": {tok}, "current": {testPassword}, "new": {"a brand new passphrase"}, "new2": {"another one entirely"}})
	if a.StatusCode != 422 || !strings.Contains(a.body, "differ") {
		t.Fatalf("differing new passwords: %d", a.StatusCode)
	}
	a = b.post("/account", url.Values{"csrf": {tok}, "current": {testPassword}, "new": {"a brand new passphrase"}, "new2": {"a brand new passphrase"}})
	if a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/account?done=password" {
		t.Fatalf("change: %d %q", a.StatusCode, a.Header.Get("Location"))
	}
	// This browser goes on in a new session; every other one is out.
	if b.session() == old {
		t.Fatal("the session was not renewed")
	}
	if a := b.get("/account?done=password"); a.StatusCode != 200 || !strings.Contains(a.body, "Your password is changed.") {
		t.Fatalf("after the change: %d", a.StatusCode)
	}
	if a := other.get("/"); a.StatusCode != http.StatusSeeOther {
		t.Fatalf("another session survived the password change: %d", a.StatusCode)
	}
	e.browser().login("ann", "a brand new passphrase")
}

func TestClientIPBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, func(w *config.Web) { w.TrustedProxies = []string{"10.0.0.0/8", "::1/128"} })
	for _, c := range []struct {
		remote, xff, want string
	}{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"192.0.2.1:5000", "198.51.100.7", "192.0.2.1"},                // not a proxy: its header is ignored
		{"10.1.2.3:5000", "198.51.100.7", "198.51.100.7"},              // the proxy names the client
		{"10.1.2.3:5000", "203.0.113.9, 198.51.100.7", "198.51.100.7"}, // the client's own claim is ignored
		{"10.1.2.3:5000", "198.51.100.7, 10.9.9.9", "198.51.100.7"},    // through two proxies
		{"10.1.2.3:5000", "", "10.1.2.3"},
		{"10.1.2.3:5000", "garbage", "10.1.2.3"},
		{"[::1]:5000", "2001:db8::5", "2001:db8::5"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := e.srv.clientIP(r); got != c.want {
			t.Errorf("remote %s, X-Forwarded-For %q: client %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if !e.srv.trusted(netip.MustParseAddr("::ffff:10.0.0.1")) {
		t.Error("an IPv4-mapped proxy address is not trusted")
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "intake test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestStartServesHTTPSWithSecureCookie(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	srv, err := New(Options{Web: config.Web{Listen: "127.0.0.1:0", TLSCert: certFile, TLSKey: keyFile}, Store: e.store, Accounts: e.accounts, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	base := "https://" + srv.Addr().String()
	if srv.BaseURL() != base {
		t.Errorf("base URL %s after listening on %s", srv.BaseURL(), base)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"username": {"ann"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	set := res.Header.Get("Set-Cookie")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(set, "__Host-intake_session=") || !strings.Contains(set, "; Secure") {
		t.Fatalf("HTTPS login: %d %q", res.StatusCode, set)
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over HTTPS")
	}
	// Plain HTTP to the TLS port gets nothing useful.
	if res, err := http.Get("http://" + srv.Addr().String() + "/login"); err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Error("the TLS listener answered plain HTTP with a page")
		}
	}
	if _, err := New(Options{Web: config.Web{Listen: "127.0.0.1:0", TLSCert: certFile, TLSKey: certFile}, Store: e.store}); err == nil {
		t.Error("New took a certificate as its own key")
	}
}
