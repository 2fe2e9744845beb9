package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/config"
)

// The staff interface as serve runs it: the real gateway files member
// mail that arrives over SMTP, the outbox worker hands replies to a
// loopback smarthost, the web listens on a port of its own, and the
// command line works on the same data directory beside it.

type staffServe struct {
	cfg     config.Config
	cfgPath string // a config file naming the same data directory, for the CLI
	r       running
	logs    *lockedBuffer
	relay   *smarthost
	web     string // the web's base URL
}

// startStaffServe runs serve on the embedded defaults but for the ports
// (the system's choice, on loopback), the data directory (a temporary
// one), DNS (a loopback zone where member.test's SPF passes for
// 127.0.0.1) and the smarthost (a loopback sink).
func startStaffServe(t *testing.T, mods ...func(*config.Config)) *staffServe {
	t.Helper()
	dir := t.TempDir()
	z := startZone(t)
	z.set("member.test", e2eTXT)
	s := &staffServe{relay: startSmarthost(t), logs: &lockedBuffer{}}
	s.cfg = testConfig(t, filepath.Join(dir, "data"))
	s.cfg.DNS.Resolver = z.addr
	s.cfg.Reply.Smarthost = s.relay.addr
	for _, m := range mods {
		m(&s.cfg)
	}
	s.cfgPath = filepath.Join(dir, "intake.toml")
	if err := os.WriteFile(s.cfgPath, []byte(fmt.Sprintf("data_dir = %q\n", s.cfg.DataDir)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	readyCh := make(chan running, 1)
	errCh := make(chan error, 1)
	go func() { errCh <- serve(ctx, s.cfg, newLogger(s.logs, "info"), nil, func(r running) { readyCh <- r }) }()
	select {
	case s.r = <-readyCh:
	case err := <-errCh:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errCh:
			if err != nil {
				t.Errorf("serve stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	if s.r.web == nil {
		t.Fatal("serve started no web listener")
	}
	s.web = "http://" + s.r.web.String()
	return s
}

// setupLink is the one-time link serve logged on its first start.
func (s *staffServe) setupLink(t *testing.T) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
	for sc.Scan() {
		var line struct {
			Msg string `json:"msg"`
			URL string `json:"url"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && strings.Contains(line.Msg, "one-time link to create the first admin") {
			return line.URL
		}
	}
	t.Fatalf("no setup link in serve's log:\n%s", s.logs.String())
	return ""
}

// cli runs an intake command on serve's data directory.
func (s *staffServe) cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	userStdin = strings.NewReader(stdin)
	defer func() { userStdin = os.Stdin }()
	return tkRun(t, append(args, "--config", s.cfgPath)...)
}

// addStaff makes an account with the test password.
func (s *staffServe) addStaff(t *testing.T, name string, roles ...string) {
	t.Helper()
	args := []string{"user", "add", name, "--password-stdin"}
	for _, r := range roles {
		args = append(args, "--role", r)
	}
	if code, _, errOut := s.cli(t, staffPassword+"\n", args...); code != 0 {
		t.Fatalf("user add %s: exit %d: %s", name, code, errOut)
	}
}

// token makes an API token for name.
func (s *staffServe) token(t *testing.T, name string) string {
	t.Helper()
	code, out, errOut := s.cli(t, "", "token", "create", name)
	if code != 0 {
		t.Fatalf("token create %s: exit %d: %s", name, code, errOut)
	}
	return strings.TrimSpace(out)
}

const staffPassword = "correct horse battery staple"

// mailRaw sends a raw message (LF line ends) from mailFrom to the
// support address and returns the ref of its 250.
func (s *staffServe) mailRaw(t *testing.T, mailFrom, raw string) string {
	t.Helper()
	return submit(t, s.r.smtp.String(), mailFrom, raw)
}

// relayed waits for a message at the smarthost whose data holds want.
func (s *staffServe) relayedWith(t *testing.T, want string) relayed {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range s.relay.received() {
			if bytes.Contains(m.data, []byte(want)) {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the smarthost got no message holding %q (%d messages)", want, len(s.relay.received()))
	return relayed{}
}

// auditTrail is the audit log as "actor action;" entries, oldest first,
// read beside serve as the CLI reads the store.
func (s *staffServe) auditTrail(t *testing.T) string {
	t.Helper()
	ctx, store, done, err := cliStore(s.cfgPath, "audit", time.Minute, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	evs, err := store.ListAudit(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, ev := range evs {
		b.WriteString(ev.Actor + " " + ev.Action + "; ")
	}
	return b.String()
}

// staffClient is a logged-in browser without a browser: cookies, no
// redirects followed.
type staffClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (s *staffServe) login(t *testing.T, name string) *staffClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &staffClient{t: t, base: s.web, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	req, _ := http.NewRequest("POST", s.web+"/login", strings.NewReader(url.Values{"username": {name}, "password": {staffPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.web)
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("login as %s: %d", name, res.StatusCode)
	}
	return c
}

// get fetches path and returns the status, the body and the headers.
func (c *staffClient) get(path string) (int, []byte, http.Header) {
	c.t.Helper()
	res, err := c.c.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, res.Header
}

// apiGet calls the API with a bearer token.
func apiGet(t *testing.T, base, path, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// memberMail is a message from a member of member.test (whose SPF passes)
// with a Message-ID of letters only (a digit run in it could read as a
// number and be masked, which would change how it threads).
func memberMail(from, name, subject, body string, extra ...string) (raw, messageID string) {
	messageID = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 'a' + (r - '0')
		}
		return r
	}, fmt.Sprintf("%x", time.Now().UnixNano())) + "@member.test"
	h := fmt.Sprintf("From: %s <%s>\nTo: help@support.localhost\nSubject: %s\nMessage-ID: <%s>\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n", name, from, subject, messageID)
	for _, x := range extra {
		h += x + "\n"
	}
	return h + "\n" + body + "\n", messageID
}
