// Package config reads intake's TOML configuration. The section and key
// names are a contract with operators and outside tools (see README); no
// config file at all means the embedded defaults.
package config

import (
	"crypto/tls"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/intake-mail/intake/mailproto"
)

type Config struct {
	DataDir    string     `toml:"data_dir"`
	SMTP       SMTP       `toml:"smtp"`
	Store      Store      `toml:"store"`
	Quarantine Quarantine `toml:"quarantine"`
	Reply      Reply      `toml:"reply"`
	Web        Web        `toml:"web"`
	DNS        DNS        `toml:"dns"`
	Metrics    Metrics    `toml:"metrics"`
	Scan       Scan       `toml:"scan"`
	Log        Log        `toml:"log"`

	// lines maps the dotted keys of the file read to their lines, so
	// that Validate's problems name them too (nil for the defaults).
	lines map[string]int
}

type SMTP struct {
	Listen          []string `toml:"listen"`
	Hostname        string   `toml:"hostname"`
	Domains         []string `toml:"domains"`
	Addresses       []string `toml:"addresses"`
	MaxMessageBytes int64    `toml:"max_message_bytes"`
	MaxRecipients   int      `toml:"max_recipients"`
	TLSCert         string   `toml:"tls_cert"`
	TLSKey          string   `toml:"tls_key"`

	// Queues maps an accepted address ("billing@support.localhost") or a
	// whole domain ("support.localhost") to the queue its tickets go to;
	// the address wins over its domain, and anything else goes to
	// DefaultQueue.
	Queues       map[string]string `toml:"queues"`
	DefaultQueue string            `toml:"default_queue"`

	// Abuse limits (see gateway/limits.go). MaxConnections 0 sizes the
	// total from the file-descriptor limit; at the total, the longest-idle
	// connection that has not started a transaction is closed to make
	// room. MaxConnectionsPerIP counts an IPv4 address or an IPv6 /64.
	// Above 80 % of the total, a client that has not started a
	// transaction waits BusyCommandTimeout for its next command, not
	// CommandTimeout.
	MaxConnections      int      `toml:"max_connections"`
	MaxConnectionsPerIP int      `toml:"max_connections_per_ip"`
	CommandTimeout      Duration `toml:"command_timeout"` // waiting for one command line
	BusyCommandTimeout  Duration `toml:"busy_command_timeout"`
	DataTimeout         Duration `toml:"data_timeout"`    // silence inside DATA
	SessionTimeout      Duration `toml:"session_timeout"` // a whole connection, whatever it does
	MaxLineLength       int      `toml:"max_line_length"` // commands and message lines, CRLF included
	MaxErrors           int      `toml:"max_errors"`      // refused commands before we hang up
	ShutdownGrace       Duration `toml:"shutdown_grace"`  // how long transactions in flight may finish

	// RejectDMARCFail refuses (550 5.7.1) mail that fails DMARC when the
	// sender's domain publishes p=reject. Off by default: member mail that
	// fails DMARC (mailing lists, forwarders) is accepted and flagged.
	RejectDMARCFail bool `toml:"reject_dmarc_fail"`

	// BareLFNetworks are the client networks whose bare LF line ends are
	// made CRLF instead of refused (local tools such as curl send files
	// with LF line ends). A "." alone on a line not between two CRLFs (SMTP
	// smuggling) is refused from everyone.
	BareLFNetworks []string `toml:"bare_lf_networks"`
}

type Store struct {
	Driver string `toml:"driver"`           // "sqlite" or "postgres"
	DSN    string `toml:"dsn" secret:"dsn"` // postgres DSN; its password is never printed
	// ClosedTicketDays deletes closed tickets that have not changed for
	// this many days; 0 keeps them forever.
	ClosedTicketDays int `toml:"closed_ticket_days"`
	// MinFreeMB: below this much free space on data_dir's file system the
	// node says it is not ready (/readyz 503, intake_ready 0), so that a
	// load balancer or a second MX takes the mail; 0 turns the check off.
	MinFreeMB int64 `toml:"min_free_mb"`
	// ThreadKeyFile and AuditKeyFile are the shared secrets: the key that
	// signs the ticket token in our Message-IDs and the key of the audit
	// chain's HMAC, 32 bytes or more each, kept out of the database. ""
	// means data_dir/thread.key and data_dir/audit.key, created on first
	// start (SQLite only: every node of a PostgreSQL cluster must share
	// the same two files, so with driver = "postgres" both are required).
	ThreadKeyFile string `toml:"thread_key_file"`
	AuditKeyFile  string `toml:"audit_key_file"`
}

type Quarantine struct {
	Recipients    []string `toml:"recipients"` // age public keys
	RetentionDays int      `toml:"retention_days"`
}

