// Package config reads intake's TOML configuration. The section and key
// names are a contract with operators and outside tools (see README); no
// config file at all means the embedded defaults.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pelletier/go-toml/v2"
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

	// Abuse limits. A connection over MaxConnections or
	// MaxConnectionsPerIP is answered 421 and closed.
	MaxConnections      int      `toml:"max_connections"`
	MaxConnectionsPerIP int      `toml:"max_connections_per_ip"`
	CommandTimeout      Duration `toml:"command_timeout"` // waiting for one command line
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
	RetryMin        Duration `toml:"retry_min"`         // first retry after a 4xx; doubles each time
	RetryMax        Duration `toml:"retry_max"`         // the delay stops doubling here
	GiveUpAuto      Duration `toml:"give_up_auto"`      // an auto-reply this late helps nobody
	GiveUpStaff     Duration `toml:"give_up_staff"`     // staff replies are worth more patience
	SensitivePerDay int      `toml:"sensitive_per_day"` // sensitive-data replies per address per 24 h
	RepliesPerHour  int      `toml:"replies_per_hour"`  // replies of any kind per address per hour
	// Replies an hour to one organisational domain (each kind; see reply.Policy).
	RepliesPerDomainHour int `toml:"replies_per_domain_hour"`
}

type Web struct {
	Listen string `toml:"listen"`
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
			// Postfix's defaults are 100 clients and 50 per client; an MX
			// for one organisation's support needs fewer.
			MaxConnections:      200,
			MaxConnectionsPerIP: 20,
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
		},
		Web:     Web{Listen: "127.0.0.1:8080"},
		Metrics: Metrics{Listen: "127.0.0.1:9180"},
		Scan:    Scan{MaxTime: Duration(20 * time.Second), MemoryLimitMiB: 512},
		Log:     Log{Level: "info"},
	}
}

// Load reads path over the defaults; "" means the defaults alone. Unknown
// keys are errors naming their line, since a misspelt key silently ignored
// is how an MX ends up an open relay.
func Load(path string) (Config, error) {
	cfg := Default()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) {
			return cfg, fmt.Errorf("config %s: %s", path, describeUnknown(strict))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return cfg, fmt.Errorf("config %s:%d:%d: %s", path, row, col, de.Error())
		}
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Scan.migrateOCR()
	// Relative data directories are relative to the config file, so a
	// service started from / finds the same data as an admin in its folder.
	// The same holds for every other file the config names.
	dir := filepath.Dir(path)
	for _, p := range []*string{&cfg.DataDir, &cfg.SMTP.TLSCert, &cfg.SMTP.TLSKey, &cfg.Reply.TemplatesDir, &cfg.Reply.DKIMKey} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return cfg, nil
}

func describeUnknown(e *toml.StrictMissingError) string {
	var b bytes.Buffer
	for i, de := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		row, _ := de.Position()
		fmt.Fprintf(&b, "line %d: unknown key %q", row, joinKey(de.Key()))
	}
	return b.String()
}

func joinKey(k []string) string {
	s := ""
	for i, p := range k {
		if i > 0 {
			s += "."
		}
		s += p
	}
	return s
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
