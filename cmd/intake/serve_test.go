package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/intake-mail/intake/config"
)

// lockedBuffer collects log lines written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// deadDNS is a loopback UDP port nobody answers on, so that sender checks
// fail fast instead of reaching a real resolver.
func deadDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

func testConfig(t *testing.T, dir string) config.Config {
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.SMTP.Listen = []string{"127.0.0.1:0"}
	cfg.Metrics.Listen = "127.0.0.1:0"
	cfg.Web.Listen = "127.0.0.1:0"
	cfg.DNS.Resolver = deadDNS(t)
	cfg.SMTP.ShutdownGrace = config.Duration(5 * time.Second)
	return cfg
}

var queuedRe = regexp.MustCompile(`queued as (T-[0-9A-Z]{6})`)

// sendOne delivers one message with go-smtp's client and returns the final
// status text.
func sendOne(t *testing.T, addr, subject, body string) string {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.member.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("m@member.example", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("help@support.localhost", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, "From: m@member.example\r\nTo: help@support.localhost\r\nSubject: %s\r\nMessage-ID: <%d@member.example>\r\n\r\n%s\r\n", subject, time.Now().UnixNano(), body)
	resp, err := w.CloseWithResponse()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	c.Quit()
	return resp.StatusText
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	cl := http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeInProcess(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readyCh := make(chan running, 1)
	errCh := make(chan error, 1)
	go func() { errCh <- serve(ctx, cfg, newLogger(logs, "info"), nil, func(r running) { readyCh <- r }) }()
	var r running
	select {
	case r = <-readyCh:
	case err := <-errCh:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}

	status := sendOne(t, r.smtp.String(), "card 4111 1111 1111 1111", "hello")
	if !queuedRe.MatchString(status) {
		t.Fatalf("DATA answered %q", status)
	}

	// First start generated the quarantine key pair and the secret.
	fi, err := os.Stat(filepath.Join(dir, identityFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("identity file mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, threadKeyFile)); err != nil {
		t.Errorf("threading secret: %v", err)
	}
	if !strings.Contains(logs.String(), "move it OFFLINE") {
		t.Error("no loud log line about the generated identity")
	}

	base := "http://" + r.metrics.String()
	if code, body := httpGet(t, base+"/metrics"); code != 200 ||
		!strings.Contains(body, `intake_smtp_messages_accepted_total{verdict="sensitive"} 1`) ||
		!strings.Contains(body, "intake_outbox_depth") ||
		strings.Contains(body, "4111 1111 1111 1111") {
		t.Errorf("/metrics %d:\n%s", code, body)
	}
	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz %d", code)
	}
	if code, _ := httpGet(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz %d", code)
	}

	cancel()
	select {
	case err := <-errCh:
		if err != nil {
			t.Fatalf("serve returned %v after a clean shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	// The full number, in the spellings sent; its last four may appear
	// by chance in a timestamp, so they are not what is looked for.
	if strings.Contains(logs.String(), "4111 1111 1111 1111") || strings.Contains(logs.String(), "4111111111111111") {
		t.Error("logs hold the card number")
	}

	// A second start keeps the same quarantine key.
	pub1, _ := os.ReadFile(filepath.Join(dir, recipientFile))
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() {
		errCh <- serve(ctx2, cfg, newLogger(io.Discard, "info"), nil, func(r running) { readyCh <- r })
	}()
	select {
	case <-readyCh:
	case err := <-errCh:
		t.Fatalf("second start: %v", err)
	}
	cancel2()
	<-errCh
	pub2, _ := os.ReadFile(filepath.Join(dir, recipientFile))
	if len(pub1) == 0 || !bytes.Equal(pub1, pub2) {
		t.Error("the quarantine key changed on restart")
	}
}

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeBinarySIGTERM builds the real binary, starts it with a config
// file, begins a transaction, sends SIGTERM in the middle of DATA,
// finishes the message and expects it filed (250) and a clean exit 0.
func TestServeBinarySIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "intake")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	smtpAddr, metricsAddr, webAddr := freePort(t), freePort(t), freePort(t)
	cfgFile := filepath.Join(dir, "intake.toml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`data_dir = "data"
[smtp]
listen = [%q]
shutdown_grace = "10s"
[dns]
resolver = %q
[metrics]
listen = %q
[web]
listen = %q
`, smtpAddr, deadDNS(t), metricsAddr, webAddr)), 0o600)

	logs := &lockedBuffer{}
	cmd := exec.Command(bin, "serve", "--config", cfgFile)
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	var c *smtp.Client
	var err error
	for i := 0; i < 300; i++ {
		if c, err = smtp.Dial(smtpAddr); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("gateway never listened: %v\n%s", err, logs.String())
	}
	defer c.Close()
	if err := c.Hello("client.member.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("m@member.example", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("help@support.localhost", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "From: m@member.example\r\nSubject: during shutdown\r\nMessage-ID: <sigterm@member.example>\r\n\r\nfirst half\r\n")
	// go-smtp's client buffers; make sure the first half is on the wire.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The second half goes only once serve has taken the signal, however
	// long a loaded machine takes to deliver it: sent earlier, the message
	// would be finished before the shutdown and prove nothing.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), "shutting down"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not log its shutdown within 30s of SIGTERM\n%s", logs.String())
		}
	}
	io.WriteString(w, "second half\r\n")
	resp, err := w.CloseWithResponse()
	if err != nil {
		// Nothing kept is the other allowed outcome; with a 10 s grace
		// and an immediate finish it should not happen.
		t.Fatalf("message in flight at SIGTERM: %v", err)
	}
	if !queuedRe.MatchString(resp.StatusText) {
		t.Fatalf("DATA answered %q", resp.StatusText)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit after SIGTERM\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"intake stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "data", identityFile)); err != nil {
		t.Errorf("data_dir not relative to the config file: %v", err)
	}
}

// startServe runs serve in-process and returns what it listens on, and a
// stop function that waits for it to end.
func startServe(t *testing.T, cfg config.Config, logs io.Writer) (running, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	readyCh := make(chan running, 1)
	errCh := make(chan error, 1)
	go func() { errCh <- serve(ctx, cfg, newLogger(logs, "info"), nil, func(r running) { readyCh <- r }) }()
	select {
	case r := <-readyCh:
		return r, func() { cancel(); <-errCh }
	case err := <-errCh:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return running{}, nil
}

// TestServeReadyzFreeSpace: /readyz reflects whether the node can accept
// mail now; with the free-space floor above what the data directory's
// file system has, it is 503 with the reason, and intake_ready is 0.
func TestServeReadyzFreeSpace(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Store.MinFreeMB = 1 << 40 // a floor no disk reaches
	r, stop := startServe(t, cfg, io.Discard)
	defer stop()
	base := "http://" + r.metrics.String()
	code, body := httpGet(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "free space") || strings.Count(strings.TrimSpace(body), "\n") != 0 {
		t.Errorf("/readyz %d %q, want 503 with the reason on one line", code, body)
	}
	if _, m := httpGet(t, base+"/metrics"); !strings.Contains(m, "\nintake_ready 0\n") {
		t.Error("intake_ready is not 0")
	}

	cfg2 := testConfig(t, t.TempDir())
	r2, stop2 := startServe(t, cfg2, io.Discard)
	defer stop2()
	base2 := "http://" + r2.metrics.String()
	if code, body := httpGet(t, base2+"/readyz"); code != 200 || !strings.HasPrefix(body, "ready\n") {
		t.Errorf("/readyz %d %q on a healthy node", code, body)
	}
	if _, m := httpGet(t, base2+"/metrics"); !strings.Contains(m, "\nintake_ready 1\n") {
		t.Error("intake_ready is not 1")
	}
}

// TestServeNeverLogsDSN: whatever store error serve meets, neither its log
// nor what it returns shows the DSN's password; the CLI refuses a
// PostgreSQL DSN under the sqlite driver before anything is opened.
func TestServeNeverLogsDSN(t *testing.T) {
	const pw = "hunter2-Secret"
	cases := []struct{ driver, dsn string }{
		// What check-config used to let through: opened as a file name.
		{"sqlite", "postgres://intake:" + pw + "@127.0.0.1:1/intake"},
		// A server that is not there.
		{"postgres", "postgres://intake:" + pw + "@127.0.0.1:1/intake?connect_timeout=2"},
		{"postgres", "host=127.0.0.1 port=1 user=intake password=" + pw + " dbname=intake connect_timeout=2"},
	}
	for _, tc := range cases {
		t.Run(tc.driver, func(t *testing.T) {
			cfg := testConfig(t, t.TempDir())
			cfg.Store.Driver, cfg.Store.DSN = tc.driver, tc.dsn
			if tc.driver == "postgres" {
				// A cluster's shared keys, so that serve gets as far as the store.
				cfg.Store.ThreadKeyFile, cfg.Store.AuditKeyFile = keyFiles(t)
				cfg.Quarantine.Recipients = []string{testRecipient(t)}
			}
			logs := &lockedBuffer{}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := serve(ctx, cfg, newLogger(logs, "debug"), nil, nil)
			if err == nil {
				t.Fatal("serve started on a store that cannot be opened")
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(logs.String(), "hunter2") {
				t.Error("the DSN's password is in what serve logged or returned")
			}
			if !strings.Contains(err.Error(), "store") {
				t.Errorf("serve failed before the store: %v", err)
			}
		})
	}

	dir := t.TempDir()
	p := filepath.Join(dir, "intake.toml")
	os.WriteFile(p, []byte(fmt.Sprintf("data_dir = %q\n[store]\ndriver = \"sqlite\"\ndsn = \"postgres://intake:%s@127.0.0.1:1/intake\"\n", dir, pw)), 0o600)
	var out, errb bytes.Buffer
	if code := dispatch([]string{"serve", "--config", p}, &out, &errb); code != 2 {
		t.Errorf("serve with a postgres DSN under sqlite: exit %d, want 2\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "store.dsn") || strings.Contains(out.String()+errb.String(), "hunter2") {
		t.Errorf("serve's refusal: %q", errb.String())
	}
}

// keyFiles writes a thread key and an audit key, as an operator copies
// them to each node of a cluster.
func keyFiles(t *testing.T) (thread, audit string) {
	t.Helper()
	dir := t.TempDir()
	thread, audit = filepath.Join(dir, "thread.key"), filepath.Join(dir, "audit.key")
	for _, p := range []string{thread, audit} {
		b := make([]byte, 32)
		rand.Read(b)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return thread, audit
}

// TestFirstStartWritesNothingWithoutItsPorts: with a port taken, serve
// fails before it writes anything: no data directory, no identity, no
// key, no database; the start that can listen makes them.
func TestFirstStartWritesNothingWithoutItsPorts(t *testing.T) {
	for _, which := range []string{"smtp", "metrics", "web"} {
		t.Run(which, func(t *testing.T) {
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer taken.Close()
			dataDir := filepath.Join(t.TempDir(), "data")
			cfg := testConfig(t, dataDir)
			switch which {
			case "smtp":
				cfg.SMTP.Listen = []string{taken.Addr().String()}
			case "metrics":
				cfg.Metrics.Listen = taken.Addr().String()
			case "web":
				cfg.Web.Listen = taken.Addr().String()
			}
			err = serve(context.Background(), cfg, newLogger(io.Discard, "info"), nil, func(running) { t.Error("serve started on a taken port") })
			if err == nil || !strings.Contains(err.Error(), which+" listen") {
				t.Fatalf("serve on a taken %s port: %v", which, err)
			}
			if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
				files := filesIn(t, dataDir)
				t.Fatalf("a start that could not listen wrote %v", files)
			}
		})
	}
}

func filesIn(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestIdentityOnDiskIsSaid: while the generated quarantine identity is in
// the data directory, every start warns, /readyz says so (still 200),
// intake_quarantine_identity_on_disk is 1 and check-config warns; once
// the admin moved it away, all of them are quiet.
func TestIdentityOnDiskIsSaid(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	_, stop := startServe(t, cfg, io.Discard) // the first start makes it
	stop()

	logs := &lockedBuffer{}
	r, stop := startServe(t, cfg, logs)
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"the quarantine identity is still in the data directory`) {
		t.Errorf("second start does not warn about the identity on disk:\n%s", logs.String())
	}
	base := "http://" + r.metrics.String()
	if code, body := httpGet(t, base+"/readyz"); code != 200 || !strings.HasPrefix(body, "ready\n") || !strings.Contains(body, "warning: the quarantine identity is still in the data directory") {
		t.Errorf("/readyz %d %q, want 200, ready and the warning", code, body)
	}
	if _, m := httpGet(t, base+"/metrics"); !strings.Contains(m, "\nintake_quarantine_identity_on_disk 1\n") {
		t.Error("intake_quarantine_identity_on_disk is not 1")
	}
	p := filepath.Join(t.TempDir(), "intake.toml")
	os.WriteFile(p, []byte(fmt.Sprintf("data_dir = %q\n", dir)), 0o600)
	var out, errb bytes.Buffer
	if code := dispatch([]string{"check-config", "--config", p}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "warning: the quarantine identity is still in the data directory") {
		t.Errorf("check-config exit %d without the warning:\n%s", code, errb.String())
	}

	// The admin moves it offline.
	if err := os.Rename(filepath.Join(dir, identityFile), filepath.Join(t.TempDir(), identityFile)); err != nil {
		t.Fatal(err)
	}
	if code, body := httpGet(t, base+"/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz %d %q after the identity left", code, body)
	}
	if _, m := httpGet(t, base+"/metrics"); !strings.Contains(m, "\nintake_quarantine_identity_on_disk 0\n") {
		t.Error("intake_quarantine_identity_on_disk is not 0 after the identity left")
	}
	stop()
	logs2 := &lockedBuffer{}
	_, stop = startServe(t, cfg, logs2)
	stop()
	if strings.Contains(logs2.String(), "quarantine identity is still") {
		t.Error("a start without the identity on disk warns about it")
	}
	errb.Reset()
	dispatch([]string{"check-config", "--config", p}, &out, &errb)
	if strings.Contains(errb.String(), "quarantine identity") {
		t.Errorf("check-config warns without the identity:\n%s", errb.String())
	}
}

// TestNoDKIMWarningWithRepliesOff: the unsigned-replies warning is for a
// gateway that sends auto-replies.
func TestNoDKIMWarningWithRepliesOff(t *testing.T) {
	for _, on := range []bool{true, false} {
		cfg := testConfig(t, t.TempDir())
		cfg.Reply.Enabled = on
		logs := &lockedBuffer{}
		_, stop := startServe(t, cfg, logs)
		stop()
		if got := strings.Contains(logs.String(), "no [reply] dkim_key"); got != on {
			t.Errorf("auto-replies on=%v: dkim_key warning printed=%v", on, got)
		}
	}
}
