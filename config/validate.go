package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/intake-mail/intake/mailproto"
)

// minLineLength is the longest text line a server must accept: RFC 5321
// 4.5.3.1.6 sets it at 1000 octets, CRLF included.
const minLineLength = 1000

var (
	queueRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
)

// Validate checks every value and every file the configuration names, and
// returns all problems at once (errors.Join), each naming its key, so an
// admin fixes a file in one pass.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, a ...any) {
		if line := c.lines[key]; line > 0 {
			errs = append(errs, fmt.Errorf("line %d: %s: %s", line, key, fmt.Sprintf(format, a...)))
			return
		}
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, a...)))
	}

	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}

	s := &c.SMTP
	if len(s.Listen) == 0 {
		bad("smtp.listen", "needs at least one address")
	}
	for _, l := range s.Listen {
		if err := checkHostPort(l); err != nil {
			bad("smtp.listen", "%q: %v", l, err)
		}
	}
	if !mailproto.ValidHostname(s.Hostname) {
		bad("smtp.hostname", "%q is not a host name", s.Hostname)
	}
	if len(s.Domains) == 0 && len(s.Addresses) == 0 {
		// An MX that accepts nothing is a mistake; one that accepts
		// everything would be an open relay, so there is no "all".
		bad("smtp.domains", "domains and addresses are both empty: no mail would be accepted")
	}
	for _, d := range s.Domains {
		if !mailproto.ValidHostname(d) {
			bad("smtp.domains", "%q is not a domain", d)
		}
	}
	for _, a := range s.Addresses {
		if _, _, ok := routedAddress(a); !ok {
			bad("smtp.addresses", "%q is not an address local@domain", a)
		}
	}
	for k, q := range s.Queues {
		if !c.accepts(k) {
			bad("smtp.queues", "%q is neither an accepted address nor a domain in smtp.domains", k)
		}
		if !queueRe.MatchString(q) {
			bad("smtp.queues", "queue %q for %q: use lower-case letters, digits, '.', '_' or '-'", q, k)
		}
	}
	if !queueRe.MatchString(s.DefaultQueue) {
		bad("smtp.default_queue", "%q: use lower-case letters, digits, '.', '_' or '-'", s.DefaultQueue)
	}
	if s.MaxMessageBytes < 1024 || s.MaxMessageBytes > 1<<30 {
		bad("smtp.max_message_bytes", "%d is outside 1024..1073741824", s.MaxMessageBytes)
	}
	if s.MaxRecipients < 1 {
		bad("smtp.max_recipients", "must be at least 1")
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		bad("smtp.tls_cert", "tls_cert and tls_key go together")
	} else if s.TLSCert != "" {
		if _, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey); err != nil {
			bad("smtp.tls_cert", "load certificate: %v", err)
		}
	}
	if s.MaxConnections < 0 {
		bad("smtp.max_connections", "must not be negative (0 sizes it from the file-descriptor limit)")
	}
	if s.MaxConnectionsPerIP < 1 || (s.MaxConnections > 0 && s.MaxConnectionsPerIP > s.MaxConnections) {
		bad("smtp.max_connections_per_ip", "must be between 1 and max_connections")
	}
	if s.BusyCommandTimeout > s.CommandTimeout {
		bad("smtp.busy_command_timeout", "%s is longer than command_timeout (%s): it is the short wait when busy",
			s.BusyCommandTimeout, s.CommandTimeout)
	}
	for key, d := range map[string]Duration{
		"smtp.busy_command_timeout": s.BusyCommandTimeout,
		"smtp.command_timeout":      s.CommandTimeout,
		"smtp.data_timeout":         s.DataTimeout,
		"smtp.session_timeout":      s.SessionTimeout,
		"scan.max_time":             c.Scan.MaxTime,
	} {
		if d <= 0 {
			bad(key, "must be more than zero")
		}
	}
	if s.ShutdownGrace < 0 {
		bad("smtp.shutdown_grace", "must not be negative")
	}
	if s.MaxLineLength < minLineLength {
		bad("smtp.max_line_length", "%d is below the %d octets RFC 5321 4.5.3.1.6 requires", s.MaxLineLength, minLineLength)
	}
	if s.MaxErrors < 1 {
		bad("smtp.max_errors", "must be at least 1")
	}
	for _, n := range s.BareLFNetworks {
		if _, err := netip.ParsePrefix(n); err != nil {
			bad("smtp.bare_lf_networks", "%q is not a network such as 127.0.0.0/8", n)
		}
	}

	switch c.Store.Driver {
	case "sqlite":
		// For sqlite the DSN is an optional file path: a connection string
		// here would be opened as a file name, and its password printed in
		// every error about that file.
		if why := notAFilePath(c.Store.DSN); why != "" {
			bad("store.dsn", "%s, but store.driver is \"sqlite\", which takes a file path here (or nothing: data_dir/intake.db); "+
				"for PostgreSQL set driver = \"postgres\"", why)
		}
	case "postgres":
		if c.Store.DSN == "" {
			bad("store.dsn", "the postgres driver needs a DSN")
		} else if _, err := pgxpool.ParseConfig(c.Store.DSN); err != nil {
			// Parsed as the store will parse it, without connecting. The
			// parser's message may quote the DSN: redacted.
			bad("store.dsn", "not a valid PostgreSQL connection string: %s", c.RedactString(err.Error()))
		}
	default:
		bad("store.driver", "%q: want \"sqlite\" or \"postgres\"", c.Store.Driver)
	}
	if c.Store.MinFreeMB < 0 || c.Store.MinFreeMB > 1<<40 {
		bad("store.min_free_mb", "%d is outside 0..%d (0 turns the free-space check off)", c.Store.MinFreeMB, int64(1)<<40)
	}

	if c.Store.ClosedTicketDays < 0 {
		bad("store.closed_ticket_days", "must not be negative (0 keeps closed tickets)")
	}
	for _, k := range []struct{ key, path string }{{"store.thread_key_file", c.Store.ThreadKeyFile}, {"store.audit_key_file", c.Store.AuditKeyFile}} {
		key, path := k.key, k.path
		if path == "" {
			if c.Store.Driver == "postgres" {
				// Each node would make its own: threading and the audit
				// chain would differ from node to node.
				bad(key, "required with driver = \"postgres\": every node of a cluster needs the same secret (copy the file to each)")
			}
		} else if fi, err := os.Stat(path); err != nil {
			bad(key, "%v", err)
		} else if fi.Size() < 32 {
			bad(key, "%s holds %d bytes; a key is 32 random bytes (head -c 32 /dev/urandom)", path, fi.Size())
		}
	}

	for _, r := range c.Quarantine.Recipients {
		if _, err := age.ParseX25519Recipient(r); err != nil {
			bad("quarantine.recipients", "%q is not an age public key (age1...)", r)
		}
	}
	if len(c.Quarantine.Recipients) == 0 && c.Store.Driver == "postgres" {
		// A node would generate its own key pair, and items it sealed would
		// open only with an identity nobody else holds.
		bad("quarantine.recipients", "required with driver = \"postgres\": every node seals to the same public keys")
	}
	if c.Quarantine.RetentionDays < 1 {
		bad("quarantine.retention_days", "must be at least 1")
	}

	if c.Reply.Enabled {
		if _, ok := mailproto.Deliverable(c.Reply.From); !ok {
			bad("reply.from", "%q is not a plain address local@domain.tld", c.Reply.From)
		}
	}
	if c.Reply.RetryMin <= 0 || c.Reply.RetryMax < c.Reply.RetryMin {
		bad("reply.retry_min", "must be positive and at most reply.retry_max")
	}
	if l := c.Reply.OutboxLease.D(); l != 0 && l < 2*time.Second {
		bad("reply.outbox_lease", "must be at least 2s (0: 10 minutes): one delivery attempt must fit in it")
	}
	if c.Reply.OutboxPoll < 0 {
		bad("reply.outbox_poll", "must not be negative (0: 15 seconds)")
	}
	if c.Reply.GiveUpAuto <= 0 || c.Reply.GiveUpStaff <= 0 {
		bad("reply.give_up_auto", "give_up_auto and give_up_staff must be positive")
	}
	if c.Reply.SensitivePerDay < 0 || c.Reply.RepliesPerHour < 0 {
		bad("reply.sensitive_per_day", "rate limits must not be negative (0 sends none)")
	}
	if c.Reply.RepliesPerDomainHour < 0 {
		bad("reply.replies_per_domain_hour", "rate limits must not be negative (0 sends none)")
	}
	if c.Reply.SensitivePerDomainHour < 0 {
		bad("reply.sensitive_per_domain_hour", "rate limits must not be negative (0 sends none)")
	}
	if c.Reply.Smarthost != "" {
		if err := checkHostPort(c.Reply.Smarthost); err != nil {
			bad("reply.smarthost", "%q: %v", c.Reply.Smarthost, err)
		}
	}
	if (c.Reply.SmarthostUsername == "") != (c.Reply.SmarthostPassword == "") {
		bad("reply.smarthost_username", "smarthost_username and smarthost_password go together")
	}
	if c.Reply.TemplatesDir != "" {
		if fi, err := os.Stat(c.Reply.TemplatesDir); err != nil || !fi.IsDir() {
			bad("reply.templates_dir", "%q is not a readable directory", c.Reply.TemplatesDir)
		}
	}
	if c.Reply.DKIMKey != "" {
		if _, err := os.Stat(c.Reply.DKIMKey); err != nil {
			bad("reply.dkim_key", "%v", err)
		}
		if c.Reply.DKIMSelector == "" {
			bad("reply.dkim_selector", "a DKIM key needs a selector")
		}
	}

	for key, v := range map[string]string{"web.listen": c.Web.Listen, "dns.resolver": c.DNS.Resolver, "metrics.listen": c.Metrics.Listen} {
		if v == "" {
			continue
		}
		if err := checkHostPort(v); err != nil {
			bad(key, "%q: %v", v, err)
		}
	}

	c.Web.validate(bad)
	switch c.Scan.Images {
	case "", "ocr", "withhold":
		if c.Scan.OCR != nil {
			bad("scan.ocr", "is the old name of scan.images and says otherwise; remove it and keep images = %q", c.Scan.Images)
		}
	default:
		bad("scan.images", "%q: want \"ocr\", \"withhold\" or nothing (ocr when tesseract is installed)", c.Scan.Images)
	}

	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	return errors.Join(errs...)
}

