package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/intake-mail/intake/reply"
)

func TestKeygenDKIM(t *testing.T) {
	for _, algo := range []string{"ed25519", "rsa"} {
		t.Run(algo, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.pem")
			var out, errOut bytes.Buffer
			code := dispatch([]string{"keygen", "dkim", "--domain", "Support.Example.", "--selector", "s2026", "--algo", algo, "--out", path}, &out, &errOut)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v, mode %v", err, fi.Mode())
			}
			d, err := reply.LoadDKIM(path, "support.example", "s2026")
			if err != nil {
				t.Fatal(err)
			}
			want, _ := reply.DKIMRecord(d.Public())
			line := out.String()
			if !strings.HasPrefix(line, "s2026._domainkey.support.example. IN TXT ") {
				t.Fatalf("record line %q", line)
			}
			// Undo the zone-file quoting and compare with the key on disk.
			var joined strings.Builder
			for _, m := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(line, -1) {
				joined.WriteString(m[1])
			}
			got := joined.String()
			if got != want {
				t.Fatalf("printed record does not match the written key")
			}
			if !strings.Contains(errOut.String(), `dkim_selector = "s2026"`) {
				t.Errorf("no config hint: %s", errOut.String())
			}
			// The hint holds when pasted into a config file elsewhere.
			if !strings.Contains(errOut.String(), `dkim_key = "`+path+`"`) || !filepath.IsAbs(path) {
				t.Errorf("config hint does not name the key absolutely: %s", errOut.String())
			}

			// Never over an existing key.
			before, _ := os.ReadFile(path)
			out.Reset()
			errOut.Reset()
			if code := dispatch([]string{"keygen", "dkim", "--domain", "support.example", "--selector", "s2026", "--algo", algo, "--out", path}, &out, &errOut); code != 1 {
				t.Fatalf("second keygen over the same file: exit %d", code)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Fatalf("existing key replaced")
			}
		})
	}
}

func TestKeygenUsage(t *testing.T) {
	for _, args := range [][]string{
		{"keygen"},
		{"keygen", "tls"},
		{"keygen", "dkim", "--selector", "s"},
		{"keygen", "dkim", "--domain", "d.example"},
		{"keygen", "dkim", "--domain", "d.example", "--selector", "s", "--algo", "dsa", "--out", filepath.Join(t.TempDir(), "k")},
		{"keygen", "dkim", "--domain", "d.example", "--selector", "s;x"},
		{"keygen", "dkim", "--bogus"},
	} {
		var out, errOut bytes.Buffer
		if code := dispatch(args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed a record on error", args)
		}
	}
}

// TestKeygenHintIsAbsolute: keygen runs in the admin's folder, and a
// relative dkim_key in the config file would be read relative to the
// file: the hint names the key absolutely.
func TestKeygenHintIsAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"keygen", "dkim", "--domain", "support.example", "--selector", "s1", "--out", "k.pem"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	abs, _ := filepath.Abs("k.pem")
	if !strings.Contains(errOut.String(), `dkim_key = "`+abs+`"`) {
		t.Errorf("hint does not name %s:\n%s", abs, errOut.String())
	}
}
