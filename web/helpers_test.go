package web

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// Test helpers the page and API tests share (the ticket pages' tests
// too): a real SQLite store in a temporary directory, desk and store on
// one clock the test moves, the whole handler behind httptest, and a
// browser-like client that keeps cookies and does not follow redirects.

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testEnv struct {
	t        *testing.T
	clock    *testClock
	store    tickets.Store
	accounts *desk.Accounts
	desk     *desk.Desk
	srv      *Server
	ts       *httptest.Server
}

// cliAdmin is how the command line acts: an admin.
var cliAdmin = desk.Actor{Name: "root", Roles: []tickets.Role{tickets.RoleAdmin}, Via: "cli"}

const testPassword = "correct horse battery"

// newEnv starts the interface over a fresh store. mod may change the
// [web] section before the server is built.
func newEnv(t *testing.T, mod ...func(*config.Web)) *testEnv {
	t.Helper()
	clk := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	secret := make([]byte, 32)
	rand.Read(secret)
	st, err := tickets.Open(context.Background(), tickets.Options{DataDir: t.TempDir(), Secret: secret, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, clock: clk, store: st, accounts: desk.NewAccounts(st, desk.AuthPolicy{}, clk.Now)}
	ts := httptest.NewUnstartedServer(nil)
	w := config.Web{Listen: ts.Listener.Addr().String()}
	for _, m := range mod {
		m(&w)
	}
	r, err := reply.NewResponder(reply.ResponderOptions{
		From:        "support@support.localhost",
		OrgName:     "Example Credit Union",
		Phone:       "+1 555 0100",
		MessageID:   tickets.NewThreader(secret).MessageID,
		GiveUp:      24 * time.Hour,
		StaffGiveUp: 5 * 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.desk, err = desk.New(desk.Options{Store: st, Replier: r, Now: clk.Now, Logger: testLogger(t), NotifyDomains: w.NotifyDomains})
	if err != nil {
		t.Fatal(err)
	}
	e.srv, err = New(Options{Web: w, Store: st, Desk: e.desk, Accounts: e.accounts, Now: clk.Now, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = e.srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	e.ts = ts
	return e
}

// testLogger logs through t, so that a failing test shows what the
// server said and a passing one stays quiet.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// user adds a staff account with testPassword.
func (e *testEnv) user(name string, roles ...tickets.Role) {
	e.t.Helper()
	if _, _, err := e.accounts.AddUser(context.Background(), cliAdmin, desk.NewUser{Name: name, Roles: roles, Password: testPassword}); err != nil {
		e.t.Fatalf("add user %s: %v", name, err)
	}
}

// token makes an API token for name.
func (e *testEnv) token(name string) string {
	e.t.Helper()
	tok, err := e.accounts.CreateToken(context.Background(), cliAdmin, name, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.Token
}

// browser is a client with its own cookie jar, as one browser.
type browser struct {
	e *testEnv
	c *http.Client
}

func (e *testEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type answer struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) answer {
	b.e.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return answer{res, string(body)}
}

func (b *browser) get(path string) answer {
	b.e.t.Helper()
	req, _ := http.NewRequest("GET", b.e.ts.URL+path, nil)
	return b.do(req)
}

// post sends a form as a same-origin browser would (Sec-Fetch-Site and
// Origin set).
func (b *browser) post(path string, form url.Values) answer {
	b.e.t.Helper()
	req, _ := http.NewRequest("POST", b.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// login posts the login form and checks it worked.
func (b *browser) login(name, password string) {
	b.e.t.Helper()
	a := b.post("/login", url.Values{"username": {name}, "password": {password}})
	if a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/" {
		b.e.t.Fatalf("login %s: %d %s", name, a.StatusCode, a.Header.Get("Location"))
	}
}

// session is the session cookie's value in the jar ("" if none).
func (b *browser) session() string {
	u, _ := url.Parse(b.e.ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "intake_session") {
			return c.Value
		}
	}
	return ""
}

// setSession puts a session cookie value in the jar.
func (b *browser) setSession(v string) {
	u, _ := url.Parse(b.e.ts.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: b.e.srv.sessionCookie(), Value: v, Path: "/"}})
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token of the page at path.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	a := b.get(path)
	m := csrfRe.FindStringSubmatch(a.body)
	if m == nil {
		b.e.t.Fatalf("no form token on %s (%d)", path, a.StatusCode)
	}
	return m[1]
}

// api calls the JSON API with a bearer token ("" sends none).
func (e *testEnv) api(method, path, token string, body any) (int, map[string]any, http.Header) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	if len(raw) > 0 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && res.StatusCode < 300 {
		// A download: its bytes, not an object.
		return res.StatusCode, map[string]any{"raw": string(raw)}, res.Header
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, raw)
		}
	}
	return res.StatusCode, out, res.Header
}

// checkAPIError checks the contract's error body.
func checkAPIError(t *testing.T, what string, status int, body map[string]any, hdr http.Header, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d", what, status, wantStatus)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	e, _ := body["error"].(map[string]any)
	if len(body) != 1 || e == nil || len(e) != 2 || e["code"] != wantCode || e["message"] == "" {
		t.Errorf("%s: body %v, want {\"error\":{\"code\":%q,\"message\":...}}", what, body, wantCode)
	}
}