// dsnKeyword matches a PostgreSQL keyword=value connection string.
var dsnKeyword = regexp.MustCompile(`(?i)(^|\s)(host|hostaddr|port|user|password|dbname|sslmode|service|passfile|connect_timeout)\s*=`)

// notAFilePath says why dsn is not a plain file path for the sqlite store
// ("" when it is one, or empty). What it says never holds a password.
func notAFilePath(dsn string) string {
	switch {
	case dsn == "":
		return ""
	case strings.Contains(dsn, "://"):
		return fmt.Sprintf("%q looks like a connection URL", RedactDSN(dsn))
	case dsnKeyword.MatchString(dsn):
		return fmt.Sprintf("%q looks like a keyword=value connection string", RedactDSN(dsn))
	case strings.HasPrefix(dsn, "file:"):
		return fmt.Sprintf("%q is a URI, not a path", RedactDSN(dsn))
	case strings.ContainsAny(dsn, "?#"):
		return fmt.Sprintf("%q holds '?' or '#', which the SQLite file URI would read as options", RedactDSN(dsn))
	}
	return ""
}

// accepts reports whether key (an address or a domain) is something the
// SMTP policy accepts mail for.
func (c *Config) accepts(key string) bool {
	_, domain, isAddr := routedAddress(key)
	if !isAddr {
		domain = mailproto.NormDomain(key)
	}
	for _, d := range c.SMTP.Domains {
		if mailproto.NormDomain(d) == domain {
			return true
		}
	}
	for _, a := range c.SMTP.Addresses {
		if isAddr && strings.EqualFold(a, key) {
			return true
		}
		// A domain key routes the listed addresses of that domain.
		if _, d, _ := routedAddress(a); !isAddr && d == domain {
			return true
		}
	}
	return false
}

// routedAddress splits an address the gateway routes (see
// mailproto.ParseAddress) whose domain is a host name.
func routedAddress(a string) (local, domain string, ok bool) {
	local, domain, ok = mailproto.ParseAddress(a)
	if !ok || !mailproto.ValidHostname(domain) {
		return "", "", false
	}
	return local, domain, true
}

func checkHostPort(hp string) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return fmt.Errorf("want host:port")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	_ = host
	return nil
}
