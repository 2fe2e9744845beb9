package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/intake-mail/intake/config"
)

// runCheckConfig loads and validates the configuration, checks what serve
// would need of the machine (a usable data directory), and prints the
// effective configuration with secrets hidden. Exit 0 when all is well, 1
// on any problem, 2 on a usage error.
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
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "intake check-config: %v\n", err)
		return 1
	}
	problems := cfg.Validate()
	if err := checkDataDir(cfg.DataDir); err != nil {
		problems = errors.Join(problems, err)
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
	fmt.Fprintf(stdout, "# effective configuration (%s; secrets hidden)\n%s", src, out)
	if problems != nil {
		// Validate's messages hide secrets already; this is the second lock.
		fmt.Fprintf(stderr, "intake check-config: configuration has problems:\n%s\n", indent(cfg.RedactString(problems.Error())))
		return 1
	}
	fmt.Fprintln(stderr, "intake check-config: configuration OK")
	return 0
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
