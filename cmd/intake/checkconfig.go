package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/gateway"
)

// runCheckConfig loads and validates the configuration, checks what serve
// would need of the machine (a usable data directory), and prints the
// effective configuration with secrets hidden, the recipient rule in
// words and where relative paths lead. Every problem is listed at once:
// the file's (unknown keys, wrong types, each with its line) and the
// values'. Exit 0 when all is well, 1 on any problem, 2 on a usage error.
// Warnings (an identity file left in the data directory) do not change
// the exit status.
func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "intake check-config: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var problems []string
	cfg, err := config.Load(*cfgPath)
	var fe *config.FileError
	switch {
	case errors.As(err, &fe):
		problems = append(problems, fe.Lines()...)
	case err != nil:
		fmt.Fprintf(stderr, "intake check-config: %v\n", err)
		return 1
	}
	if err := cfg.Validate(); err != nil {
		problems = append(problems, strings.Split(err.Error(), "\n")...)
	}
	if err := checkDataDir(cfg.DataDir); err != nil {
		problems = append(problems, err.Error())
	}
	out, err := cfg.Redacted().TOML()
	if err != nil {
		fmt.Fprintf(stderr, "intake check-config: %v\n", err)
		return 1
	}
	src := "embedded defaults"
	if *cfgPath != "" {
		src = *cfgPath
	}
	fmt.Fprintf(stdout, "# effective configuration (%s; secrets hidden)\n", src)
	for _, note := range configNotes(cfg, *cfgPath) {
		fmt.Fprintf(stdout, "# %s\n", note)
	}
	fmt.Fprintf(stdout, "%s", out)
	for _, w := range configWarnings(cfg) {
		fmt.Fprintf(stderr, "intake check-config: warning: %s\n", w)
	}
	if len(problems) > 0 {
		// Validate's messages hide secrets already; this is the second lock.
		fmt.Fprintf(stderr, "intake check-config: configuration has problems:\n%s\n", indent(cfg.RedactString(strings.Join(problems, "\n"))))
		return 1
	}
	fmt.Fprintln(stderr, "intake check-config: configuration OK")
	return 0
}

// configNotes say in words what the configuration means where its keys
// alone do not: whom mail is taken for, what relative paths are relative
// to, and the connection limit serve will use.
func configNotes(cfg config.Config, path string) []string {
	var notes []string
	notes = append(notes, "recipients: "+gateway.RecipientRule(cfg.SMTP.Domains, cfg.SMTP.Addresses))
	if path == "" {
		wd, _ := os.Getwd()
		notes = append(notes, fmt.Sprintf("paths: data_dir %q is relative to the current directory (%s); a config file's relative paths are relative to the file", cfg.DataDir, wd))
	} else {
		dir, _ := filepath.Abs(filepath.Dir(path))
		notes = append(notes, fmt.Sprintf("paths: relative paths in %s are relative to its directory, %s (shown resolved below)", path, dir))
	}
	if n := cfg.SMTP.MaxConnections; n == 0 {
		auto, nofile := gateway.ConnectionLimit()
		notes = append(notes, fmt.Sprintf("connections: max_connections = 0 is sized at start from the file-descriptor limit "+
			"(here %d descriptors: %d connections; under systemd, LimitNOFILE sets it)", nofile, auto))
	}
	return notes
}

// configWarnings are what an admin should act on that does not stop the
// gateway.
func configWarnings(cfg config.Config) []string {
	var ws []string
	if p, ok := identityOnDisk(cfg); ok {
		ws = append(ws, identityOnDiskWarning+": "+p)
	}
	return ws
}

// checkDataDir: the data directory exists and is a writable directory, or
// can be created (its nearest existing parent is a writable directory).
func checkDataDir(dir string) error {
	p := dir
	for {
		fi, err := os.Stat(p)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("data_dir: %s is not a directory", p)
			}
			probe, err := os.CreateTemp(p, ".intake-check-*")
			if err != nil {
				return fmt.Errorf("data_dir: %s is not writable: %v", p, err)
			}
			probe.Close()
			os.Remove(probe.Name())
			return nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("data_dir: %v", err)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return fmt.Errorf("data_dir: no existing parent of %s", dir)
		}
		p = parent
	}
}
