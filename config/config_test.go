package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "intake.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsValidate(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("embedded defaults do not validate: %v", err)
	}
	if c.SMTP.Listen[0] != "127.0.0.1:2525" || c.Web.Listen != "127.0.0.1:8080" ||
		c.DataDir != "./intake-data" || c.SMTP.Domains[0] != "support.localhost" || c.Store.Driver != "sqlite" {
		t.Fatalf("defaults drifted from the DESIGN.md contract: %+v", c)
	}
}

// testKeyFiles writes a thread key and an audit key into dir and returns
// their paths.
func testKeyFiles(t *testing.T, dir string) (thread, audit string) {
	t.Helper()
	thread, audit = filepath.Join(dir, "thread.key"), filepath.Join(dir, "audit.key")
	for _, p := range []string{thread, audit} {
		if err := os.WriteFile(p, []byte("0123456789abcdef0123456789abcdef"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return thread, audit
}

// testRecipient is an age public key (of an identity nobody keeps).
const testRecipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

func TestLoadContractKeys(t *testing.T) {
	p := write(t, `
data_dir = "data"
[smtp]
listen = ["127.0.0.1:0"]
hostname = "mx.example.org"
domains = ["example.org"]
addresses = ["help@other.example"]
max_message_bytes = 1048576
max_recipients = 5
queues = { "billing@example.org" = "billing", "other.example" = "partners" }
default_queue = "general"
command_timeout = "10s"
session_timeout = "1m"
reject_dmarc_fail = true
[store]
driver = "postgres"
dsn = "postgres://u:pw@127.0.0.1/db"
thread_key_file = "keys/thread.key"
audit_key_file = "keys/audit.key"
[quarantine]
recipients = ["`+testRecipient+`"]
retention_days = 7
[reply]
smarthost = "127.0.0.1:1025"
sensitive_per_domain_hour = 500
[dns]
resolver = "127.0.0.1:5353"
[metrics]
listen = ""
`)
	if err := os.Mkdir(filepath.Join(filepath.Dir(p), "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	testKeyFiles(t, filepath.Join(filepath.Dir(p), "keys"))
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if c.DataDir != filepath.Join(filepath.Dir(p), "data") {
		t.Errorf("data_dir not made relative to the config file: %q", c.DataDir)
	}
	if c.SMTP.Queues["billing@example.org"] != "billing" || c.SMTP.DefaultQueue != "general" {
		t.Errorf("queues: %v default %q", c.SMTP.Queues, c.SMTP.DefaultQueue)
	}
	if c.SMTP.CommandTimeout.D() != 10*time.Second || c.SMTP.SessionTimeout.D() != time.Minute {
		t.Errorf("timeouts: %v %v", c.SMTP.CommandTimeout, c.SMTP.SessionTimeout)
	}
	if c.SMTP.DataTimeout.D() != 3*time.Minute {
		t.Errorf("unset key lost its default: data_timeout %v", c.SMTP.DataTimeout)
	}
	if !c.SMTP.RejectDMARCFail || c.Store.DSN == "" {
		t.Errorf("booleans or strings not read: %+v", c.SMTP)
	}
	if c.Store.ThreadKeyFile != filepath.Join(filepath.Dir(p), "keys", "thread.key") || c.Reply.SensitivePerDomainHour != 500 {
		t.Errorf("key files or the sensitive-data domain cap not read: %q %d", c.Store.ThreadKeyFile, c.Reply.SensitivePerDomainHour)
	}
}

func TestLoadRejects(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"unknown key names its line", "[smtp]\nlisten = [\"127.0.0.1:1\"]\nrelay_all = true\n", "line 3: unknown key \"smtp.relay_all\""},
		{"unknown section", "[smpt]\nlisten = []\n", "unknown key \"smpt\""},
		{"bad duration", "[smtp]\ncommand_timeout = \"soon\"\n", "line 2: smtp.command_timeout: duration"},
		{"wrong type", "[smtp]\nmax_recipients = \"ten\"\n", "line 2: smtp.max_recipients: want a whole number, not the text \"ten\""},
		{"not TOML", "[smtp\nlisten = 1\n", ":1:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(write(t, tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.toml")); err == nil {
		t.Fatal("a missing file loaded")
	}
}

func TestValidateFindsEachProblem(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"nothing accepted", func(c *Config) { c.SMTP.Domains = nil }, "smtp.domains"},
		{"bad domain", func(c *Config) { c.SMTP.Domains = []string{"not a domain"} }, "smtp.domains"},
		{"bad address", func(c *Config) { c.SMTP.Addresses = []string{"nobody"} }, "smtp.addresses"},
		// The gateway would not route it (mailproto.ParseAddress): refused
		// here rather than ignored there.
		{"address the gateway cannot route", func(c *Config) { c.SMTP.Addresses = []string{"a,b@support.localhost"} }, "smtp.addresses"},
		{"address literal", func(c *Config) { c.SMTP.Addresses = []string{"x@[127.0.0.1]"} }, "smtp.addresses"},
		{"queue for a foreign address", func(c *Config) { c.SMTP.Queues = map[string]string{"x@elsewhere.example": "q"} }, "smtp.queues"},
		{"queue name", func(c *Config) { c.SMTP.Queues = map[string]string{"support.localhost": "Bad Name"} }, "smtp.queues"},
		{"listen", func(c *Config) { c.SMTP.Listen = []string{"2525"} }, "smtp.listen"},
		{"tls half", func(c *Config) { c.SMTP.TLSCert = "/x.pem" }, "smtp.tls_cert"},
		{"tls missing file", func(c *Config) { c.SMTP.TLSCert, c.SMTP.TLSKey = "/nonexistent/c.pem", "/nonexistent/k.pem" }, "load certificate"},
		{"line length below RFC", func(c *Config) { c.SMTP.MaxLineLength = 512 }, "smtp.max_line_length"},
		{"per ip above total", func(c *Config) { c.SMTP.MaxConnections, c.SMTP.MaxConnectionsPerIP = 100, 1000 }, "smtp.max_connections_per_ip"},
		{"negative total", func(c *Config) { c.SMTP.MaxConnections = -1 }, "smtp.max_connections"},
		{"busy wait longer than the normal one", func(c *Config) { c.SMTP.BusyCommandTimeout = Duration(time.Hour) }, "smtp.busy_command_timeout"},
		{"zero busy wait", func(c *Config) { c.SMTP.BusyCommandTimeout = 0 }, "smtp.busy_command_timeout"},
		{"zero timeout", func(c *Config) { c.SMTP.SessionTimeout = 0 }, "smtp.session_timeout"},
		{"driver", func(c *Config) { c.Store.Driver = "mysql" }, "store.driver"},
		{"postgres without dsn", func(c *Config) { c.Store.Driver = "postgres" }, "store.dsn"},
		// A cluster's nodes share their secrets and seal to the same keys:
		// none may make its own.
		{"postgres without a shared thread key", func(c *Config) { c.Store.Driver = "postgres" }, "store.thread_key_file"},
		{"postgres without a shared audit key", func(c *Config) { c.Store.Driver = "postgres" }, "store.audit_key_file"},
		{"postgres without quarantine recipients", func(c *Config) { c.Store.Driver = "postgres" }, "quarantine.recipients"},
		{"missing key file", func(c *Config) { c.Store.ThreadKeyFile = "/nonexistent/thread.key" }, "store.thread_key_file"},
		{"short key file", func(c *Config) { c.Store.AuditKeyFile = write(t, "short") }, "store.audit_key_file"},
		{"negative sensitive-data domain cap", func(c *Config) { c.Reply.SensitivePerDomainHour = -1 }, "reply.sensitive_per_domain_hour"},
		{"negative free-space floor", func(c *Config) { c.Store.MinFreeMB = -1 }, "store.min_free_mb"},
		{"free-space floor in bytes overflows", func(c *Config) { c.Store.MinFreeMB = 1 << 50 }, "store.min_free_mb"},
		{"age key", func(c *Config) { c.Quarantine.Recipients = []string{"ssh-rsa AAAA"} }, "quarantine.recipients"},
		{"retention", func(c *Config) { c.Quarantine.RetentionDays = 0 }, "quarantine.retention_days"},
		{"reply from", func(c *Config) { c.Reply.From = "support" }, "reply.from"},
		// The responder could not write from it (mailproto.Deliverable).
		{"reply from with a name", func(c *Config) { c.Reply.From = "Support <support@support.localhost>" }, "reply.from"},
		{"resolver", func(c *Config) { c.DNS.Resolver = "8.8.8.8" }, "dns.resolver"},
		{"log level", func(c *Config) { c.Log.Level = "loud" }, "log.level"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want a problem naming %q", err, tc.want)
			}
		})
	}
}

