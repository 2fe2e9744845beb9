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
}

type Store struct {
	Driver string `toml:"driver"` // "sqlite" or "postgres"
	DSN    string `toml:"dsn"`
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
}

type Web struct {
	Listen string `toml:"listen"`
}

type DNS struct {
	Resolver string `toml:"resolver"`
}

type Metrics struct {
	Listen string `toml:"listen"`
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
		},
		Store:      Store{Driver: "sqlite"},
		Quarantine: Quarantine{RetentionDays: 30},
		Reply: Reply{
			Enabled:           true,
			From:              "support@support.localhost",
			RequireSenderAuth: true,
		},
		Web:     Web{Listen: "127.0.0.1:8080"},
		Metrics: Metrics{Listen: "127.0.0.1:9180"},
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
	// Relative data directories are relative to the config file, so a
	// service started from / finds the same data as an admin in its folder.
	if !filepath.IsAbs(cfg.DataDir) {
		cfg.DataDir = filepath.Join(filepath.Dir(path), cfg.DataDir)
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
