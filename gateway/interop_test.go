package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/scan"
)

// selfSignedCert writes a throwaway certificate and key for STARTTLS.
func selfSignedCert(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "mx.support.localhost"},
		DNSNames:     []string{"mx.support.localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func withTLS(t testing.TB) envOption {
	cert, key := selfSignedCert(t, t.TempDir())
	return func(o *Options) { o.TLSCert, o.TLSKey = cert, key }
}

var anyRef = regexp.MustCompile(`queued as (T-[0-9A-Z]{6})`)

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not finish", name)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

func TestSwaksInterop(t *testing.T) {
	if _, err := exec.LookPath("swaks"); err != nil {
		t.Skip("swaks not installed")
	}
	e := newEnv(t, withTLS(t))
	host, port, _ := net.SplitHostPort(e.addr)
	cases := []struct {
		name  string
		extra []string
		check func(t *testing.T, e *testEnv, ref string)
	}{
		{"plain", nil, nil},
		{"STARTTLS", []string{"--tls"}, nil},
		{"8-bit UTF-8 body", []string{"--body", "Grüße aus Köln — SSN 078-05-1123", "--add-header", "Content-Type: text/plain; charset=utf-8"},
			func(t *testing.T, e *testEnv, ref string) {
				d := e.ticket(ref)
				if !d.Sensitive || !strings.Contains(d.Messages[0].Parts[len(d.Messages[0].Parts)-1].Text, "Grüße") {
					t.Errorf("8-bit body not filed as sent: sensitive=%v", d.Sensitive)
				}
			}},
		{"attachment", []string{"--attach-type", "text/plain", "--attach-name", "note.txt", "--attach", "@" + writeTemp(t, "note.txt", "card 4111 1111 1111 1111\n")},
			func(t *testing.T, e *testEnv, ref string) {
				if d := e.ticket(ref); !d.Sensitive {
					t.Error("number in the attachment not found")
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--server", host, "--port", port, "--from", "m@member.example", "--to", "help@support.localhost",
				"--helo", "swaks.member.example", "--header", "Subject: swaks " + tc.name,
				"--h-Message-Id", "<swaks-" + strings.ReplaceAll(tc.name, " ", "-") + "@member.example>"}, tc.extra...)
			out := runTool(t, "swaks", args...)
			m := anyRef.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("swaks saw no 250 queued as:\n%s", out)
			}
			if tc.name == "STARTTLS" && !strings.Contains(out, "TLS started") {
				t.Errorf("swaks --tls did not start TLS:\n%s", out)
			}
			if tc.check != nil {
				tc.check(t, e, m[1])
			}
		})
	}
}

func TestPythonSmtplibInterop(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	e := newEnv(t, withTLS(t))
	host, port, _ := net.SplitHostPort(e.addr)
	script := `
import smtplib, ssl, sys
from email.message import EmailMessage
host, port = sys.argv[1], int(sys.argv[2])

def send(starttls, sender, utf8):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "help@support.localhost"
    m["Subject"] = "Python smtplib, TLS=%s, UTF-8=%s" % (starttls, utf8)
    m["Message-ID"] = "<py-%s-%s@member.example>" % (starttls, utf8)
    m.set_content("Hallo, meine Karte: 4111 1111 1111 1111 — danke\n", charset="utf-8", cte="8bit")
    m.add_attachment(b"%PDF-1.4 not really\n", maintype="application", subtype="octet-stream", filename="scan.bin")
    s = smtplib.SMTP(host, port, timeout=30)
    s.ehlo("py.member.example")
    if starttls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s.starttls(context=ctx)
        s.ehlo("py.member.example")
    opts = ["BODY=8BITMIME"]
    if utf8:
        opts.append("SMTPUTF8")
    code, resp = s.mail(sender, opts)
    assert code == 250, (code, resp)
    code, resp = s.rcpt("help@support.localhost")
    assert code == 250, (code, resp)
    code, resp = s.data(m.as_bytes(policy=m.policy.clone(linesep="\r\n", utf8=utf8)))
    print(code, resp.decode())
    s.quit()

send(False, "m@member.example", False)
send(True, "m@member.example", False)
send(True, "jürgen@münchen.member.example", True)
`
	out := runTool(t, py, "-c", script, host, port)
	refs := anyRef.FindAllStringSubmatch(out, -1)
	if len(refs) != 3 {
		t.Fatalf("want three 250 queued as, got:\n%s", out)
	}
	for _, m := range refs {
		d := e.ticket(m[1])
		if !d.Sensitive {
			t.Errorf("%s: the card number was not found", m[1])
		}
	}
	if from := e.ticket(refs[2][1]).Messages[0].Envelope.MailFrom; from != "jürgen@münchen.member.example" {
		t.Errorf("SMTPUTF8 sender filed as %q", from)
	}
}

func writeTemp(t *testing.T, name, body string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCurlInterop: curl's smtp:// upload sends the file as it is, with LF
// line ends. From loopback (smtp.bare_lf_networks) they are made CRLF and
// the message is filed; the masked ticket proves it was read line by line.
func TestCurlInterop(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	e := newEnv(t, withTLS(t))
	msg := writeTemp(t, "curl.eml", "From: m@member.example\nTo: help@support.localhost\nSubject: curl upload\nMessage-ID: <curl-1@member.example>\n\ncard 4111 1111 1111 1111\nthanks\n")
	for _, tc := range []struct{ name, url string }{
		{"plain", "smtp://" + e.addr},
		{"STARTTLS", "smtp://" + e.addr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"-sS", "-v", "--url", tc.url, "--mail-from", "m@member.example", "--mail-rcpt", "help@support.localhost", "--upload-file", msg}
			if tc.name == "STARTTLS" {
				args = append(args, "--ssl-reqd", "--insecure")
			}
			out := runTool(t, "curl", args...)
			m := anyRef.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("curl saw no 250 queued as:\n%s", scan.MaskString(out))
			}
			d := e.ticket(m[1])
			if !d.Sensitive || d.Subject != "curl upload" {
				t.Errorf("ticket from curl: sensitive %v, subject %q", d.Sensitive, d.Subject)
			}
		})
	}
}