func TestRedacted(t *testing.T) {
	c := Default()
	c.Store.DSN = "postgres://intake:s3cret-pw@db.internal:5432/intake?sslmode=verify-full"
	c.Reply.SmarthostUsername = "relay"
	c.Reply.SmarthostPassword = "hunter2-pw"
	out, err := c.Redacted().TOML()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cret-pw", "hunter2-pw"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("printed config shows a secret:\n%s", out)
		}
	}
	if !strings.Contains(string(out), "db.internal") || !strings.Contains(string(out), "relay") {
		t.Errorf("redaction hid more than secrets:\n%s", out)
	}
	if c.Store.DSN == "" || !strings.Contains(c.Store.DSN, "s3cret-pw") {
		t.Error("Redacted changed the original")
	}
	if got := RedactDSN("host=db user=intake password='a b' dbname=x"); strings.Contains(got, "a b") {
		t.Errorf("key=value DSN kept its password: %s", got)
	}

	// What check-config prints reads back as the same configuration.
	p := write(t, string(out))
	back, err := Load(p)
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, out)
	}
	if back.SMTP.MaxMessageBytes != c.SMTP.MaxMessageBytes || back.SMTP.CommandTimeout != c.SMTP.CommandTimeout {
		t.Errorf("round trip changed values")
	}
}