type Reply struct {
	Enabled           bool   `toml:"enabled"`
	From              string `toml:"from"`
	Smarthost         string `toml:"smarthost"`
	OrgName           string `toml:"org_name"`
	PostalAddress     string `toml:"postal_address"`
	Phone             string `toml:"phone"`
	RequireSenderAuth bool   `toml:"require_sender_auth"`

	// Keys the reply/ issue names but this file cannot know the use of
	// beyond their meaning; they are read and shown by check-config.
	Hours             string `toml:"hours"`              // telephone hours, as shown to members
	TemplatesDir      string `toml:"templates_dir"`      // overrides for the embedded templates
	AcknowledgeClean  bool   `toml:"acknowledge_clean"`  // also answer mail with nothing found
	SmarthostUsername string `toml:"smarthost_username"` // AUTH to the smarthost, when set
	SmarthostPassword string `toml:"smarthost_password" secret:"true"`
	DKIMKey           string `toml:"dkim_key"` // PEM private key file; "" sends unsigned
	DKIMSelector      string `toml:"dkim_selector"`
	DKIMDomain        string `toml:"dkim_domain"` // "" means the domain of From

	// Delivery and rate limits (RFC 3834 asks responders to limit).
	RetryMin    Duration `toml:"retry_min"`     // first retry after a 4xx; doubles each time
	RetryMax    Duration `toml:"retry_max"`     // the delay stops doubling here
	GiveUpAuto  Duration `toml:"give_up_auto"`  // an auto-reply this late helps nobody
	GiveUpStaff Duration `toml:"give_up_staff"` // staff replies are worth more patience
	// OutboxLease is how long a node holds a claimed job: the longest one
	// attempt may take, and how long a crashed node's jobs wait before
	// another node takes them over. 0 means 10 minutes.
	OutboxLease Duration `toml:"outbox_lease"`
	// OutboxPoll is how often the worker looks for due jobs besides the
	// wake-up its own accepts give it: with several nodes, how soon one
	// finds another's retries and expired leases. 0 means 15 seconds.
	OutboxPoll      Duration `toml:"outbox_poll"`
	SensitivePerDay int      `toml:"sensitive_per_day"` // sensitive-data replies per address per 24 h
	RepliesPerHour  int      `toml:"replies_per_hour"`  // replies of any kind per address per hour
	// Other replies (withheld notes, acknowledgements) an hour to one
	// organisational domain, counting every reply to it (see reply.Policy).
	RepliesPerDomainHour int `toml:"replies_per_domain_hour"`
	// Sensitive-data replies an hour to one organisational domain, counted
	// apart and much larger: one big provider's members must not go
	// untold in a busy hour.
	SensitivePerDomainHour int `toml:"sensitive_per_domain_hour"`
}

// Web is the staff interface (pages and JSON API).
type Web struct {
	Listen string `toml:"listen"`
	// TLSCert and TLSKey (PEM files) make the listener HTTPS; without
	// them it speaks plain HTTP, for loopback or behind a reverse proxy.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// BaseURL is how staff reach the interface ("https://desk.example.org"),
	// for the links intake prints (setup links) and to know that cookies
	// must be Secure behind a TLS-terminating proxy. "" means
	// http(s)://listen.
	BaseURL string `toml:"base_url"`
	// TrustedProxies are the reverse proxies (networks) whose
	// X-Forwarded-For names the client; login throttling counts by that
	// address. Empty: the connection's address is the client.
	TrustedProxies []string `toml:"trusted_proxies"`
	// SessionIdle ends a session unused this long; SessionMax ends any
	// session this long after login. 0: 8 h and 7 days.
	SessionIdle Duration `toml:"session_idle"`
	SessionMax  Duration `toml:"session_max"`
	// NotifyDomains are the only domains staff notifications go to (a
	// staff member's own address, which must be in one of them). Empty:
	// no notifications.
	NotifyDomains []string `toml:"notify_domains"`
}

