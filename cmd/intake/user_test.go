package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
	"github.com/intake-mail/intake/web"
)

// The user and token commands against a real data directory while the web
// interface runs on the same store, as an operator would use them beside
// a running serve.

type acctFixture struct {
	cfg   string
	store tickets.Store // serve's handle on the store
	web   *httptest.Server
}

func acctSetup(t *testing.T) *acctFixture {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	f := &acctFixture{cfg: filepath.Join(dir, "intake.toml")}
	if err := os.WriteFile(f.cfg, []byte(fmt.Sprintf("data_dir = %q\n[web]\nbase_url = \"https://desk.example.org\"\n", data)), 0o600); err != nil {
		t.Fatal(err)
	}
	secret, err := tickets.LoadOrCreateSecret(data)
	if err != nil {
		t.Fatal(err)
	}
	f.store, err = tickets.Open(context.Background(), tickets.Options{DataDir: data, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	srv, err := web.New(web.Options{Web: config.Web{Listen: "127.0.0.1:0"}, Store: f.store, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	f.web = httptest.NewServer(srv.Handler())
	t.Cleanup(f.web.Close)
	return f
}

// run runs intake with --config, stdin as given.
func (f *acctFixture) run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	userStdin = strings.NewReader(stdin)
	defer func() { userStdin = os.Stdin }()
	return tkRun(t, append(args, "--config", f.cfg)...)
}

// apiStatus calls GET path on the running web with a bearer token.
func (f *acctFixture) apiStatus(t *testing.T, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", f.web.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		objs = append(objs, m)
	}
	return objs
}

func TestUserCommands(t *testing.T) {
	f := acctSetup(t)
	ctx := context.Background()

	// Without a password: the setup link alone on stdout, under base_url.
	code, out, errOut := f.run(t, "", "user", "add", "Ann", "--role", "agent")
	if code != 0 || !regexp.MustCompile(`^https://desk\.example\.org/setup\?token=[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Fatalf("user add: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = f.run(t, testPasswordLine, "user", "add", "bob", "--role", "agent,privacy", "--role", "admin", "--password-stdin")
	if code != 0 || out != "" {
		t.Fatalf("user add --password-stdin: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		says  string
	}{
		{"", []string{"user", "add", "bob", "--role", "agent"}, 1, "exists"},
		{"", []string{"user", "add", "cat", "--role", "root"}, 1, "unknown role"},
		{"", []string{"user", "add", "cat"}, 1, "at least one role"},
		{"short\n", []string{"user", "add", "cat", "--role", "agent", "--password-stdin"}, 1, "at least 12"},
		{"", []string{"user", "add", "cat", "--role", "agent", "--password-stdin"}, 2, "empty"},
		{"", []string{"user", "disable", "nobody"}, 1, "no user named nobody"},
		{"", []string{"user", "frobnicate"}, 2, "unknown subcommand"},
		{"", []string{"user", "add"}, 2, "usage"},
	} {
		code, _, errOut := f.run(t, c.stdin, c.args...)
		if code != c.code || !strings.Contains(errOut, c.says) {
			t.Errorf("%v: exit %d, stderr %q; want %d saying %q", c.args, code, errOut, c.code, c.says)
		}
	}

	code, out, _ = f.run(t, "", "user", "list", "--json")
	users := jsonLines(t, out)
	if code != 0 || len(users) != 2 || users[0]["name"] != "ann" || users[0]["password_set"] != false ||
		users[1]["name"] != "bob" || fmt.Sprint(users[1]["roles"]) != "[admin agent privacy]" || users[1]["password_set"] != true {
		t.Fatalf("user list --json: exit %d, %v", code, users)
	}
	if _, ok := users[0]["password_hash"]; ok {
		t.Fatal("user list shows a password hash")
	}
	code, out, _ = f.run(t, "", "user", "list")
	if code != 0 || !regexp.MustCompile(`(?m)^ann\s+agent\s+setup pending`).MatchString(out) || !regexp.MustCompile(`(?m)^bob\s+admin,agent,privacy\s+active`).MatchString(out) {
		t.Fatalf("user list:\n%s", out)
	}

	// passwd: the new password works, the old one not.
	a := desk.NewAccounts(f.store, desk.AuthPolicy{}, nil)
	if code, _, errOut := f.run(t, "a fresh long password\n", "user", "passwd", "bob", "--password-stdin"); code != 0 {
		t.Fatalf("user passwd: %d %s", code, errOut)
	}
	if _, err := a.Login(ctx, "bob", "a fresh long password", "192.0.2.1", ""); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	// passwd without --password-stdin: a reset link.
	if code, out, _ := f.run(t, "", "user", "passwd", "bob"); code != 0 || !strings.HasPrefix(out, "https://desk.example.org/setup?token=") {
		t.Fatalf("user passwd without a password: %d %q", code, out)
	}
	// roles, then disable: the last admin is kept.
	if code, _, errOut := f.run(t, "", "user", "disable", "bob"); code != 1 || !strings.Contains(errOut, "last enabled admin") {
		t.Fatalf("disable the last admin: %d %s", code, errOut)
	}
	if code, _, errOut := f.run(t, "", "user", "roles", "ann", "--role", "agent,admin"); code != 0 {
		t.Fatalf("user roles: %d %s", code, errOut)
	}
	if code, _, errOut := f.run(t, "", "user", "disable", "bob"); code != 0 {
		t.Fatalf("user disable: %d %s", code, errOut)
	}
	if _, err := a.Login(ctx, "bob", "a fresh long password", "192.0.2.1", ""); err == nil {
		t.Fatal("a disabled user logs in")
	}

	// Every change is audited as the OS user at the command line.
	evs, _ := f.store.ListAudit(ctx, 0, 0)
	var trail []string
	for _, e := range evs {
		if e.Action != tickets.ActionAuditKey {
			trail = append(trail, e.Action+" "+e.Actor)
		}
	}
	me := cliAdmin().AuditName()
	want := []string{"user.create " + me, "user.setup_link " + me, "user.create " + me, "user.password " + me, "user.login user:bob",
		"user.setup_link " + me, "user.roles " + me, "user.disable " + me}
	if strings.Join(trail, "; ") != strings.Join(want, "; ") {
		t.Fatalf("audit trail:\n got %q\nwant %q", trail, want)
	}
}

const testPasswordLine = "correct horse battery\n"

func TestTokenCommandsWhileServing(t *testing.T) {
	f := acctSetup(t)
	if code, _, errOut := f.run(t, testPasswordLine, "user", "add", "ann", "--role", "agent", "--password-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := f.run(t, "", "token", "create", "ann", "--label", "nightly export")
	if code != 0 || !regexp.MustCompile(`^intake_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Fatalf("token create: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	token := strings.TrimSpace(out)
	// Made by another process: the running web takes it at once.
	if st := f.apiStatus(t, "/api/v1/me", token); st != 200 {
		t.Fatalf("a token made while serving: %d", st)
	}
	code, out, _ = f.run(t, "", "token", "list", "--json")
	toks := jsonLines(t, out)
	if code != 0 || len(toks) != 1 || toks[0]["user"] != "ann" || toks[0]["label"] != "nightly export" || toks[0]["last_used"] == nil || toks[0]["revoked"] != nil {
		t.Fatalf("token list --json: %d %v", code, toks)
	}
	if strings.Contains(out, token) || strings.Contains(out, token[len(desk.TokenPrefix):]) {
		t.Fatal("token list shows the secret")
	}
	id := toks[0]["id"].(string)
	code, out, _ = f.run(t, "", "token", "list")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "nightly export") {
		t.Fatalf("token list:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"token", "create", "nobody"}, 1},
		{[]string{"token", "revoke", "not-a-uuid"}, 1},
		{[]string{"token", "revoke", "01234567-89ab-7def-8123-456789abcdef"}, 1},
		{[]string{"token", "create"}, 2},
	} {
		if code, _, errOut := f.run(t, "", c.args...); code != c.code {
			t.Errorf("%v: exit %d (%s), want %d", c.args, code, errOut, c.code)
		}
	}
	if code, _, errOut := f.run(t, "", "token", "revoke", id); code != 0 {
		t.Fatalf("token revoke: %d %s", code, errOut)
	}
	if st := f.apiStatus(t, "/api/v1/me", token); st != 401 {
		t.Fatalf("a token revoked while serving: %d", st)
	}
	if code, _, _ := f.run(t, "", "token", "revoke", id); code != 1 {
		t.Fatalf("revoke twice: exit %d", code)
	}
	code, out, _ = f.run(t, "", "token", "list", "--json")
	if toks := jsonLines(t, out); code != 0 || toks[0]["revoked"] == nil {
		t.Fatalf("after revoke: %v", toks)
	}
}

func TestUserCommandRefusesMissingStore(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "intake.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir = %q\n", filepath.Join(filepath.Dir(cfg), "nothing"))), 0o600)
	if code, _, errOut := tkRun(t, "user", "list", "--config", cfg); code != 2 || !strings.Contains(errOut, "no store") {
		t.Fatalf("user list on a missing store: %d %s", code, errOut)
	}
}
