package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// What a cluster's node shares with the others: two keys, and the
	// public key it seals to.
	key := strings.Repeat("k", 32)
	write("thread.key", key)
	write("audit.key", key)
	cluster := "thread_key_file = \"thread.key\"\naudit_key_file = \"audit.key\"\n[quarantine]\nrecipients = [\"" + testRecipient(t) + "\"]\n"
	good := write("good.toml", `data_dir = "data"
[store]
driver = "postgres"
dsn = "postgres://intake:hunter2-secret@127.0.0.1:5432/intake"
`+cluster+`[reply]
smarthost = "127.0.0.1:1025"
`)
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noOutput []string
	}{
		{"embedded defaults", nil, 0, []string{"[smtp]", `listen = ['127.0.0.1:2525']`, "support.localhost"}, []string{"configuration OK"}, nil},
		{"secrets hidden", []string{"--config", good}, 0, []string{"postgres://intake:xxxxx@127.0.0.1:5432/intake"}, nil, []string{"hunter2-secret"}},
		{"unknown key with its line", []string{"--config", write("typo.toml", "[smtp]\nlisten = [\"127.0.0.1:2525\"]\nrelay = true\n")}, 1, nil, []string{`line 3: unknown key "smtp.relay"`}, nil},
		{"every problem at once", []string{"--config", write("bad.toml", "[smtp]\ndomains = []\nmax_line_length = 100\nrelay = true\nmax_errors = \"ten\"\n[store]\ndriver = \"mysql\"\n")}, 1, []string{"[smtp]"},
			[]string{"line 2: smtp.domains", "line 3: smtp.max_line_length", `line 4: unknown key "smtp.relay"`, `line 5: smtp.max_errors: want a whole number, not the text "ten"`, "line 7: store.driver"}, nil},
		// The recipient rule, in words, for each way of writing it.
		{"rule: a domain", nil, 0, []string{"# recipients: every address at support.localhost is accepted"}, nil, nil},
		{"rule: domains and addresses", []string{"--config", write("both.toml", "[smtp]\ndomains = [\"support.example\"]\naddresses = [\"help@support.example\", \"billing@support.example\"]\n")}, 0,
			[]string{"# recipients: only these addresses are accepted: billing@support.example, help@support.example", "any other address at support.example is refused (550 5.1.1)"}, nil, []string{"every address at"}},
		{"rule: addresses alone", []string{"--config", write("addr.toml", "[smtp]\naddresses = [\"help@support.example\"]\n")}, 0,
			[]string{"# recipients: only these addresses are accepted: help@support.example"}, nil, []string{"every address at support.localhost", "domains = ['support.localhost']"}},
		{"relative paths named", []string{"--config", write("rel.toml", "data_dir = \"data\"\n")}, 0,
			[]string{"relative paths in " + filepath.Join(dir, "rel.toml") + " are relative to its directory, " + dir, "data_dir = '" + filepath.Join(dir, "data") + "'"}, nil, nil},
		{"data dir not a directory", []string{"--config", write("file.toml", "data_dir = \"good.toml\"\n")}, 1, nil, []string{"data_dir"}, nil},
		{"missing file", []string{"--config", filepath.Join(dir, "none.toml")}, 1, nil, []string{"none.toml"}, nil},
		// A PostgreSQL DSN under the sqlite driver used to pass, and serve
		// then logged it, password and all, in its "open sqlite store" error.
		{"postgres DSN under sqlite", []string{"--config", write("pgsqlite.toml", "[store]\ndriver = \"sqlite\"\ndsn = \"postgres://intake:hunter2-secret@db.internal/intake\"\n")}, 1,
			[]string{"postgres://intake:xxxxx@db.internal/intake"}, []string{"store.dsn", "looks like a connection URL", `driver = "postgres"`}, []string{"hunter2-secret"}},
		{"keyword DSN under sqlite", []string{"--config", write("kvsqlite.toml", "[store]\ndsn = \"host=db user=intake password=hunter2-secret\"\n")}, 1,
			nil, []string{"store.dsn", "keyword=value"}, []string{"hunter2-secret"}},
		{"postgres DSN that does not parse", []string{"--config", write("pgbad.toml", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://intake:hunter2-secret@db.internal:port/intake\"\n")}, 1,
			nil, []string{"store.dsn", "not a valid PostgreSQL connection string"}, []string{"hunter2-secret"}},
		// pgx takes a '#' in the password; a URL parser would cut there.
		{"postgres DSN with a '#' in the password", []string{"--config", write("pgbroken.toml", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://intake:hunter2#secret@db.internal/intake\"\n"+cluster)}, 0,
			[]string{"postgres://intake:xxxxx@db.internal/intake"}, nil, []string{"hunter2", "secret@"}},
		// Each node would make its own secrets and key pair.
		{"postgres without shared secrets", []string{"--config", write("pgalone.toml", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://intake@db.internal/intake\"\n")}, 1,
			nil, []string{"store.thread_key_file", "store.audit_key_file", "quarantine.recipients"}, nil},
		{"usage", []string{"extra"}, 2, nil, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(append([]string{"check-config"}, tc.args...), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb.String())
				}
			}
			for _, s := range tc.noOutput {
				if strings.Contains(out.String()+errb.String(), s) {
					t.Errorf("output shows %q", s)
				}
			}
		})
	}
}

// testRecipient is a fresh age public key.
func testRecipient(t *testing.T) string {
	t.Helper()
	id, err := tickets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Recipient
}