// URL is the base of links to the web interface: BaseURL without a
// trailing slash, or made from Listen (an unspecified host becomes
// 127.0.0.1).
func (w Web) URL() string {
	if w.BaseURL != "" {
		return strings.TrimRight(w.BaseURL, "/")
	}
	scheme := "http"
	if w.TLSCert != "" {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(w.Listen)
	if err != nil {
		return scheme + "://" + w.Listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

func (w Web) validate(bad func(key, format string, a ...any)) {
	if (w.TLSCert == "") != (w.TLSKey == "") {
		bad("web.tls_cert", "tls_cert and tls_key go together")
	} else if w.TLSCert != "" {
		if _, err := tls.LoadX509KeyPair(w.TLSCert, w.TLSKey); err != nil {
			bad("web.tls_cert", "load certificate: %v", err)
		}
	}
	if w.BaseURL != "" {
		u, err := url.Parse(w.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
			bad("web.base_url", "%q: want http(s)://host[:port], without a path (intake serves from /)", w.BaseURL)
		}
	}
	for _, n := range w.TrustedProxies {
		if _, err := netip.ParsePrefix(n); err != nil {
			bad("web.trusted_proxies", "%q is not a network such as 10.0.0.0/8", n)
		}
	}
	if w.SessionIdle < 0 || w.SessionMax < 0 || (w.SessionIdle > 0 && w.SessionMax > 0 && w.SessionIdle > w.SessionMax) {
		bad("web.session_idle", "session_idle and session_max must not be negative, and idle not above max")
	}
	for _, d := range w.NotifyDomains {
		if !mailproto.ValidHostname(d) {
			bad("web.notify_domains", "%q is not a domain (give domains such as example.org, not addresses)", d)
		}
	}
}

type DNS struct {
	Resolver string `toml:"resolver"`
}

type Metrics struct {
	Listen string `toml:"listen"` // "" turns the metrics listener off
}

// Scan bounds the scanner's work on one message (see scan.Limits).
type Scan struct {
	MaxTime Duration `toml:"max_time"` // past it, what is left is withheld, never passed
	// Images is the image policy (scan.ImagePolicy): "ocr" reads every
	// image above the size floor with tesseract, "withhold" withholds it
	// and the document holding it; "" is "ocr" when serve finds
	// tesseract at start, else "withhold".
	Images string `toml:"images"`
	// OCR is the old name of Images, still read: true is images = "ocr",
	// false is images = "withhold". Load moves it to Images.
	OCR *bool `toml:"ocr,omitempty"`
	// MemoryLimitMiB bounds the memory every message scanned at once may
	// hold together (scan.SharedBudget); past it a part waits briefly,
	// then is withheld as too_large. 0 means the default, 512.
	MemoryLimitMiB int `toml:"memory_limit_mib"`
}

// Log chooses how much is logged; lines are JSON on standard error.
type Log struct {
	Level string `toml:"level"` // debug, info, warn, error
}

// Default is the embedded configuration `intake serve` runs on without a file.
func Default() Config {
	return Config{
		DataDir: "./intake-data",
		SMTP: SMTP{
			Listen:          []string{"127.0.0.1:2525"},
			Hostname:        "mx.support.localhost",
			Domains:         []string{"support.localhost"},
			MaxMessageBytes: 25 << 20,
			MaxRecipients:   100,
			DefaultQueue:    "support",
			// 0: from the file-descriptor limit (up to 10000). A waiting
			// client costs a goroutine, not a process: a high total is
			// what keeps idle clients from locking others out.
			MaxConnections:      0,
			MaxConnectionsPerIP: 20,
			// Postfix's stress mode waits 10 s instead of 300 s.
			BusyCommandTimeout: Duration(10 * time.Second),
			// RFC 5321 4.5.3.2 asks a server to wait 5 minutes for a
			// command and 10 minutes for the end of DATA; a slow link may
			// take that, a slowloris may not take more.
			CommandTimeout: Duration(5 * time.Minute),
			DataTimeout:    Duration(3 * time.Minute),
			SessionTimeout: Duration(30 * time.Minute),
			MaxLineLength:  4096,
			MaxErrors:      10,
			BareLFNetworks: []string{"127.0.0.0/8", "::1/128"},
			ShutdownGrace:  Duration(30 * time.Second),
		},
		Store:      Store{Driver: "sqlite", MinFreeMB: 256},
		Quarantine: Quarantine{RetentionDays: 30},
		Reply: Reply{
			Enabled:           true,
			From:              "support@support.localhost",
			RequireSenderAuth: true,
			RetryMin:          Duration(time.Minute),
			RetryMax:          Duration(time.Hour),
			GiveUpAuto:        Duration(24 * time.Hour),
			GiveUpStaff:       Duration(5 * 24 * time.Hour),
			SensitivePerDay:   1,
			RepliesPerHour:    3,
			// Room for a company's staff writing in on one morning, not
			// for a list of made-up addresses at one provider.
			RepliesPerDomainHour: 20,
			// Each is one a day per mailbox already; this bounds made-up
			// local parts without starving gmail.com's members.
			SensitivePerDomainHour: 200,
		},
		Web:     Web{Listen: "127.0.0.1:8080"},
		Metrics: Metrics{Listen: "127.0.0.1:9180"},
		Scan:    Scan{MaxTime: Duration(20 * time.Second), MemoryLimitMiB: 512},
		Log:     Log{Level: "info"},
	}
}

// migrateOCR moves the old [scan] ocr switch to images, unless images is
// set too (Validate then says whether they agree).
func (s *Scan) migrateOCR() {
	if s.OCR == nil {
		return
	}
	was := "withhold"
	if *s.OCR {
		was = "ocr"
	}
	if s.Images == "" || s.Images == was {
		s.Images, s.OCR = was, nil
	}
}
