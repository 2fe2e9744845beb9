package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/intake-mail/intake/reply"
)

// runKeygen writes a new DKIM private key (mode 0600, never over an
// existing file) and prints the TXT record to publish on standard output;
// what to put in the config goes to standard error.
func runKeygen(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "dkim" {
		fmt.Fprintln(stderr, "usage: intake keygen dkim --domain D --selector S [--algo ed25519|rsa] [--out FILE]")
		return 2
	}
	fs := flag.NewFlagSet("keygen dkim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	domain := fs.String("domain", "", "signing domain (d=), usually the domain of [reply] from")
	selector := fs.String("selector", "", "selector (s=): the key is published at SELECTOR._domainkey.DOMAIN")
	algo := fs.String("algo", "ed25519", "key algorithm: ed25519 or rsa (2048 bits)")
	out := fs.String("out", "", "private key file to write (default dkim-SELECTOR.DOMAIN.key)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "intake keygen dkim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(*domain)), ".")
	s := strings.TrimSpace(*selector)
	if d == "" || s == "" || strings.ContainsAny(d+s, " \t\r\n;\"/") {
		fmt.Fprintln(stderr, "intake keygen dkim: --domain and --selector are required and must be DNS names")
		return 2
	}
	path := *out
	if path == "" {
		path = "dkim-" + s + "." + d + ".key"
	}

	key, err := reply.GenerateDKIMKey(*algo)
	if err != nil {
		fmt.Fprintf(stderr, "intake keygen dkim: %v\n", err)
		return 2
	}
	if _, err := reply.NewDKIM(key, d, s); err != nil {
		fmt.Fprintf(stderr, "intake keygen dkim: %v\n", err)
		return 1
	}
	pemKey, err := reply.MarshalDKIMKey(key)
	if err != nil {
		fmt.Fprintf(stderr, "intake keygen dkim: %v\n", err)
		return 1
	}
	record, err := reply.DKIMRecord(key.Public())
	if err != nil {
		fmt.Fprintf(stderr, "intake keygen dkim: %v\n", err)
		return 1
	}
	if err := writeNewFile(path, pemKey); err != nil {
		fmt.Fprintf(stderr, "intake keygen dkim: %v\n", err)
		return 1
	}

	fmt.Fprintf(stdout, "%s._domainkey.%s. IN TXT %s\n", s, d, quoteTXT(record))
	// A relative path in the config file is relative to the file, not to
	// where keygen ran: the hint names the key absolutely.
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	fmt.Fprintf(stderr, "wrote %s (mode 0600); publish the TXT record above, then set in [reply]:\n", abs)
	fmt.Fprintf(stderr, "  dkim_key = %q\n  dkim_selector = %q\n  dkim_domain = %q\n", abs, s, d)
	fmt.Fprintln(stderr, "(the service user must be able to read the key; a relative dkim_key is relative to the config file's directory)")
	return 0
}

// writeNewFile creates path 0600 and refuses to replace a key: losing the
// published key's private half breaks every signature until DNS changes.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; not replacing a key (choose another --out or remove it)", path)
	}
	if err != nil {
		return fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close key file: %w", err)
	}
	return nil
}

// quoteTXT writes a record as zone-file strings of at most 255 bytes
// (RFC 1035 §3.3.14): an RSA key does not fit in one.
func quoteTXT(v string) string {
	var parts []string
	for len(v) > 255 {
		parts = append(parts, `"`+v[:255]+`"`)
		v = v[255:]
	}
	parts = append(parts, `"`+v+`"`)
	if len(parts) == 1 {
		return parts[0]
	}
	return "( " + strings.Join(parts, " ") + " )"
}