// TestLoadReportsEveryProblem: unknown keys, values of the wrong type and
// (through Validate) wrong values all come back at once, each with its
// line, in our words rather than the decoder's; the keys that were right
// are applied.
func TestLoadReportsEveryProblem(t *testing.T) {
	p := write(t, `data_dir = 5
[smtp]
hostname = "mx.example.org"
domians = ["example.org"]
max_connections = "lots"
command_timeout = "soon"
max_recipients = 2.5
queues = { "a@example.org" = 3 }
max_line_length = 100
[smpt]
x = 1
`)
	c, err := Load(p)
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Load error %v, want a *FileError", err)
	}
	want := []string{
		`line 1: data_dir: want text in quotes, not the number 5`,
		`line 4: unknown key "smtp.domians" (did you mean "smtp.domains"?)`,
		`line 5: smtp.max_connections: want a whole number, not the text "lots"`,
		`line 6: smtp.command_timeout: duration "soon"`,
		`line 7: smtp.max_recipients: want a whole number, not the number 2.5, which is not whole`,
		`line 8: smtp.queues: want a table of texts`,
		`line 10: unknown key "smpt" (did you mean "smtp"?)`,
	}
	if len(fe.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(fe.Problems), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("problems lack %q:\n%s", w, err)
		}
	}
	for _, goWords := range []string{"int64", "toml.", "go-toml", "cannot decode", "reflect", "[]interface"} {
		if strings.Contains(err.Error(), goWords) {
			t.Errorf("problems speak Go (%q):\n%s", goWords, err)
		}
	}
	if c.SMTP.Hostname != "mx.example.org" {
		t.Errorf("a right key was not applied beside the wrong ones: hostname %q", c.SMTP.Hostname)
	}
	// Validate's problems name their line too.
	verr := c.Validate()
	if verr == nil || !strings.Contains(verr.Error(), "line 9: smtp.max_line_length") {
		t.Errorf("Validate = %v, want smtp.max_line_length with its line", verr)
	}
}

// TestLoadRecipientDefault: the default domain applies only when the file
// sets neither smtp.domains nor smtp.addresses.
func TestLoadRecipientDefault(t *testing.T) {
	for _, tc := range []struct {
		name, body         string
		domains, addresses []string
	}{
		{"neither", "[smtp]\nhostname = \"mx.example.org\"\n", []string{"support.localhost"}, nil},
		{"no smtp section", "data_dir = \"d\"\n", []string{"support.localhost"}, nil},
		{"addresses alone", "[smtp]\naddresses = [\"help@example.org\"]\n", nil, []string{"help@example.org"}},
		{"domains alone", "[smtp]\ndomains = [\"example.org\"]\n", []string{"example.org"}, nil},
		{"both", "[smtp]\ndomains = [\"example.org\"]\naddresses = [\"help@example.org\"]\n", []string{"example.org"}, []string{"help@example.org"}},
		{"empty domains, addresses", "[smtp]\ndomains = []\naddresses = [\"help@example.org\"]\n", []string{}, []string{"help@example.org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(write(t, tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(c.SMTP.Domains, ",") != strings.Join(tc.domains, ",") || strings.Join(c.SMTP.Addresses, ",") != strings.Join(tc.addresses, ",") {
				t.Errorf("domains %q addresses %q, want %q %q", c.SMTP.Domains, c.SMTP.Addresses, tc.domains, tc.addresses)
			}
		})
	}
}

// TestLoadRelativeConfigPath: a config named by a relative path still
// gives absolute paths, the same wherever they are printed or used.
func TestLoadRelativeConfigPath(t *testing.T) {
	p := write(t, "data_dir = \"data\"\n")
	t.Chdir(filepath.Dir(p))
	c, err := Load("intake.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(filepath.Dir(p), "data")
	if c.DataDir != want {
		t.Errorf("data_dir %q, want %q", c.DataDir, want)
	}
}
