package gateway

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPostfixRelayInterop runs a private Postfix instance (its own config,
// queue and log in a temporary directory; the system instance is never
// touched) that relays support.localhost to the gateway, as an upstream
// MTA in front of intake would, with STARTTLS when offered.
func TestPostfixRelayInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Postfix instance")
	}
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		t.Skip("postfix not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("a private Postfix instance needs root")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		t.Skip("no postfix user")
	}
	e := newEnv(t, withTLS(t))
	_, gwPort, _ := net.SplitHostPort(e.addr)

	d, err := os.MkdirTemp("", "intake-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	for _, sub := range []string{"etc", "queue", "data"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(d, 0o755)
	if out, err := exec.Command("chown", "postfix:postfix", filepath.Join(d, "data")).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	maillog := filepath.Join(d, "maillog")
	os.WriteFile(maillog, nil, 0o644)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pfAddr := l.Addr().String()
	l.Close()
	os.WriteFile(filepath.Join(d, "etc", "transport"), []byte("support.localhost smtp:[127.0.0.1]:"+gwPort+"\n"), 0o644)
	os.WriteFile(filepath.Join(d, "etc", "main.cf"), []byte(fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = %[1]s/maillog
maillog_file_prefixes = %[1]s
syslog_name = postfix-intake-test
myhostname = upstream.member.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = support.localhost
transport_maps = texthash:%[1]s/etc/transport
smtpd_relay_restrictions = reject_unauth_destination
local_transport = error:5.1.1 local delivery disabled
default_transport = error:5.7.1 this instance only relays to the gateway
alias_maps =
alias_database =
local_recipient_maps =
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtputf8_enable = yes
smtp_tls_security_level = may
smtp_tls_loglevel = 1
biff = no
`, d)), 0o644)
	os.WriteFile(filepath.Join(d, "etc", "master.cf"), []byte(pfAddr+` inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`), 0o644)
	pf := func(args ...string) {
		t.Helper()
		out, err := exec.Command("postfix", append([]string{"-c", filepath.Join(d, "etc")}, args...)...).CombinedOutput()
		if err != nil {
			log, _ := os.ReadFile(maillog)
			t.Fatalf("postfix %v: %v\n%s\n%s", args, err, out, log)
		}
	}
	pf("check")
	pf("start")
	t.Cleanup(func() {
		exec.Command("postfix", "-c", filepath.Join(d, "etc"), "stop").Run()
		// Wait for the master to go, so the directory can be removed.
		pidFile := filepath.Join(d, "queue", "pid", "master.pid")
		for i := 0; i < 100; i++ {
			b, err := os.ReadFile(pidFile)
			if err != nil || !processAlive(strings.TrimSpace(string(b))) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	var r *rawClient
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", pfAddr, time.Second); err == nil {
			c.Close()
			r = dialRaw(t, pfAddr)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r == nil {
		log, _ := os.ReadFile(maillog)
		t.Fatalf("postfix never listened on %s\n%s", pfAddr, log)
	}
	r.hello()
	r.expect("MAIL FROM:<m@member.example>", 250)
	r.expect("RCPT TO:<help@support.localhost>", 250)
	// Postfix itself refuses what the gateway would not take.
	r.expect("RCPT TO:<victim@elsewhere.example>", 554)
	r.expect("DATA", 354)
	r.send(message([]string{
		"From: Member <m@member.example>", "To: help@support.localhost",
		"Subject: via postfix", "Message-ID: <via-postfix@member.example>",
	}, "My SSN is 078-05-1123.\n..leading dot line\n")) // dot-stuffed by us, the client
	r.expect(".", 250)
	r.expect("QUIT", 221)

	var log string
	for i := 0; i < 300; i++ {
		b, _ := os.ReadFile(maillog)
		log = string(b)
		if strings.Contains(log, "status=sent") || strings.Contains(log, "status=deferred") || strings.Contains(log, "status=bounced") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(log, "status=sent (250 2.0.0 queued as T-") {
		t.Fatalf("postfix did not hand the message over:\n%s", log)
	}
	if !strings.Contains(log, "TLS connection established to 127.0.0.1") {
		t.Errorf("postfix did not use STARTTLS to the gateway:\n%s", log)
	}
	ts := e.tickets()
	if len(ts) != 1 || ts[0].Subject != "via postfix" || !ts[0].Sensitive {
		t.Fatalf("tickets: %+v", ts)
	}
	d2 := e.ticket(ts[0].Ref)
	if h := d2.Messages[0].Envelope.Helo; h != "upstream.member.example" {
		t.Errorf("HELO %q", h)
	}
	if !strings.Contains(d2.Messages[0].Parts[len(d2.Messages[0].Parts)-1].Text, ".leading dot line") {
		t.Error("dot-stuffing not undone")
	}
}

func processAlive(pid string) bool {
	if pid == "" {
		return false
	}
	_, err := os.Stat("/proc/" + pid)
	return err == nil
}
